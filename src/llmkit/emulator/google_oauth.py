"""Google's OAuth 2.0 token endpoint, emulated from Google's "Using OAuth 2.0 for Server to
Server Applications" guide: ``POST /token`` with a form body

* ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<RS256 JWT>``: the JWT
  signature is verified against a registered service account's public key, and its claims
  (``iss``, ``aud`` = Google's token URL, ``iat``/``exp`` at most an hour apart, ``scope``) are checked;
* ``grant_type=refresh_token`` with a registered client id/secret and refresh token.

Answers ``{"access_token", "expires_in", "token_type": "Bearer"}`` with a short, configurable
lifetime, so clients' refresh is exercised, or ``{"error", "error_description"}`` with HTTP 400.
Tokens are kept per emulator; the Vertex AI handler accepts only live ones.
"""

from __future__ import annotations

import base64
import binascii
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

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
PROFILE = Profile(
    "google_oauth", "llmkit.emulator.google_oauth:handle", base_path="", auth_headers=(), credentials="none"
)


@dataclass(slots=True)
class TokenStore:
    # client_email -> PEM public key
    service_accounts: dict[str, str] = field(default_factory=dict)
    # refresh_token -> (client_id, client_secret)
    users: dict[str, tuple[str, str]] = field(default_factory=dict)
    # access token -> expiry (epoch seconds)
    tokens: dict[str, float] = field(default_factory=dict)
    expires_in: int = 3599
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


def register_service_account(emu: Emulator, client_email: str, public_key_pem: str) -> None:
    """Accept JWT assertions from ``client_email`` signed by the key matching ``public_key_pem``."""
    store_for(emu).service_accounts[client_email] = public_key_pem


def new_service_account(emu: Emulator, name: str, *, token_path: str = "google_oauth") -> dict[str, Any]:
    """A service-account key file's contents for a fresh RSA key made now (needs ``cryptography``),
    registered with the emulator: pass it as ``service_account=`` / ``credentials_info``.
    ``token_path`` is the profile whose token endpoint the key names (a test may serve its own)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    email = f"{name}@test-proj.iam.gserviceaccount.com"
    register_service_account(emu, email, public.decode())
    return {
        "type": "service_account",
        "project_id": "test-proj",
        "private_key_id": f"{name}-kid",
        "private_key": pem,
        "client_email": email,
        "token_uri": f"{emu.url}/{token_path}/token",
    }


def register_user(emu: Emulator, client_id: str, client_secret: str, refresh_token: str) -> None:
    store_for(emu).users[refresh_token] = (client_id, client_secret)


def set_token_lifetime(emu: Emulator, seconds: int) -> None:
    store_for(emu).expires_in = seconds


def token_is_live(emu: Emulator, token: str) -> bool:
    store = store_for(emu)
    with store.lock:
        expiry = store.tokens.get(token)
    return expiry is not None and time.time() < expiry


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class _Rejected(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _verify_assertion(assertion: str, store: TokenStore) -> dict[str, Any]:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        head_b64, claims_b64, sig_b64 = assertion.split(".")
        header = json.loads(_b64decode(head_b64))
        claims = json.loads(_b64decode(claims_b64))
        signature = _b64decode(sig_b64)
    except (ValueError, binascii.Error):
        raise _Rejected("invalid_grant", "Invalid JWT: malformed.") from None
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        raise _Rejected("invalid_grant", "Invalid JWT: only RS256 is accepted.")
    if not isinstance(claims, dict):
        raise _Rejected("invalid_grant", "Invalid JWT: claims are not an object.")
    pem = store.service_accounts.get(str(claims.get("iss")))
    if pem is None:
        raise _Rejected("invalid_grant", "Invalid grant: account not found")
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise _Rejected("invalid_grant", "Invalid JWT: the registered key is not RSA.")
    try:
        key.verify(signature, f"{head_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise _Rejected("invalid_grant", "Invalid JWT Signature.") from None
    if claims.get("aud") != GOOGLE_TOKEN_URL:
        raise _Rejected("invalid_grant", f"Invalid JWT: the audience must be {GOOGLE_TOKEN_URL}.")
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        raise _Rejected("invalid_grant", "Invalid JWT: iat and exp must be integers.")
    if iat > now + 300 or exp < now - 300 or exp - iat > 3600 or exp <= iat:
        raise _Rejected(
            "invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
        )
    if not claims.get("scope"):
        raise _Rejected("invalid_scope", "Empty or missing scope not allowed.")
    return claims


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.method != "POST" or not req.path.rstrip("/").endswith("/token"):
        return json_reply(
            404, {"error": "not_found", "error_description": f"no route {req.method} {req.path}"}
        )
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _error("invalid_request", "The token request must be application/x-www-form-urlencoded.")
    form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
    store = store_for(emu)
    grant = form.get("grant_type")
    try:
        if grant == JWT_BEARER:
            if not form.get("assertion"):
                raise _Rejected("invalid_request", "Missing required parameter: assertion")
            _verify_assertion(form["assertion"], store)
        elif grant == "refresh_token":
            known = store.users.get(form.get("refresh_token", ""))
            if known is None or known != (form.get("client_id"), form.get("client_secret")):
                raise _Rejected("invalid_grant", "Bad Request")
        else:
            raise _Rejected("unsupported_grant_type", f"Invalid grant_type: {grant}")
    except _Rejected as exc:
        return _error(exc.error, exc.description)
    token = "ya29.emu-" + secrets.token_urlsafe(24)
    with store.lock:
        store.tokens[token] = time.time() + store.expires_in
        store.issued += 1
    body = {"access_token": token, "expires_in": store.expires_in, "token_type": "Bearer"}
    return json_reply(200, body, {"cache-control": "no-store"})


def _error(error: str, description: str) -> Reply:
    return json_reply(400, {"error": error, "error_description": description})


__all__ = [
    "GOOGLE_TOKEN_URL",
    "PROFILE",
    "handle",
    "register_service_account",
    "register_user",
    "set_token_lifetime",
    "store_for",
    "token_is_live",
]
