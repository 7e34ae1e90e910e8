"""Snowflake key-pair authentication: the JWT a client signs for itself (no token request).

Pure functions, written from Snowflake's "Using key-pair authentication" guide and held to the
connector's ``auth/keypair.py`` (snowflake-connector-python@50e7fc5) and Snowflake's own sample:

* the account is cut before its first ``.`` (``xy12345.us-east-1.aws`` -> ``XY12345``), or, for a
  ``.global`` account, before its first ``-``; then upper-cased. The org-account hyphen stays
  (``myorg-myacct`` -> ``MYORG-MYACCT``) and underscores are kept (only URLs turn them into hyphens);
* the user is upper-cased;
* ``iss`` = ``ACCOUNT.USER.SHA256:<standard base64 of sha256(public key DER SubjectPublicKeyInfo)>``,
  ``sub`` = ``ACCOUNT.USER``, ``iat`` now, ``exp`` now + lifetime (at most an hour);
* RS256 for an RSA key; ES256/384/512 for a P-256/384/521 key, as the connector signs them.

Signing uses ``cryptography`` (the ``llmkit[snowflake]`` extra), imported only when a key is loaded.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from llmkit._redact import register_secret
from llmkit.errors import ConfigurationError

__all__ = ["JWT_LIFETIME", "KeyPair", "build_jwt", "jwt_account", "load_key_pair"]

# Snowflake's sample asks for 59 minutes (the service caps a JWT at one hour) and renews after 54;
# the token manager's 300 s margin renews at the same point.
JWT_LIFETIME = 59 * 60
EXTRA = "install the snowflake extra: pip install 'llmkit[snowflake]'"
_EC_ALGORITHMS = {"secp256r1": ("ES256", 32), "secp384r1": ("ES384", 48), "secp521r1": ("ES512", 66)}


def jwt_account(account: str) -> str:
    """The account name as the JWT's claims carry it (the connector's rule, not its URL rule)."""
    if ".global" in account:
        return account.partition("-")[0].upper()
    return account.partition(".")[0].upper()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A loaded private key (a ``cryptography`` key object), its JWT algorithm and its fingerprint."""

    key: Any = field(repr=False)
    algorithm: str
    fingerprint: str  # "SHA256:<base64>", the public key's; not secret
    coord_size: int = 0  # EC: bytes per signature coordinate

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        if self.algorithm == "RS256":
            signed: bytes = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
            return signed
        digest = {"ES256": hashes.SHA256(), "ES384": hashes.SHA384(), "ES512": hashes.SHA512()}[
            self.algorithm
        ]
        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(digest)))
        # A JWS ECDSA signature is r || s at fixed width (RFC 7518 §3.4), not DER.
        return r.to_bytes(self.coord_size, "big") + s.to_bytes(self.coord_size, "big")

    def __repr__(self) -> str:
        return f"KeyPair(algorithm={self.algorithm!r}, fingerprint={self.fingerprint!r})"


def load_key_pair(data: bytes, passphrase: str | bytes | None, where: str) -> KeyPair:
    """Load a PEM or DER (PKCS#8 or traditional) private key, decrypting it with ``passphrase``.

    ``where`` names the source (``private_key_path=``, ...) in errors; cryptography's own messages
    are not kept (they may quote the key)."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
    except ImportError:
        raise ConfigurationError(f"Snowflake key-pair authentication needs cryptography; {EXTRA}") from None
    password = passphrase.encode() if isinstance(passphrase, str) else passphrase
    load = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
    problem = ""
    key: Any = None
    try:
        key = load(data, password=password or None)
    except TypeError:
        problem = (
            "is encrypted: pass private_key_passphrase= (or set SNOWFLAKE_PRIVATE_KEY_PASSPHRASE)"
            if not password
            else "is not encrypted: drop private_key_passphrase="
        )
    except (ValueError, UnsupportedAlgorithm):
        problem = "could not be read: it is not a PEM or DER private key, or the passphrase is wrong"
    if problem:
        raise ConfigurationError(f"the Snowflake private key from {where} {problem}")
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(public_der).digest()).decode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        return KeyPair(key, "RS256", fingerprint)
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _EC_ALGORITHMS:
        algorithm, size = _EC_ALGORITHMS[key.curve.name]
        return KeyPair(key, algorithm, fingerprint, size)
    raise ConfigurationError(
        f"the Snowflake private key from {where} is neither RSA nor a P-256/384/521 EC key; "
        "Snowflake key-pair authentication takes RSA keys (2048-bit or more)"
    )


def claims(
    account: str, user: str, fingerprint: str, now: float, lifetime: int = JWT_LIFETIME
) -> dict[str, Any]:
    """The JWT claims for ``account`` and ``user`` (normalised here)."""
    subject = f"{jwt_account(account)}.{user.upper()}"
    iat = int(now)
    return {"iss": f"{subject}.{fingerprint}", "sub": subject, "iat": iat, "exp": iat + lifetime}


def build_jwt(key: KeyPair, account: str, user: str, now: float, lifetime: int = JWT_LIFETIME) -> str:
    """The signed JWT (``header.claims.signature``) sent as ``Authorization: Bearer``."""
    header = {"alg": key.algorithm, "typ": "JWT"}
    body = claims(account, user, key.fingerprint, now, lifetime)
    signing_input = ".".join(_b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, body))
    token = f"{signing_input}.{_b64url(key.sign(signing_input.encode('ascii')))}"
    register_secret(token)  # a bearer of it is the user until it expires
    return token
