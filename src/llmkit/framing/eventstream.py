"""The ``application/vnd.amazon.eventstream`` binary framing (Bedrock and SageMaker streams).

Pure code: bytes in, messages out, for any split of the bytes. One message is::

    prelude   total_length u32 | headers_length u32 | CRC32 of those 8 bytes
    headers   headers_length bytes of (name_len u8, name, type u8, value)
    payload   total_length - headers_length - 16 bytes
    trailer   CRC32 of everything before it

All integers are big-endian; the CRC is zlib's CRC-32. A bad checksum, an
impossible length, a length past the caps (128 KiB of headers, 24 MiB of
payload, as botocore enforces) or a malformed header raises
``EventStreamDecodeError`` (a ``ResponseDecodeError``) at once, instead of
waiting for bytes that will never make sense.
"""

from __future__ import annotations

import enum
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from llmkit.errors import ResponseDecodeError, ResponseTooLargeError

__all__ = [
    "CONTENT_TYPE",
    "EventMessage",
    "EventStreamDecodeError",
    "EventStreamDecoder",
    "EventStreamFrameTooLargeError",
    "HeaderType",
    "HeaderValue",
    "TypedHeader",
    "decode_all",
]

CONTENT_TYPE = "application/vnd.amazon.eventstream"
MAX_HEADERS_LENGTH = 128 * 1024
MAX_PAYLOAD_LENGTH = 24 * 1024 * 1024
_PRELUDE = struct.Struct(">III")
_CRC = struct.Struct(">I")
_PRELUDE_LENGTH = 12
_OVERHEAD = _PRELUDE_LENGTH + 4  # prelude plus the trailing message CRC
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
# Messages up to this size, cut straight from the bytes read, are CRC-checked on a copy of the
# slice rather than through a memoryview (see ``EventStreamDecoder.feed``).
_SLICE_CHECKED = 64 * 1024


class HeaderType(enum.IntEnum):
    """The wire code of a header value's type."""

    TRUE = 0
    FALSE = 1
    BYTE = 2
    SHORT = 3
    INTEGER = 4
    LONG = 5
    BYTE_ARRAY = 6
    STRING = 7
    TIMESTAMP = 8  # milliseconds since the epoch; decoded as an aware UTC datetime
    UUID = 9


HeaderValue = bool | int | bytes | str | datetime | uuid.UUID

_STRING = 7
_BYTE_ARRAY = 6
_INT_FORMATS = {
    HeaderType.BYTE: struct.Struct(">b"),
    HeaderType.SHORT: struct.Struct(">h"),
    HeaderType.INTEGER: struct.Struct(">i"),
    HeaderType.LONG: struct.Struct(">q"),
    HeaderType.TIMESTAMP: struct.Struct(">q"),
}
_U16 = struct.Struct(">H")


@dataclass(frozen=True, slots=True)
class TypedHeader:
    """A header value with an explicit wire type, for the encoder (e.g. a 1-byte int)."""

    type: HeaderType
    value: HeaderValue


class EventMessage:
    """One decoded message: its headers and its raw payload (treat both as read-only).

    ``kind`` and ``event_type`` are read from the headers when the message is made: a decoder
    consumer asks for them once per frame, and the header section they come from is shared by
    every message of one event type (see ``_sections``). ``headers`` is the message's own dict,
    copied from that shared section the first time it is asked for, so changing one message's
    headers never changes another's.
    """

    __slots__ = ("_headers", "_shared", "event_type", "kind", "payload")

    kind: Literal["event", "exception", "error"]
    event_type: str | None  # ``:event-type``: the event-stream member name (``contentBlockDelta``, ...)
    payload: bytes

    def __init__(self, headers: dict[str, HeaderValue], payload: bytes) -> None:
        self._headers: dict[str, HeaderValue] | None = headers
        self._shared = headers
        self.payload = payload
        self.kind, self.event_type = _summary(headers)

    @property
    def headers(self) -> dict[str, HeaderValue]:
        own = self._headers
        if own is None:
            own = self._headers = self._shared.copy()
        return own

    def _text(self, name: str) -> str | None:
        found = self._headers
        value = (self._shared if found is None else found).get(name)
        return value if isinstance(value, str) else None

    @property
    def message_type(self) -> str:
        """``:message-type``: ``event``, ``exception`` or ``error`` (``event`` when absent)."""
        return self._text(":message-type") or "event"

    @property
    def exception_type(self) -> str | None:
        """``:exception-type`` of a modelled exception (``throttlingException``, ...)."""
        return self._text(":exception-type")

    @property
    def error_code(self) -> str | None:
        """``:error-code`` of an unmodelled error."""
        return self._text(":error-code")

    @property
    def error_message(self) -> str | None:
        """``:error-message`` of an unmodelled error."""
        return self._text(":error-message")

    @property
    def content_type(self) -> str | None:
        return self._text(":content-type")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventMessage):
            return NotImplemented
        return self.payload == other.payload and self.headers == other.headers

    __hash__ = None  # type: ignore[assignment]  # as before: the headers are a dict

    def __repr__(self) -> str:
        return f"EventMessage(headers={self.headers!r}, payload={self.payload!r})"


