"""The RS256-signed JWT assertion a Google service account presents to get an access token.

RSA signing uses ``cryptography`` (in the ``llmkit[gcp]`` extra), imported only
when a service-account assertion is first signed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmkit._redact import register_secret
from llmkit.errors import ConfigurationError

__all__ = [
    "ASSERTION_LIFETIME",
    "CLOUD_PLATFORM_SCOPE",
    "DEFAULT_TOKEN_URI",
    "ServiceAccountKey",
    "build_assertion",
    "sign_rs256",
]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
# Lifetime asked for in the JWT assertion (Google's maximum is one hour).
ASSERTION_LIFETIME = 3600
_GCP_EXTRA = "install the gcp extra: pip install 'llmkit[gcp]'"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class ServiceAccountKey:
    """The fields of a service-account JSON key file that a token exchange needs."""

    client_email: str
    private_key: str = field(repr=False)
    private_key_id: str | None = None
    token_uri: str = DEFAULT_TOKEN_URI
    project_id: str | None = None

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> ServiceAccountKey:
        if info.get("type", "service_account") != "service_account":
            raise ConfigurationError(f"not a service-account key (type {info.get('type')!r})")
        missing = [k for k in ("client_email", "private_key") if not info.get(k)]
        if missing:
            raise ConfigurationError(f"the service-account key lacks {', '.join(missing)}")
        register_secret(str(info["private_key"]))
        # The key id is not the key, but it names it: an echo of it is scrubbed too.
        register_secret(str(info.get("private_key_id") or ""))
        return cls(
            client_email=str(info["client_email"]),
            private_key=str(info["private_key"]),
            private_key_id=info.get("private_key_id"),
            token_uri=str(info.get("token_uri") or DEFAULT_TOKEN_URI),
            project_id=info.get("project_id"),
        )

    def __repr__(self) -> str:
        return (
            f"ServiceAccountKey(client_email={self.client_email!r}, private_key_id={self.private_key_id!r})"
        )


def sign_rs256(private_key_pem: str, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256 over ``message``."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise ConfigurationError(
            f"signing a Google service-account assertion needs cryptography; {_GCP_EXTRA}"
        ) from None
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None  # the exception is not chained: cryptography's message may quote the key
    if key is None:
        raise ConfigurationError(
            "the service-account private_key is not a readable unencrypted PEM key; "
            "download a fresh JSON key for the service account"
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("the service-account private key is not an RSA key")
    return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def build_assertion(
    key: ServiceAccountKey,
    *,
    scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,),
    now: float,
    subject: str | None = None,
    lifetime: int = ASSERTION_LIFETIME,
    audience: str = DEFAULT_TOKEN_URI,
) -> str:
    """The signed JWT (``header.claims.signature``) that a service account presents at ``token_uri``.

    The audience is Google's token endpoint even when the key file names another ``token_uri``
    (the assertion is still *posted* there), exactly as google-auth does."""
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if key.private_key_id:
        header["kid"] = key.private_key_id
    iat = int(now)
    claims: dict[str, Any] = {
        "iss": key.client_email,
        "scope": " ".join(scopes),
        "aud": audience,
        "iat": iat,
        "exp": iat + lifetime,
    }
    if subject:
        claims["sub"] = subject
    signing_input = ".".join(_b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, claims))
    signature = sign_rs256(key.private_key, signing_input.encode("ascii"))
    assertion = f"{signing_input}.{_b64url(signature)}"
    register_secret(assertion)  # a bearer of it can get tokens until it expires
    return assertion
