"""Snowflake Cortex REST API, emulated from Snowflake's docs and the published specs
(snowflakedb/snowflake-rest-api-specs: common.yaml, cortex-inference.yaml, cortex-embed.yaml,
cortex-generic-openai.yaml, cortex-generic-anthropic.yaml).

Credentials are checked the way the service does: ``Authorization: Bearer <token>`` with an optional
``X-Snowflake-Authorization-Token-Type`` (``KEYPAIR_JWT``, ``PROGRAMMATIC_ACCESS_TOKEN``, ``OAUTH``;
inferred when absent). A key-pair JWT is verified RS256 against a public key registered with
``register_user`` (``iss`` = ``ACCOUNT.USER.SHA256:<fingerprint>`` naming that key, ``sub`` =
``ACCOUNT.USER``, ``exp`` in the future and at most an hour after ``iat``); PATs and OAuth tokens
must be ones registered with ``register_token`` (or the emulator's own key, any token when it has
none). Errors are
``{"code", "message", "request_id"}`` with an ``X-Snowflake-Request-ID`` header.

Routes: ``/api/v2/cortex/v1/chat/completions`` (the OpenAI handler's chat), ``/api/v2/cortex/v1/messages``
(the Anthropic handler's messages: the same code, not a copy), ``/api/v2/cortex/inference:complete``
and ``/api/v2/cortex/inference:embed`` (``snowflake_native``), ``GET /api/v2/cortex/models``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

PROFILE = Profile(
    "snowflake",
    "llmkit.emulator.snowflake:handle",
    base_path="",
    # Described by ``llmkit emulator serve`` from this; the handler checks it (and key-pair JWTs).
    auth_headers=(("authorization", "Bearer "),),
    error_shape="snowflake",
)
PREFIX = "/api/v2/cortex"
TOKEN_TYPES = ("KEYPAIR_JWT", "PROGRAMMATIC_ACCESS_TOKEN", "OAUTH")
# Snowflake's code for a JWT it refuses (the connector's login mapping carries 390144).
INVALID_JWT = "390144"
BAD_TOKEN = "390303"


@dataclass(slots=True)
class Store:
    # "ACCOUNT.USER" -> (fingerprint "SHA256:...", public key object)
    users: dict[str, tuple[str, Any]] = field(default_factory=dict)
    # token -> (token type, expiry epoch seconds or 0 for none)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    # What the last requests presented, for tests: (type, iat) per accepted JWT.
    jwts_seen: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


_STORES: weakref.WeakKeyDictionary[Emulator, Store] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def store_for(emu: Emulator) -> Store:
    with _STORES_LOCK:
        store = _STORES.get(emu)
        if store is None:
            store = _STORES[emu] = Store()
        return store


def register_user(emu: Emulator, subject: str, public_key_pem: bytes | str) -> str:
    """Accept key-pair JWTs for ``subject`` (``ACCOUNT.USER``, as Snowflake normalises them)
    signed by the private half of ``public_key_pem``; returns the key's fingerprint."""
    from cryptography.hazmat.primitives import serialization

    pem = public_key_pem.encode() if isinstance(public_key_pem, str) else public_key_pem
    key = serialization.load_pem_public_key(pem)
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    store = store_for(emu)
    with store.lock:
        store.users[subject] = (fingerprint, key)
    return fingerprint


def register_token(emu: Emulator, token: str, token_type: str, expires_in: float | None = None) -> None:
    """Accept ``token`` as a ``PROGRAMMATIC_ACCESS_TOKEN`` or ``OAUTH`` token (until ``expires_in``)."""
    store = store_for(emu)
    with store.lock:
        store.tokens[token] = (token_type, time.time() + expires_in if expires_in else 0.0)