def _summary(headers: dict[str, HeaderValue]) -> tuple[Literal["event", "exception", "error"], str | None]:
    """``kind`` and ``event_type`` as the headers give them."""
    kind = headers.get(":message-type")
    event_type = headers.get(":event-type")
    return (
        "exception" if kind == "exception" else "error" if kind == "error" else "event",
        event_type if isinstance(event_type, str) else None,
    )


_new_message = object.__new__


class EventStreamDecodeError(ResponseDecodeError):
    """The event stream is corrupt. ``messages`` holds the good ones decoded just before."""

    def __init__(self, message: str, *, messages: list[EventMessage] | None = None) -> None:
        super().__init__(f"AWS event stream: {message}")
        self.messages: list[EventMessage] = messages or []


class EventStreamFrameTooLargeError(EventStreamDecodeError, ResponseTooLargeError):
    """A prelude announced headers or a payload past the cap: refused at once, before a byte of
    it is buffered. Both an ``EventStreamDecodeError`` (as before) and a ``ResponseTooLargeError``
    (so a stream sets ``.partial``, like any in-stream error); ``limit`` is the cap passed."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.status_code = 200
        self.limit = limit


# --------------------------------------------------------------------------- decoding


def _decode_timestamp(millis: int) -> datetime:
    try:
        return _EPOCH + millis * _MILLISECOND
    except OverflowError:
        raise EventStreamDecodeError(f"timestamp header out of range: {millis} ms") from None


def _parse_headers(data: memoryview) -> dict[str, HeaderValue]:
    headers: dict[str, HeaderValue] = {}
    pos = 0
    end = len(data)
    try:
        while pos < end:
            name_length = data[pos]
            pos += 1
            if pos + name_length + 1 > end:
                raise EventStreamDecodeError("header name runs past the headers section")
            name = bytes(data[pos : pos + name_length]).decode()
            pos += name_length
            type_code = data[pos]
            pos += 1
            value: HeaderValue
            if type_code in (_STRING, _BYTE_ARRAY):
                if pos + 2 > end:
                    raise EventStreamDecodeError(f"header {name!r} value runs past the headers section")
                (length,) = _U16.unpack_from(data, pos)
                pos += 2
                if pos + length > end:
                    raise EventStreamDecodeError(f"header {name!r} value runs past the headers section")
                raw = bytes(data[pos : pos + length])
                pos += length
                value = raw.decode() if type_code == _STRING else raw
            elif type_code == HeaderType.TRUE:
                value = True
            elif type_code == HeaderType.FALSE:
                value = False
            elif type_code in _INT_FORMATS:
                fmt = _INT_FORMATS[HeaderType(type_code)]
                if pos + fmt.size > end:
                    raise EventStreamDecodeError(f"header {name!r} value runs past the headers section")
                (number,) = fmt.unpack_from(data, pos)
                pos += fmt.size
                value = _decode_timestamp(number) if type_code == HeaderType.TIMESTAMP else number
            elif type_code == HeaderType.UUID:
                if pos + 16 > end:
                    raise EventStreamDecodeError(f"header {name!r} value runs past the headers section")
                value = uuid.UUID(bytes=bytes(data[pos : pos + 16]))
                pos += 16
            else:
                raise EventStreamDecodeError(f"header {name!r} has unknown value type {type_code}")
            if name in headers:
                raise EventStreamDecodeError(f"duplicate header {name!r}")
            headers[name] = value
    except UnicodeDecodeError:
        raise EventStreamDecodeError("header name or string value is not valid UTF-8") from None
    return headers


# A stream repeats a few header sections (Bedrock: one per event type), so each distinct
# section is parsed once, into the headers and the (kind, event_type) every message made from it
# shares; headers that vary per message (a :date, an id) stop adding entries here.
_Section = tuple[dict[str, HeaderValue], Literal["event", "exception", "error"], str | None]
_SECTIONS: dict[bytes, _Section] = {}
_SECTIONS_SIZE = 256


def _section(raw: bytes) -> _Section:
    headers = _parse_headers(memoryview(raw))
    kind, event_type = _summary(headers)
    section = (headers, kind, event_type)
    if len(_SECTIONS) < _SECTIONS_SIZE:
        _SECTIONS[raw] = section
    return section


class EventStreamDecoder:
    """Incremental decoder: ``feed`` it bytes as they arrive, get whole messages back.

    After a decode error the decoder is spent: every later call raises the same error.
    """

    __slots__ = ("_buffer", "_error", "_max_headers", "_max_payload")

    def __init__(
        self, *, max_headers_length: int = MAX_HEADERS_LENGTH, max_payload_length: int = MAX_PAYLOAD_LENGTH
    ) -> None:
        self._buffer = bytearray()
        self._error: EventStreamDecodeError | None = None
        self._max_headers = max_headers_length
        self._max_payload = max_payload_length

    @property
    def buffered(self) -> int:
        """Bytes received that do not yet make a whole message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[EventMessage]:
        """Add bytes; return every message they complete (possibly none)."""
        if self._error is not None:
            raise self._error
        buffer = self._buffer
        # Nothing pending (the common case: a read ends on a message boundary): messages are cut
        # straight from ``data``, and only an incomplete tail is copied into the buffer.
        direct = not buffer and type(data) is bytes
        if direct:
            src: bytes | bytearray = data
        else:
            buffer += data
            src = buffer
        size = len(src)
        messages: list[EventMessage] = []
        append = messages.append
        sections = _SECTIONS
        crc32 = zlib.crc32
        # A view over the buffer, made at the first message that needs one (released below, before
        # the buffer is resized): a buffered message is copied out of it once, and a large direct
        # one is checked through it without a copy. A small message cut straight from ``data`` is
        # checked on a slice: cheaper than making and releasing a view, for the common frame.
        view: memoryview | None = None
        pos = 0
        try:
            while size - pos >= _PRELUDE_LENGTH:
                total, headers_length, prelude_crc = _PRELUDE.unpack_from(src, pos)
                computed = crc32(src[pos : pos + 8])
                if computed != prelude_crc:
                    raise EventStreamDecodeError(
                        f"prelude checksum mismatch (expected 0x{prelude_crc:08x}, computed 0x{computed:08x})"
                    )
                if headers_length > self._max_headers:
                    raise EventStreamFrameTooLargeError(
                        f"headers length {headers_length} exceeds the maximum of {self._max_headers}",
                        self._max_headers,
                    )
                payload_length = total - headers_length - _OVERHEAD
                if payload_length < 0:
                    raise EventStreamDecodeError(
                        f"total length {total} is too small for {headers_length} bytes of headers"
                    )
                if payload_length > self._max_payload:
                    raise EventStreamFrameTooLargeError(
                        f"payload length {payload_length} exceeds the maximum of {self._max_payload}",
                        self._max_payload,
                    )
                if size - pos < total:
                    break
                end = pos + total - 4
                (message_crc,) = _CRC.unpack_from(src, end)
                headers_end = pos + _PRELUDE_LENGTH + headers_length
                # The message CRC covers the prelude too: continued from the prelude's CRC, already
                # checked, so each byte goes through zlib.crc32 once.
                if direct and total <= _SLICE_CHECKED:
                    computed = crc32(data[pos + 8 : end], prelude_crc)
                else:
                    if view is None:
                        view = memoryview(src)
                    computed = crc32(view[pos + 8 : end], prelude_crc)
                if computed != message_crc:
                    raise EventStreamDecodeError(
                        f"message checksum mismatch (expected 0x{message_crc:08x}, computed 0x{computed:08x})"
                    )
                if direct:
                    raw_section = data[pos + _PRELUDE_LENGTH : headers_end]
                    payload = data[headers_end:end]
                else:
                    if view is None:  # made above already: a buffered message is never slice-checked
                        view = memoryview(src)
                    raw_section = bytes(view[pos + _PRELUDE_LENGTH : headers_end])
                    payload = bytes(view[headers_end:end])
                section = sections.get(raw_section) or _section(raw_section)
                # Made without __init__: the section already holds what it would work out.
                message = _new_message(EventMessage)
                message._headers = None
                message._shared, message.kind, message.event_type = section
                message.payload = payload
                append(message)
                pos += total
        except EventStreamDecodeError as exc:
            if view is not None:
                view.release()
            exc.messages = messages
            self._error = exc
            buffer.clear()
            raise
        finally:
            if view is not None:
                view.release()  # a second release is a no-op
        if direct:
            if pos < size:
                buffer += memoryview(data)[pos:]
        else:
            del buffer[:pos]
        return messages

    def feed_until_error(self, data: bytes) -> tuple[list[EventMessage], EventStreamDecodeError | None]:
        """``feed``, but a framing error comes back with the whole messages that preceded it in
        ``data`` instead of discarding them (a stream keeps what arrived before the bad frame)."""
        try:
            return self.feed(data), None
        except EventStreamDecodeError as exc:
            return list(getattr(exc, "messages", ())), exc

    def finish(self) -> None:
        """Declare the end of the stream; raises if it stopped inside a message."""
        if self._error is not None:
            raise self._error
        if self._buffer:
            self._error = EventStreamDecodeError(
                f"stream ended inside a message ({len(self._buffer)} bytes left)"
            )
            self._buffer.clear()
            raise self._error


def decode_all(data: bytes) -> list[EventMessage]:
    """Decode a complete event-stream body."""
    decoder = EventStreamDecoder()
    messages = decoder.feed(data)
    decoder.finish()
    return messages
