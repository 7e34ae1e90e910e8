"""The SigV4 canonical request, string to sign and signature: the parts the signer
(``llmkit.auth.sigv4``) and the verifier (``llmkit.auth.sigv4_verify``) must compute alike.

The canonical request follows the rules botocore applies to every service but
S3 (and is tested byte for byte against ``botocore.auth.SigV4Auth``):

- the URI path is normalized (dot segments and empty segments removed) and
  percent-encoded once more on top of the encoding it already has on the wire,
  so a Bedrock model id ``...-v1:0`` sent as ``...-v1%3A0`` is signed as
  ``...-v1%253A0``;
- query keys and values are percent-decoded, re-encoded with only ``-_.~``
  left bare, and sorted by key then value;
- header names are lower-cased and values whitespace-collapsed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

__all__ = ["ALGORITHM", "UNSIGNED_PAYLOAD", "canonical_query_string", "canonical_uri"]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_TERMINATOR = "aws4_request"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_QUERY_SAFE = "-_.~"
_PATH_SAFE = "/~"


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, plus dropping empty segments (AWS collapses "//").
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
        else:
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


@lru_cache(maxsize=256)
def canonical_uri(path: str) -> str:
    """The canonical URI of a wire path (already percent-encoded), for non-S3 services."""
    return quote(_remove_dot_segments(path), safe=_PATH_SAFE)


def _encode_query_part(part: str) -> str:
    return quote(unquote_to_bytes(part), safe=_QUERY_SAFE)


def canonical_query_string(query: str) -> str:
    """Canonical form of a raw query string: each part decoded, re-encoded, then sorted."""
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        key, _, value = item.partition("=")
        pairs.append((_encode_query_part(key), _encode_query_part(value)))
    pairs.sort()
    return "&".join(f"{key}={value}" for key, value in pairs)


def _group_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(name.lower(), []).append(value)
    return grouped


def _header_value(values: list[str]) -> str:
    return ",".join(" ".join(value.split()) for value in values)


def _canonical_request(
    method: str,
    path: str,
    query: str,
    signed: Mapping[str, list[str]],
    payload_hash: str,
) -> tuple[str, str]:
    names = sorted(signed)
    canonical_headers = "".join(f"{name}:{_header_value(signed[name])}\n" for name in names)
    signed_headers = ";".join(names)
    request = "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query_string(query),
            canonical_headers,
            signed_headers,
            payload_hash,
        )
    )
    return request, signed_headers


@lru_cache(maxsize=64)
def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret_key}".encode()
    for part in (date, region, service, _TERMINATOR):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def _string_to_sign(timestamp: str, scope: str, canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"


def _signature(secret_key: str, timestamp: str, region: str, service: str, string_to_sign: str) -> str:
    key = _signing_key(secret_key, timestamp[:8], region, service)
    return hmac.digest(key, string_to_sign.encode(), "sha256").hex()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _body_sha256(body: bytes | None) -> str:
    return hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256


def _scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/{_TERMINATOR}"
