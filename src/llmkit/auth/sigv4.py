"""AWS Signature Version 4: sign a request.

Pure code: the signer takes the request parts and a clock value and returns the
headers to add. Nothing here reads the clock, sleeps or opens a socket.

The ``url`` given to :func:`sign_headers` must be the exact URL that goes on
the wire: its path is signed with one more round of percent-encoding on top of
the one it already has (see ``llmkit.auth.sigv4_canonical``). Every header
given is signed, except the hop-by-hop and tracing headers botocore also
leaves out, and ``host`` is added from the URL when absent.

Credentials (``llmkit.auth.aws_credentials``) live in their own module; their
names are re-exported here, as this module once held them. The verifier
(``llmkit.auth.sigv4_verify``) is imported from there only: a signed call has
no use for it, so it is not loaded with the signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from llmkit.auth.aws_credentials import (
    ENV_ACCESS_KEY,
    ENV_REGIONS,
    ENV_SECRET_KEY,
    ENV_SESSION_TOKEN,
    AwsCredentials,
    credential_source,
    resolve_credentials,
    resolve_region,
)
from llmkit.auth.sigv4_canonical import (
    ALGORITHM,
    UNSIGNED_PAYLOAD,
    _body_sha256,
    _canonical_request,
    _group_headers,
    _header_value,
    _scope,
    _signature,
    _string_to_sign,
    _utc,
    canonical_query_string,
    canonical_uri,
)

if TYPE_CHECKING:
    from llmkit.wire import HttpRequest

__all__ = [
    "ALGORITHM",
    "ENV_ACCESS_KEY",
    "ENV_REGIONS",
    "ENV_SECRET_KEY",
    "ENV_SESSION_TOKEN",
    "UNSIGNED_PAYLOAD",
    "AwsCredentials",
    "canonical_query_string",
    "canonical_uri",
    "credential_source",
    "resolve_credentials",
    "resolve_region",
    "sign_headers",
    "sign_http_request",
]

# Headers never signed: hop-by-hop headers a proxy or HTTP client may rewrite,
# tracing headers, and User-Agent (the same set botocore leaves out).
_UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers the signer itself produces; stale copies in the input are replaced.
_OUTPUT_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})


@lru_cache(maxsize=64)
def _host_from_url(scheme: str, netloc: str) -> str:
    parts = urlsplit(f"{scheme}://{netloc}")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    return host


def _amz_timestamp(m: datetime) -> str:
    # The same text as strftime("%Y%m%dT%H%M%SZ"), at half its cost.
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


def sign_headers(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    credentials: AwsCredentials,
    region: str,
    service: str,
    now: datetime,
    *,
    unsigned_payload: bool = False,
    content_sha256_header: bool = False,
) -> dict[str, str]:
    """The headers that sign this request: ``Authorization``, ``X-Amz-Date``, and when
    needed ``X-Amz-Security-Token`` and ``X-Amz-Content-SHA256``.

    ``url`` must be the URL exactly as it will be sent (path percent-encoded).
    ``now`` is the signing time; a naive datetime is taken as UTC. All of
    ``headers`` are signed except hop-by-hop ones and ``User-Agent``; any
    ``Authorization``, ``X-Amz-Date`` or ``X-Amz-Security-Token`` in them is
    ignored and replaced. An ``X-Amz-Content-SHA256`` already present is used
    as the payload hash. ``unsigned_payload`` signs the literal
    ``UNSIGNED-PAYLOAD`` instead of the body hash (and sends it in
    ``X-Amz-Content-SHA256``); ``content_sha256_header`` sends the body hash
    in that header, as S3-style services require.
    """
    parts = urlsplit(url)
    timestamp = _amz_timestamp(_utc(now))
    signed = {
        name: values
        for name, values in _group_headers(headers).items()
        if name not in _UNSIGNED_HEADERS and name not in _OUTPUT_HEADERS
    }
    if "host" not in signed:
        signed["host"] = [_host_from_url(parts.scheme, parts.netloc)]

    added: dict[str, str] = {"X-Amz-Date": timestamp}
    signed["x-amz-date"] = [timestamp]
    if credentials.session_token:
        added["X-Amz-Security-Token"] = credentials.session_token
        signed["x-amz-security-token"] = [credentials.session_token]

    if "x-amz-content-sha256" in signed and not unsigned_payload:
        payload_hash = _header_value(signed["x-amz-content-sha256"])
    else:
        payload_hash = UNSIGNED_PAYLOAD if unsigned_payload else _body_sha256(body)
        if unsigned_payload or content_sha256_header:
            added["X-Amz-Content-SHA256"] = payload_hash
            signed["x-amz-content-sha256"] = [payload_hash]

    canonical, signed_headers = _canonical_request(method, parts.path, parts.query, signed, payload_hash)
    scope = _scope(timestamp[:8], region, service)
    signature = _signature(
        credentials.secret_key, timestamp, region, service, _string_to_sign(timestamp, scope, canonical)
    )
    added["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return added


def sign_http_request(
    request: HttpRequest,
    credentials: AwsCredentials,
    region: str,
    service: str,
    now: datetime,
    *,
    unsigned_payload: bool = False,
    content_sha256_header: bool = False,
) -> None:
    """Sign an ``HttpRequest`` in place (replacing any earlier signature headers)."""
    added = sign_headers(
        request.method,
        request.url,
        request.headers,
        request.body,
        credentials,
        region,
        service,
        now,
        unsigned_payload=unsigned_payload,
        content_sha256_header=content_sha256_header,
    )
    replaced = {name.lower() for name in added}
    for name in [name for name in request.headers if name.lower() in replaced]:
        del request.headers[name]
    request.headers.update(added)
