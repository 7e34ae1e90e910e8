"""Transport-neutral HTTP data: what dialects and auth build, and what transports return.

These are plain data so that dialects, signers and decoders stay free of I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmkit._tls import ClientIdentity


@dataclass(slots=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    # The decoded JSON body, kept for inspection (e.g. by quirk hooks and tests).
    json: Any = None
    # A PEM file of CA certificates to verify this request's server against instead of the
    # default trust store (an auth flow sets it from a provider option, e.g. GigaChat's verify=).
    ca_bundle: str | None = None
    # A client certificate and key to present in the TLS handshake (mutual TLS, e.g. SAP AI Core's
    # X.509 service keys at their token URL); set by an auth flow, never by the caller.
    client_cert: ClientIdentity | None = None

    def __repr__(self) -> str:
        from llmkit._redact import redact_headers, redact_url

        return f"HttpRequest({self.method} {redact_url(self.url)}, headers={redact_headers(self.headers)})"


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # case-insensitive lookups (lower-case keys if a plain dict)
    body: bytes = b""
    # For a streamed 2xx response: the byte chunks, and how to release the connection.
    chunks: Iterator[bytes] | None = None
    close: Callable[[], None] | None = None
    # The async twin of ``chunks``/``close`` for async transports.
    achunks: Any = None
    aclose: Any = None
    # For a stream that is one step of a job: the flow (a generator of actions, run by the
    # driver) to carry out if the stream is closed before its end, e.g. cancelling the job.
    on_early_close: Callable[[], Any] | None = None

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def request_id(self) -> str | None:
        h = self.headers
        return (
            h.get("x-request-id")
            or h.get("request-id")
            or h.get("x-amzn-requestid")
            or h.get("apim-request-id")
            or h.get("opc-request-id")
        )


# json.dumps with non-default arguments builds a new encoder per call; one reused is ~2 µs cheaper.
# allow_nan=False: NaN and Infinity are not JSON, and providers reject (or misread) them.
# The image-URL fetcher ``GeneratedImage.fetch`` reads through by default (an
# ``llmkit.images.ImageFetcher``). The clients' layer fills it as it loads: ``llmkit.images`` sits
# below the transports and cannot import them, and a chat call need not load ``llmkit.images``
# just to register one (issue 17).
DEFAULT_IMAGE_FETCHER: list[Any] = []

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# JSONEncoder.encode spends more on its Python frames (encode, iterencode, a closure per call) than
# the C encoder spends on a chat body; calling the C encoder it would build, with the same
# arguments (a fresh circular-reference memo each call, allow_nan=False), skips them. Without the
# C accelerator (another interpreter) the reused encoder does the same job.
_C_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)
_ESCAPE: Any = getattr(json.encoder, "c_encode_basestring", None)
_DEFAULT = _ENCODER.default  # raises the TypeError json raises for an object it cannot encode
if _ESCAPE is None:
    _C_ENCODER = None


def dumps(obj: Any) -> bytes:
    """Compact JSON as the wire wants it (UTF-8, no ASCII escaping). A body that cannot be JSON
    (NaN, an object json cannot encode, a cycle) is the caller's ConfigurationError, before sending."""
    try:
        if _C_ENCODER is None or type(obj) is not dict:
            return _ENCODER.encode(obj).encode()
        encode = _C_ENCODER({}, _DEFAULT, _ESCAPE, None, ":", ",", False, False, False)
        return "".join(encode(obj, 0)).encode()
    except (ValueError, TypeError, RecursionError) as exc:
        failure = exc
    from llmkit.errors import ConfigurationError

    raise ConfigurationError(
        f"the request body cannot be sent as JSON ({failure}); NaN and Infinity are not JSON, "
        "and extra_body, tool schemas and options must hold only str, int, float, bool, None, lists and dicts"
    )


# The reader behind json.loads (one C scanner), called directly: json.loads adds two regex
# matches for the whitespace around the document and three Python frames. The scanner starts at
# index 0, so a body with leading whitespace, a BOM or no value at all, and one with anything after
# the document, is handed to json.loads itself, which accepts or rejects it as always.
_SCAN: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def loads(body: bytes) -> Any:
    """``json.loads`` of a response body, read as UTF-8 (undecodable bytes replaced, as JSON on
    the wire is UTF-8; decoding first skips json's encoding sniffing). Raises what json.loads
    raises (a ValueError, or RecursionError for a document nested too deep)."""
    text = body.decode("utf-8", "replace")
    try:
        obj, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)
    if end != len(text):
        return json.loads(text)
    return obj
