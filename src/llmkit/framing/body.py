"""Response bodies: decompression in bounded pieces and the size cap.

Pure code shared by both transports, which read raw bytes (httpx2's ``iter_raw``, aiohttp with
``auto_decompress=False``) and decode here, so a gzip bomb costs the same bounded memory sync and
async: no piece of output is ever larger than ``PIECE`` bytes, whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping

from llmkit.errors import ResponseDecodeError, ResponseTooLargeError

# What the decoder below can undo; br and zstd are not advertised (their Python bindings are
# optional and neither offers a bounded-output API in every version), so never asked for.
ACCEPT_ENCODING = "gzip, deflate"
PIECE = 256 * 1024


def too_large(limit: int, status: int | None, what: str = "response body") -> ResponseTooLargeError:
    err = ResponseTooLargeError(
        f"the {what} is larger than the {limit}-byte cap; raise Client(max_response_bytes=...) "
        "if this is expected",
        status_code=status,
    )
    err.limit = limit
    return err


class _Inflater:
    """One gzip or deflate layer. ``deflate`` may be zlib-wrapped (RFC 9110) or raw (as some
    servers send it): the first bytes decide."""

    __slots__ = ("_d", "_gzip", "_started")

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._started = False
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            d = self._d
            try:
                out = d.decompress(data, PIECE)
            except zlib.error:
                if self._gzip or self._started:
                    raise
                self._started = True
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._started = True
            if out:
                yield out
            if d.eof:
                # Another gzip member may follow (concatenated members are one body).
                data = d.unused_data
                if data and self._gzip:
                    self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    continue
                return
            data = d.unconsumed_tail

    def flush(self) -> Iterator[bytes]:
        # Everything was already produced piece by piece; flush only drains zlib's window.
        out = self._d.flush()
        if out:
            yield out


MAX_CODINGS = 5


class BodyDecoder:
    """Undo ``Content-Encoding`` incrementally; ``limit`` caps the decoded total (None: no cap)."""

    __slots__ = ("_layers", "_limit", "_status", "total")

    def __init__(self, encoding: str, limit: int | None, status: int | None = None) -> None:
        self._limit = limit
        self._status = status
        self.total = 0
        self._layers: list[_Inflater] = []
        # Codings are listed in the order they were applied: undo them last first.
        codings = [c for c in (c.strip().lower() for c in encoding.split(",")) if c and c != "identity"]
        if len(codings) > MAX_CODINGS:
            # Each layer is a zlib stream and a nested generator: thousands of them in a few KB
            # of header would cost memory and end in RecursionError. urllib3 allows 5 as well.
            raise ResponseDecodeError(
                f"the response lists {len(codings)} content codings; at most {MAX_CODINGS} are decoded"
            )
        for coding in reversed(codings):
            if coding in ("gzip", "x-gzip"):
                self._layers.append(_Inflater(True))
            elif coding == "deflate":
                self._layers.append(_Inflater(False))
            else:
                raise ResponseDecodeError(
                    f"the response is {coding!r}-encoded, which llmkit did not ask for "
                    f"(Accept-Encoding: {ACCEPT_ENCODING}) and does not decode"
                )

    def _through(self, pieces: Iterator[bytes], index: int) -> Iterator[bytes]:
        if index == len(self._layers):
            yield from pieces
            return
        layer = self._layers[index]
        for piece in pieces:
            yield from self._through(layer.feed(piece), index + 1)

    def _count(self, pieces: Iterator[bytes]) -> Iterator[bytes]:
        limit = self._limit
        try:
            for piece in pieces:
                self.total += len(piece)
                if limit is not None and self.total > limit:
                    raise too_large(limit, self._status)
                yield piece
        except zlib.error as exc:
            raise ResponseDecodeError(f"the response body could not be decompressed: {exc}") from None

    def feed(self, raw: bytes) -> Iterator[bytes]:
        return self._count(self._through(iter((raw,)), 0))

    def flush(self) -> Iterator[bytes]:
        def drained() -> Iterator[bytes]:
            for i, layer in enumerate(self._layers):
                yield from self._through(layer.flush(), i + 1)

        return self._count(drained())


def declared_too_large(headers: Mapping[str, str], limit: int) -> bool:
    """An uncompressed body whose Content-Length already passes the cap: refuse before reading."""
    declared = headers.get("content-length")
    return (
        declared is not None
        and declared.isdigit()
        and int(declared) > limit
        and headers.get("content-encoding", "identity").strip().lower() == "identity"
    )
