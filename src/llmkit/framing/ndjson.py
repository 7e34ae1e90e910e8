"""A sans-I/O decoder for newline-delimited JSON (NDJSON / JSON Lines), as Ollama streams it.

Bytes in, JSON values out, exact whatever the chunking: a chunk may end anywhere, inside a line,
a CRLF pair or a multi-byte UTF-8 character, because a line is decoded only once its newline has
arrived. Blank lines are skipped. A line longer than the cap is refused rather than buffered
forever; a line that is not JSON is a typed error carrying a snippet of it. A last line without a
newline is decoded by ``close``.
"""

from __future__ import annotations

from typing import Any

from llmkit.errors import ResponseDecodeError, ResponseTooLargeError
from llmkit.framing import json_text

# One line (one JSON value) larger than this is refused.
MAX_LINE_BYTES = 16 * 1024 * 1024

# The C scanner alone for a line (json_text.loads: json.loads' values, and a ValueError alike).
_decode = json_text.loads


class NDJSONLineTooLargeError(ResponseTooLargeError, ResponseDecodeError):
    """One line passed the cap: a ``ResponseTooLargeError`` (a stream sets ``.partial``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"NDJSON line longer than {limit} bytes; raise Client(max_response_bytes=...) if expected",
            status_code=200,
        )
        self.limit = limit


class NDJSONDecodeError(ResponseDecodeError):
    """A line that is not JSON (``.line`` is its number, from 1). ``.values`` holds the values of
    the lines before it in the same chunk, so a reader loses none of what arrived."""

    def __init__(self, line: int, text: str) -> None:
        super().__init__(f"NDJSON line {line} is not JSON", snippet=text[:200])
        self.line = line
        self.values: list[Any] = []


class NDJSONDecoder:
    __slots__ = ("_buf", "_lines", "max_line_bytes")

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._buf = b""
        self._lines = 0
        self.max_line_bytes = max_line_bytes

    def feed(self, chunk: bytes) -> list[Any]:
        """The values of the lines this chunk completes (in order); the rest stays buffered."""
        buf = self._buf + chunk if self._buf else chunk
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._buf = buf
            self._check(buf)
            return []
        self._buf = buf[cut + 1 :]
        self._check(self._buf)
        out: list[Any] = []
        try:
            for line in buf[:cut].split(b"\n"):
                if self._counted(line):
                    out.append(self._value(line))
        except NDJSONDecodeError as exc:
            exc.values = out
            raise
        return out

    def close(self) -> list[Any]:
        """At the end of the body: the value of a last line that had no newline, if any."""
        rest, self._buf = self._buf, b""
        return [self._value(rest)] if self._counted(rest) else []

    def complete_tail(self) -> list[Any]:
        """The buffered unfinished line's value if it already parses as a whole JSON value (a
        server that ends its last line without a newline), else nothing (it stays buffered). A
        JSON object that parses cannot be the prefix of a longer line that would also parse."""
        tail = self._buf.strip()
        if not tail.endswith((b"}", b"]")):
            return []
        try:
            value = _decode(tail.decode("utf-8"))
        except (ValueError, RecursionError):
            return []
        self._buf = b""
        self._lines += 1
        return [value]

    @property
    def pending(self) -> bool:
        """True while bytes of an unfinished line are buffered."""
        return bool(self._buf.strip())

    def _counted(self, line: bytes) -> bool:
        # Numbered before the blank check is made, so an error names the line a reader would.
        self._lines += 1
        if len(line) > self.max_line_bytes:
            raise NDJSONLineTooLargeError(self.max_line_bytes)
        return bool(line.strip())

    def _check(self, pending: bytes) -> None:
        if len(pending) > self.max_line_bytes:
            raise NDJSONLineTooLargeError(self.max_line_bytes)

    def _value(self, line: bytes) -> Any:
        text = line.decode("utf-8", "replace")
        try:
            return _decode(text.strip())
        except (ValueError, RecursionError):
            raise NDJSONDecodeError(self._lines, text) from None
