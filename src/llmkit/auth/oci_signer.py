"""The OCI HTTP Signature (draft-cavage-http-signatures as OCI applies it): a pure function.

Facts from oracle/oci-python-sdk@474b72d ``src/oci/signer.py`` and its vendored
``httpsig_cffi``: POST, PUT and PATCH sign ``date (request-target) host content-length
content-type x-content-sha256``; other methods sign the first three. The signing string is one
``name: value`` line per header joined by ``\\n`` (no trailing newline); ``(request-target)`` is
the lower-case method and the path with its query. The signature is RSA PKCS#1 v1.5 over
SHA-256, base64; the header lists its parameters in the SDK's order,
``algorithm,headers,keyId,signature,version``. ``tests/oci/test_signer.py`` holds this
byte for byte to ``oci.signer.Signer`` for a fixed key, date and body.

``cryptography`` does the RSA (the ``llmkit[oci]`` extra); it is imported on first use only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from llmkit.errors import ConfigurationError

__all__ = ["BODY_HEADERS", "GENERIC_HEADERS", "http_date", "load_private_key", "sign", "signing_string"]

GENERIC_HEADERS = ("date", "(request-target)", "host")
BODY_HEADERS = ("content-length", "content-type", "x-content-sha256")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def http_date(epoch: float | None = None) -> str:
    """The ``date`` header as the SDK writes it (``Tue, 01 Dec 2026 23:50:12 GMT``)."""
    return formatdate(epoch, usegmt=True)


def _crypto() -> Any:
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise ConfigurationError(
            "OCI request signing needs the 'cryptography' package: pip install 'llmkit[oci]'"
        ) from None
    return hashes, serialization, padding, rsa, UnsupportedAlgorithm


def load_private_key(pem: bytes, pass_phrase: str | None = None, *, where: str = "the key") -> Any:
    """An RSA private key from PEM, with the SDK's diagnostics (never the key or passphrase)."""
    _, serialization, _, rsa, unsupported = _crypto()
    password = pass_phrase.encode("ascii") if pass_phrase else None
    try:
        key = serialization.load_pem_private_key(pem.strip(), password)
    except TypeError:
        if password is None:
            message = (
                f"{where} is encrypted: give its passphrase (pass_phrase= or pass_phrase in the profile)"
            )
            raise ConfigurationError(message) from None
        # A passphrase given for a key that needs none: the SDK loads it without.
        key = serialization.load_pem_private_key(pem.strip(), None)
    except (ValueError, unsupported):
        raise ConfigurationError(
            f"{where} is not a PEM private key, or its passphrase is wrong "
            "(an API signing key is the private half: oci_api_key.pem, not the public .pem)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(f"{where} is not an RSA private key (OCI signs with RSA)")
    return key


def signing_string(method: str, url: str, headers: Mapping[str, str], names: tuple[str, ...]) -> str:
    """The lines that are signed, in ``names``' order (header names lower-case in ``headers``)."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        else:
            lines.append(f"{name}: {headers[name]}")
    return "\n".join(lines)


def sign(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: Any,
    *,
    date: str | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """The headers a request needs to be accepted: ``date``, ``host``, the body headers for
    POST/PUT/PATCH, and ``authorization``. Pure apart from the clock when ``date`` is None."""
    hashes, _, padding, _, _ = _crypto()
    method = method.upper()
    out = {"date": date or http_date(), "host": urlsplit(url).netloc}
    names: tuple[str, ...] = GENERIC_HEADERS
    if method in _BODY_METHODS:
        data = body or b""
        out["content-length"] = str(len(data))
        out["content-type"] = content_type
        out["x-content-sha256"] = base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
        names = GENERIC_HEADERS + BODY_HEADERS
    text = signing_string(method, url, out, names)
    raw = private_key.sign(text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    signature = base64.b64encode(raw).decode("ascii")
    out["authorization"] = (
        f'Signature algorithm="rsa-sha256",headers="{" ".join(names)}",keyId="{key_id}",'
        f'signature="{signature}",version="1"'
    )
    return out
