"""Writing the ``application/vnd.amazon.eventstream`` framing: the emulator's and the tests' side.

The format (prelude, typed headers, payload, CRCs) is described in ``eventstream``, whose types
and caps this module shares; nothing in the library's request path encodes frames.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime

from llmkit.framing.eventstream import (
    _CRC,
    _EPOCH,
    _INT_FORMATS,
    _MILLISECOND,
    _OVERHEAD,
    _U16,
    CONTENT_TYPE,
    MAX_HEADERS_LENGTH,
    MAX_PAYLOAD_LENGTH,
    HeaderType,
    HeaderValue,
    TypedHeader,
)

__all__ = [
    "CONTENT_TYPE",
    "HeaderType",
    "TypedHeader",
    "encode_error",
    "encode_event",
    "encode_exception",
    "encode_headers",
    "encode_message",
]


def _infer(value: HeaderValue | TypedHeader) -> TypedHeader:
    if isinstance(value, TypedHeader):
        return value
    if isinstance(value, bool):
        return TypedHeader(HeaderType.TRUE if value else HeaderType.FALSE, value)
    if isinstance(value, int):
        return TypedHeader(HeaderType.INTEGER if -(2**31) <= value < 2**31 else HeaderType.LONG, value)
    if isinstance(value, bytes):
        return TypedHeader(HeaderType.BYTE_ARRAY, value)
    if isinstance(value, str):
        return TypedHeader(HeaderType.STRING, value)
    if isinstance(value, datetime):
        return TypedHeader(HeaderType.TIMESTAMP, value)
    if isinstance(value, uuid.UUID):
        return TypedHeader(HeaderType.UUID, value)
    raise TypeError(f"unsupported event-stream header value: {type(value).__name__}")


def _encode_value(name: str, header: TypedHeader) -> bytes:
    kind, value = header.type, header.value
    if kind in (HeaderType.TRUE, HeaderType.FALSE):
        return b""
    if kind == HeaderType.TIMESTAMP:
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            value = (moment - _EPOCH) // _MILLISECOND
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"header {name!r}: a timestamp needs a datetime or milliseconds")
    if kind in _INT_FORMATS:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"header {name!r}: {kind.name} needs an int")
        try:
            return _INT_FORMATS[kind].pack(value)
        except struct.error:
            raise ValueError(f"header {name!r}: {value} does not fit {kind.name}") from None
    if kind in (HeaderType.BYTE_ARRAY, HeaderType.STRING):
        if isinstance(value, str):
            raw = value.encode()
        elif isinstance(value, bytes):
            raw = value
        else:
            raise TypeError(f"header {name!r}: {kind.name} needs str or bytes")
        if len(raw) > 0xFFFF:
            raise ValueError(f"header {name!r}: value longer than 65535 bytes")
        return _U16.pack(len(raw)) + raw
    if kind == HeaderType.UUID:
        if isinstance(value, uuid.UUID):
            return value.bytes
        if isinstance(value, bytes) and len(value) == 16:
            return value
        raise TypeError(f"header {name!r}: a UUID needs uuid.UUID or 16 bytes")
    raise ValueError(f"header {name!r}: unknown type {kind}")  # pragma: no cover


def encode_headers(headers: Mapping[str, HeaderValue | TypedHeader]) -> bytes:
    parts: list[bytes] = []
    for name, value in headers.items():
        raw_name = name.encode()
        if not 0 < len(raw_name) <= 255:
            raise ValueError(f"header name must be 1 to 255 bytes: {name!r}")
        typed = _infer(value)
        parts += (bytes((len(raw_name),)), raw_name, bytes((typed.type,)), _encode_value(name, typed))
    return b"".join(parts)


def encode_message(headers: Mapping[str, HeaderValue | TypedHeader], payload: bytes = b"") -> bytes:
    """One framed message, checksums included."""
    header_bytes = encode_headers(headers)
    if len(header_bytes) > MAX_HEADERS_LENGTH:
        raise ValueError(f"headers are {len(header_bytes)} bytes; the maximum is {MAX_HEADERS_LENGTH}")
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise ValueError(f"payload is {len(payload)} bytes; the maximum is {MAX_PAYLOAD_LENGTH}")
    total = _OVERHEAD + len(header_bytes) + len(payload)
    lengths = struct.pack(">II", total, len(header_bytes))
    prelude = lengths + _CRC.pack(zlib.crc32(lengths))
    body = prelude + header_bytes + payload
    return body + _CRC.pack(zlib.crc32(body))


def encode_event(event_type: str, payload: bytes, *, content_type: str = "application/json") -> bytes:
    """A normal event, as Bedrock (``contentBlockDelta``...) and SageMaker (``PayloadPart``) send it."""
    return encode_message(
        {":event-type": event_type, ":content-type": content_type, ":message-type": "event"}, payload
    )


def encode_exception(exception_type: str, payload: bytes, *, content_type: str = "application/json") -> bytes:
    """A modelled in-stream exception (``throttlingException``, ``ModelStreamError``...)."""
    return encode_message(
        {":exception-type": exception_type, ":content-type": content_type, ":message-type": "exception"},
        payload,
    )


def encode_error(code: str, message: str) -> bytes:
    """An unmodelled in-stream error: code and message in headers, empty payload."""
    return encode_message({":error-code": code, ":error-message": message, ":message-type": "error"})
