"""A sans-I/O decoder for a text stream cut into pieces by one delimiter byte, as NLP Cloud
streams its answers (each piece followed by a NUL, ``\\x00``; the official Go client reads them
with ``ReadBytes('\\x00')``).

Bytes in, text out, whatever the chunking: the text of each piece is handed back as soon as it
arrives (a piece may span chunks, so a stream that ends without a last delimiter loses nothing),
and a chunk may end inside a multi-byte UTF-8 character, which waits for its other bytes (a NUL
byte never occurs inside one). Only those few bytes are ever buffered; ``pending`` says whether
the stream stopped inside a character. Bytes that are not UTF-8 are a typed error."""

from __future__ import annotations

import codecs

from llmkit.errors import ResponseDecodeError

_UTF8 = codecs.getincrementaldecoder("utf-8")


class DelimitedDecodeError(ResponseDecodeError):
    """Bytes that are not UTF-8. ``.pieces`` holds the text of the chunk before them, so a
    reader loses none of what arrived."""

    def __init__(self, snippet: bytes) -> None:
        super().__init__("stream text is not UTF-8", snippet=snippet[:200].decode("utf-8", "replace"))
        self.pieces: list[str] = []


class DelimitedTextDecoder:
    __slots__ = ("_utf8", "delimiter")

    def __init__(self, delimiter: bytes = b"\x00") -> None:
        if len(delimiter) != 1:
            raise ValueError("the delimiter is one byte")
        self.delimiter = delimiter
        self._utf8 = _UTF8()

    def feed(self, chunk: bytes) -> list[str]:
        """The non-empty text of each piece this chunk carries, in order (a piece cut by the
        chunk's end comes back in part now, the rest with the next chunk)."""
        out: list[str] = []
        for part in chunk.split(self.delimiter):
            try:
                text = self._utf8.decode(part)
            except UnicodeDecodeError:
                err = DelimitedDecodeError(part)
                err.pieces = out
                raise err from None
            if text:
                out.append(text)
        return out

    @property
    def pending(self) -> bool:
        """True while the bytes of a character have only partly arrived."""
        return bool(self._utf8.getstate()[0])
