"""A sans-I/O decoder for Server-Sent Events (the WHATWG event-stream format).

Exact whatever the chunking: bytes may be split anywhere, including inside a
CRLF pair or a multi-byte UTF-8 character, because text is decoded only once a
whole line has arrived.
"""

from __future__ import annotations

from llmkit.errors import ResponseDecodeError, ResponseTooLargeError

# A single event (all its lines together) larger than this is refused rather than buffered forever.
MAX_EVENT_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = MAX_EVENT_BYTES  # the older name: a line can be no larger than its event


class SSEEventTooLargeError(ResponseTooLargeError, ResponseDecodeError):
    """One event passed the cap. A ``ResponseTooLargeError`` (so a stream sets ``.partial``, like
    any in-stream error) that is also the ``ResponseDecodeError`` this cap used to raise."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"SSE event longer than {limit} bytes; raise Client(max_response_bytes=...) if expected",
            status_code=200,
        )
        self.limit = limit


class ServerSentEvent:
    __slots__ = ("data", "event", "id", "retry")

    def __init__(self, data: str, event: str = "message", id: str | None = None, retry: int | None = None):
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self.event!r}, data={self.data[:80]!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.data, self.event, self.id, self.retry) == (
            other.data,
            other.event,
            other.id,
            other.retry,
        )


class SSEDecoder:
    __slots__ = (
        "_buf",
        "_data",
        "_event",
        "_idle",
        "_size",
        "_skip_lf",
        "_started",
        "last_event_id",
        "max_line_bytes",
        "retry",
    )

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._buf = b""
        self._data: list[str] = []
        self._event = ""
        self._size = 0  # bytes of data lines gathered for the current event
        self._started = False
        self._skip_lf = False
        # Started, and nothing pending (no bytes, data lines, event name or CR): what lets a chunk
        # holding exactly one ``data:`` event skip the line parser.
        self._idle = False
        self.last_event_id: str | None = None
        self.retry: int | None = None
        self.max_line_bytes = max_line_bytes

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._idle:
            if chunk[:6] == b"data: ":
                data = self._single(chunk)
                if data is not None:
                    return [ServerSentEvent(data, "message", self.last_event_id)]
            elif chunk[:7] == b"event: ":
                event = self._named(chunk)
                if event is not None:
                    return [event]
        return self._parse(chunk)

    def feed_data(self, chunk: bytes) -> list[str]:
        """``feed``, for a reader that needs only each event's data (not its name or id)."""
        if self._idle:
            if chunk[:6] == b"data: ":
                data = self._single(chunk)
                if data is not None:
                    return [data]
            elif chunk[:7] == b"event: ":
                event = self._named(chunk)
                if event is not None:
                    return [event.data]
        return [event.data for event in self._parse(chunk)]

    def _named(self, chunk: bytes) -> ServerSentEvent | None:
        """The event of a chunk that is exactly ``event: name``, ``data: ...`` and the blank line
        with LF endings (what Anthropic flushes for every event), else None for the parser."""
        if chunk.count(b"\n") != 3 or chunk[-2:] != b"\n\n" or len(chunk) > self.max_line_bytes:
            return None
        eol = chunk.find(b"\n")
        # The second line must be the data line; a CR anywhere is a line end the parser handles.
        if chunk[eol + 1 : eol + 7] != b"data: " or b"\r" in chunk:
            return None
        name = chunk[7:eol].decode("utf-8", "replace")
        data = chunk[eol + 7 : -2].decode("utf-8", "replace")
        return ServerSentEvent(data, name or "message", self.last_event_id)

    def _single(self, chunk: bytes) -> str | None:
        """The data of a chunk (starting ``data: ``) that is exactly that one line and its blank
        line (LF or CRLF endings, as providers flush one event per write), else None for the
        parser."""
        if chunk.count(b"\n") != 2 or len(chunk) > self.max_line_bytes:
            return None
        # Two LFs, both at the end, with no CR anywhere or a CR before each: one line, one event.
        crs = chunk.count(b"\r")
        if crs == 0 and chunk[-2:] == b"\n\n":
            return chunk[6:-2].decode("utf-8", "replace")
        if crs == 2 and chunk[-4:] == b"\r\n\r\n":
            return chunk[6:-4].decode("utf-8", "replace")
        return None

    def _parse(self, chunk: bytes) -> list[ServerSentEvent]:
        self._idle = False  # until the end shows nothing is left pending
        if self._skip_lf:
            # The previous chunk ended in CR, already taken as a line end: drop the LF of its CRLF.
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            self._skip_lf = buf.endswith(b"\r")
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._buf = buf
            if self._size + len(buf) > self.max_line_bytes:
                raise SSEEventTooLargeError(self.max_line_bytes)
            return []
        self._buf = buf[cut + 1 :]
        text = buf[:cut].decode("utf-8", "replace")
        if not self._started:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        out: list[ServerSentEvent] = []
        data = self._data
        for line in text.split("\n"):
            if not line:
                if data:
                    out.append(ServerSentEvent("\n".join(data), self._event or "message", self.last_event_id))
                    data.clear()
                self._event = ""
                self._size = 0
                continue
            if line[0] == ":":
                continue
            name, sep, value = line.partition(":")
            if sep and value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
                self._size += len(value) + 1
                if self._size > self.max_line_bytes:
                    raise SSEEventTooLargeError(self.max_line_bytes)
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self.last_event_id = value
            elif name == "retry" and value.isdigit():
                self.retry = int(value)
        if self._size + len(self._buf) > self.max_line_bytes:
            raise SSEEventTooLargeError(self.max_line_bytes)
        self._idle = not (self._buf or data or self._event or self._skip_lf)
        return out

    @property
    def pending(self) -> bool:
        """True if bytes or data lines are waiting for the end of their event."""
        return bool(self._buf.strip(b"\r\n")) or bool(self._data)