def error(status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    """Snowflake's ``ErrorResponse`` (common.yaml): ``{"message", "code", "request_id"}``."""
    request_id = "01b2c3d4-0000-4000-8000-emulated0000"
    body = {"code": code or str(390000 + status), "message": message, "request_id": request_id}
    return json_reply(status, body, {"X-Snowflake-Request-ID": request_id, **(headers or {})})


def scripted_error(err: ScriptedError) -> Reply:
    return error(err.status, err.message, err.code, err.headers)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class _Refused(Exception):
    pass


def _verify_jwt(token: str, store: Store) -> tuple[str, int]:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(_b64url(head_b64))
        claims = json.loads(_b64url(claims_b64))
        signature = _b64url(sig_b64)
    except (ValueError, binascii.Error):
        raise _Refused("JWT token is invalid.") from None
    if header.get("alg") != "RS256":
        raise _Refused("JWT token is invalid: unsupported algorithm.")
    sub, iss = str(claims.get("sub", "")), str(claims.get("iss", ""))
    with store.lock:
        user = store.users.get(sub)
    if user is None or iss != f"{sub}.{user[0]}":
        raise _Refused("JWT token is invalid: no public key of this user has the fingerprint in iss.")
    try:
        user[1].verify(signature, f"{head_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise _Refused("JWT token is invalid: signature mismatch.") from None
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        raise _Refused("JWT token is invalid: iat and exp must be integers.")
    now = time.time()
    if exp <= now:
        raise _Refused("JWT token is expired.")
    if exp - iat > 3600 or iat > now + 60:
        raise _Refused("JWT token is invalid: its lifetime exceeds one hour or it is issued in the future.")
    return sub, iat


def check_auth(req: EmuRequest, emu: Emulator) -> Reply | None:
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer ") or not value[7:]:
        return error(401, "Missing or invalid Authorization header: Bearer <token> expected.", BAD_TOKEN)
    token = value[7:]
    kind = req.headers.get("x-snowflake-authorization-token-type")
    if kind is not None and kind not in TOKEN_TYPES:
        return error(400, f"Unsupported X-Snowflake-Authorization-Token-Type {kind!r}.", "390101")
    store = store_for(emu)
    if kind == "KEYPAIR_JWT" or (kind is None and token.count(".") == 2 and token.startswith("eyJ")):
        try:
            sub, iat = _verify_jwt(token, store)
        except _Refused as exc:
            return error(401, str(exc), INVALID_JWT)
        with store.lock:
            store.jwts_seen.append((sub, iat))
        return None
    with store.lock:
        known = store.tokens.get(token)
    if known is None and (emu.api_key is None or token == emu.api_key):
        # The emulator's own key (any key when it has none, as its other profiles take) is a PAT.
        known = (kind or "PROGRAMMATIC_ACCESS_TOKEN", 0.0)
    if known is None or (kind is not None and known[0] != kind):
        return error(401, "Invalid OAuth access token or programmatic access token.", BAD_TOKEN)
    if known[1] and known[1] <= time.time():
        return error(401, "The access token has expired.", "390318")
    return None


def _peek_error(emu: Emulator, path: str) -> Reply | None:
    """A scripted HTTP error for ``path``, in Snowflake's shape (the delegated OpenAI and Anthropic
    handlers would answer it in their own): taken from the queue only when it is one."""
    with emu._lock:
        script: Script | None = next((s for s in emu._scripts if s.match is None or s.match in path), None)
        if script is None or script.error is None or script.fault is not None:
            return None
        emu._scripts.remove(script)
    return scripted_error(script.error)


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check_auth(req, emu)
    if denied is not None:
        return denied
    path = req.path.rstrip("/")
    if req.method == "GET" and path == f"{PREFIX}/models":
        return json_reply(200, {"models": ["claude-3-5-sonnet", "llama3.1-70b", "mistral-large2"]})
    if req.method != "POST":
        return error(405, f"Method {req.method} not allowed.", "390405")
    routes = {
        f"{PREFIX}/v1/chat/completions": _chat,
        f"{PREFIX}/v1/messages": _messages,
        f"{PREFIX}/inference:complete": _complete,
        f"{PREFIX}/inference:embed": _embed,
    }
    route = routes.get(path)
    if route is None:
        return error(404, f"Not found: POST {req.full_path}", "390404")
    early = _peek_error(emu, req.path)
    return early if early is not None else route(req, emu)


def _chat(req: EmuRequest, emu: Emulator) -> Reply:
    from llmkit.emulator.openai import _chat as openai_chat

    return openai_chat.chat(req, emu, _OPENAI_PROFILE)


def _messages(req: EmuRequest, emu: Emulator) -> Reply:
    from llmkit.emulator.anthropic._messages import messages

    return messages(req, emu)


def _complete(req: EmuRequest, emu: Emulator) -> Reply:
    from llmkit.emulator.snowflake_native import complete

    return complete(req, emu)


def _embed(req: EmuRequest, emu: Emulator) -> Reply:
    from llmkit.emulator.snowflake_native import embed

    return embed(req, emu)


# The OpenAI handler's view of this service: Snowflake-shaped errors for what it rejects.
_OPENAI_PROFILE = Profile("snowflake", "llmkit.emulator.openai:handle", base_path="", error_shape="code_int")
