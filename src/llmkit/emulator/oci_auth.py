"""The OCI emulator's credentials: test API keys and session tokens it makes and registers, and
the service's signature check, written from OCI's documentation of request signing
(https://docs.oracle.com/en-us/iaas/Content/API/Concepts/signingrequests.htm), not from llmkit's
signer.

``new_api_key(directory)`` makes an RSA key, writes it and a ``~/.oci/config``-style file naming
it, and registers its public half under its keyId (``tenancy/user/fingerprint``, or ``ST$<token>``
for a session token). ``check`` then verifies a request as the service does: the Authorization
parameters, the signed header list (POST must sign ``x-content-sha256``, ``content-type`` and
``content-length``), the body's hash and length, the date's clock skew (5 minutes), and the RSA
signature over the headers as received, in the order ``headers=`` names them.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from llmkit.emulator.server import EmuRequest, Reply, json_reply

TENANCY = "ocid1.tenancy.oc1..aaaaaaaaemulatortenancy"
USER = "ocid1.user.oc1..aaaaaaaaemulatoruser"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaemulatorcompartment"
REGION = "us-chicago-1"
MAX_SKEW_SECONDS = 300
_REQUIRED = ("date", "(request-target)", "host")
_BODY = ("content-length", "content-type", "x-content-sha256")
_PARAM = re.compile(r'(\w+)="([^"]*)"')

_keys: dict[str, Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class OciTestCredentials:
    """What ``new_api_key`` made: the files to point ``OCI_CONFIG_FILE`` at, and the keyId."""

    config_file: str
    key_file: str
    fingerprint: str
    key_id: str
    profile: str
    session_token: str | None = None


def opc_request_id() -> str:
    return uuid.uuid4().hex.upper()


def error(status: int, code: str, message: str) -> Reply:
    """OCI's error body, with the request id in ``opc-request-id``."""
    return json_reply(status, {"code": code, "message": message}, {"opc-request-id": opc_request_id()})


def register_key(key_id: str, public_key: Any) -> None:
    with _lock:
        _keys[key_id] = public_key


def _fingerprint(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def new_api_key(
    directory: str | Path,
    *,
    profile: str = "DEFAULT",
    pass_phrase: str | None = None,
    session_token: bool = False,
    region: str = REGION,
) -> OciTestCredentials:
    """A registered test key written to ``directory`` with a config file naming it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(pass_phrase.encode())
        if pass_phrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    key_file = folder / f"{profile.lower()}_api_key.pem"
    key_file.write_bytes(pem)
    fingerprint = _fingerprint(key.public_key())
    lines = [f"[{profile}]", f"fingerprint={fingerprint}", f"key_file={key_file}", f"region={region}"]
    token = None
    if session_token:
        token = "emulator-session-" + secrets.token_urlsafe(24)
        token_file = folder / f"{profile.lower()}_token"
        token_file.write_text(token + "\n", encoding="utf-8")
        lines.append(f"security_token_file={token_file}")
        key_id = "ST$" + token
    else:
        lines += [f"tenancy={TENANCY}", f"user={USER}"]
        key_id = f"{TENANCY}/{USER}/{fingerprint}"
    if pass_phrase:
        lines.append(f"pass_phrase={pass_phrase}")
    config = folder / "config"
    with config.open("a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n\n")
    register_key(key_id, key.public_key())
    return OciTestCredentials(str(config), str(key_file), fingerprint, key_id, profile, token)


def _denied(message: str) -> Reply:
    return error(401, "NotAuthenticated", message)


def _target(req: EmuRequest) -> str:
    query = urlencode(req.query)
    return f"{req.method.lower()} {req.full_path}" + (f"?{query}" if query else "")


def _header_checks(req: EmuRequest, names: list[str], now: datetime) -> str | None:
    missing = [
        n for n in (*_REQUIRED, *(_BODY if req.method in ("POST", "PUT", "PATCH") else ())) if n not in names
    ]
    if missing:
        return f"The required header(s) {', '.join(missing)} are not signed"
    absent = [n for n in names if n != "(request-target)" and n not in req.headers]
    if absent:
        return f"The signed header(s) {', '.join(absent)} are missing from the request"
    if "x-content-sha256" in names:
        digest = base64.b64encode(hashlib.sha256(req.body).digest()).decode()
        if req.headers["x-content-sha256"] != digest:
            return "The x-content-sha256 header does not match the body"
    if "content-length" in names and req.headers["content-length"] != str(len(req.body)):
        return "The content-length header does not match the body"
    try:
        sent = parsedate_to_datetime(req.headers["date"])
    except (TypeError, ValueError):
        return "The date header is not an HTTP date"
    if sent.tzinfo is None or abs((now - sent).total_seconds()) > MAX_SKEW_SECONDS:
        return "The date header is more than 5 minutes from the server's clock"
    return None


def check(req: EmuRequest, now: datetime | None = None) -> Reply | None:
    """None when the request is signed by a registered key; else OCI's 401 NotAuthenticated."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    value = req.headers.get("authorization", "")
    if not value.startswith("Signature "):
        return _denied("The required information to complete authentication was not provided.")
    params = dict(_PARAM.findall(value))
    if params.get("version") != "1" or params.get("algorithm") != "rsa-sha256":
        return _denied('The Authorization header must use version="1" and algorithm="rsa-sha256"')
    names = params.get("headers", "").split()
    problem = _header_checks(req, names, now or datetime.now(UTC))
    if problem is not None:
        return _denied(problem)
    with _lock:
        public = _keys.get(params.get("keyId", ""))
    if public is None:
        return _denied("The keyId is not a key known to this tenancy (wrong tenancy, user or fingerprint?)")
    lines = [
        f"(request-target): {_target(req)}" if n == "(request-target)" else f"{n}: {req.headers[n]}"
        for n in names
    ]
    try:
        signature = base64.b64decode(params.get("signature", ""), validate=True)
        public.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return _denied("The signature does not match the request (signing string or key differs)")
    return None
