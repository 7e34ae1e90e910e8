"""HTTP/1.1 chunked transfer coding, cut the way h11's ``ChunkedReader`` cuts it.

The sync transport reads a streamed body through h11, which builds a ``Data`` event (and runs its
state machine, its buffer and two regular expressions) for every chunk: on a stream of small
events, one chunk each, that is most of the per-event cost (about 7 µs of 17 for a Bedrock event,
issue 17). ``ChunkedBody`` does the same cut with ``bytes.find`` on what one socket read brought,
and hands back *the same pieces h11 would*: the part of each chunk that is in hand, in order, none
empty. So what the decoders see does not change, only what it costs.

It takes only the plain case: a size line of hex digits and CRLF. Anything else, the last
(zero-size) chunk with its trailers, a chunk extension, whitespace, an over-long or illegal size
line, is left to h11 at that chunk boundary (``handoff``): h11 then reads the rest of the body as
it always did, with its own checks and errors. tests/decoders/test_chunked_body.py holds the two
side by side.
"""

from __future__ import annotations

import re

# What this cutter reads itself: 1-16 hex digits (h11 allows 20; a 16-digit size is already
# beyond any body), nothing else on the line.
_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
# A size line still incomplete past this many bytes is not one we read (h11 will judge it).
_SIZE_LINE_MAX = 18
_CRLF = b"\r\n"


class ChunkedBody:
    """The data of a chunked body fed as it arrives. ``feed`` returns the pieces; once a size line
    it does not take is reached, ``handoff`` holds the bytes from that line on (for h11), and once
    a chunk is not closed by CRLF, ``error`` holds h11's words for it. Either way the cutter takes
    nothing more."""

    __slots__ = ("_buf", "_footer", "_left", "error", "handoff")

    def __init__(self, left: int = 0, footer: bytes = b"") -> None:
        # Begun where another reader stopped: inside a chunk (``left`` bytes of it to come) or in
        # its closing CRLF (``footer``: the part of it still due).
        self._buf = b""  # an incomplete size line, kept for the next read
        self._left = left  # data bytes of the current chunk still to come
        self._footer = footer  # what is still due of the CRLF closing the current chunk
        self.handoff: bytes | None = None
        # h11's words for a chunk not closed by CRLF, once met (the pieces before it still count).
        self.error: str | None = None

    @property
    def pending(self) -> bytes:
        """An incomplete size line held back (h11's, should the body end here)."""
        return self._buf

    @property
    def at_boundary(self) -> bool:
        """Between chunks: h11 can take over from here."""
        return self._left == 0 and not self._footer

    def feed(self, data: bytes) -> list[bytes]:
        if self._buf:
            data = self._buf + data
            self._buf = b""
        pieces: list[bytes] = []
        pos, end = 0, len(data)
        left = self._left
        if left:  # the rest of a chunk begun in an earlier read
            take = min(left, end)
            pieces.append(data[:take])
            left -= take
            pos = take
            if left:
                self._left = left
                return pieces
            self._footer = _CRLF
        self._left = 0
        while pos < end:
            footer = self._footer
            if footer:
                got = data[pos : pos + len(footer)]
                if got != footer[: len(got)]:
                    # As h11 words it (it quotes its buffer's bytearray).
                    self.error = f"malformed chunk footer: {bytearray(got)!r} (expected {footer!r})"
                    return pieces
                pos += len(got)
                footer = self._footer = footer[len(got) :]
                if footer:
                    return pieces
                continue
            eol = data.find(_CRLF, pos, pos + _SIZE_LINE_MAX + 2)
            if eol < 0:
                rest = data[pos:]
                if len(rest) <= _SIZE_LINE_MAX and _SIZE.fullmatch(rest.rstrip(b"\r")):
                    self._buf = rest  # a size line still arriving
                else:
                    self.handoff = rest
                return pieces
            line = data[pos:eol]
            if not _SIZE.fullmatch(line):
                self.handoff = data[pos:]
                return pieces
            size = int(line, 16)
            if size == 0:  # the last chunk and its trailers: h11's
                self.handoff = data[pos:]
                return pieces
            pos = eol + 2
            take = min(size, end - pos)
            if take:
                pieces.append(data[pos : pos + take])
                pos += take
            if take < size:
                self._left = size - take
                return pieces
            self._footer = _CRLF
        return pieces
