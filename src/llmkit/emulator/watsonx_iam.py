"""IBM Cloud IAM's token endpoint, emulated from IBM's docs and SDKs (the Java SDK's
``IBMCloudAuthenticator``, ``ibm-cloud-sdk-core``'s ``IAMTokenManager``): ``POST /identity/token``
with the form ``grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=<key>``. The key must be
the emulator's (``Emulator(api_key=)``; any non-empty key when it has none). Answers
``{access_token, refresh_token, token_type, expires_in, expiration, scope}`` with a settable
lifetime (the token is JWT-shaped, with the ``iat``/``exp`` IBM's SDKs read), or IAM's
``{errorCode, errorMessage, context}`` with 400 (``BXNIM0415E``: the key is not known). The tokens
issued are kept per emulator; ``llmkit.emulator.watsonx`` accepts only live ones."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from llmkit.emulator.profiles import Profile
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = [
    "APIKEY_GRANT",
    "PROFILE",
    "expire_tokens",
    "handle",
    "iam_error",
    "set_token_lifetime",
    "store_for",
]

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
PROFILE = Profile(
    "watsonx_iam", "llmkit.emulator.watsonx_iam:handle", base_path="", auth_headers=(), credentials="none"
)


@dataclass(slots=True)
class TokenStore:
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry (epoch s)
    expires_in: int = 3600
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_STORES: weakref.WeakKeyDictionary[Emulator, TokenStore] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def store_for(emu: Emulator) -> TokenStore:
    with _STORES_LOCK:
        store = _STORES.get(emu)
        if store is None:
            store = _STORES[emu] = TokenStore()
        return store


def set_token_lifetime(emu: Emulator, seconds: int) -> None:
    store_for(emu).expires_in = seconds


def expire_tokens(emu: Emulator) -> None:
    """Every token issued so far expires now (the next call with one gets a 401)."""
    store = store_for(emu)
    with store.lock:
        for token in store.tokens:
            store.tokens[token] = 0.0


# ---------------------------------------------------------------- IAM


def iam_error(code: str, message: str, status: int = 400) -> Reply:
    body = {
        "errorCode": code,
        "errorMessage": message,
        "context": {"requestId": secrets.token_hex(8)},
    }
    return json_reply(status, body)


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.method != "POST" or req.path.rstrip("/") != "/identity/token":
        return iam_error("BXNIM0102E", f"no route {req.method} {req.path}", 404)
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return iam_error("BXNIM0109E", "Property missing or empty. Operation not allowed.")
    form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
    if form.get("grant_type") != APIKEY_GRANT:
        return iam_error("BXNIM0104E", "Provided grant type is not supported.")
    key = form.get("apikey", "")
    if not key:
        return iam_error("BXNIM0109E", "Property missing or empty. Operation not allowed.")
    if emu.api_key is not None and key != emu.api_key:
        return iam_error("BXNIM0415E", "Provided API key could not be found.")
    store = store_for(emu)
    now = int(time.time())
    token = _jwt(now, store.expires_in)
    with store.lock:
        store.tokens[token] = now + store.expires_in
        store.issued += 1
    body = {
        "access_token": token,
        "refresh_token": "not_supported",
        "token_type": "Bearer",
        "expires_in": store.expires_in,
        "expiration": now + store.expires_in,
        "scope": "ibm openid",
    }
    return json_reply(200, body, {"cache-control": "no-cache, no-store, must-revalidate"})


def _b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _jwt(now: int, lifetime: int) -> str:
    """A token shaped like IAM's (an RS256 JWT whose ``iat``/``exp`` IBM's SDKs read to time their
    refresh); the signature is random: only this emulator checks it, by lookup."""
    claims = {
        "iam_id": "IBMid-emulator",
        "sub": "emulator@example.com",
        "iss": "https://iam.cloud.ibm.com/identity",
        "grant_type": APIKEY_GRANT,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_hex(8),
    }
    signature = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return f"{_b64({'kid': 'emulator', 'alg': 'RS256'})}.{_b64(claims)}.{signature}"
