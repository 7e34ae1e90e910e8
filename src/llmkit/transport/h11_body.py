"""A streamed HTTP/1.1 chunked body read without an h11 event per chunk.

httpcore2 reads a body as h11 ``Data`` events, one per chunk, through five generator layers; on a
stream of small events (one chunk each, as every provider flushes them) that is ~40% of the sync
per-event CPU (issue 17: ~7 µs of a 17 µs Bedrock event). Here the plain chunks are cut by
``framing.chunked.ChunkedBody`` straight from the connection's reads, into the same pieces h11
would yield, from wherever h11 stood when it would first read the socket; h11 reads again from
the last chunk (or anything unusual) on, so its state ends as it would have (DONE: the
connection is pooled as before) and every error in those parts is its own. The reads, timeouts and exception
mapping are httpcore2's and httpx2's own (``_receive_event``, ``map_httpcore_exceptions``).

This reaches into httpcore2 2.16's and h11 0.16's internals (the same way ``sync_http._h11_of``
does); ``body_of`` returns None, and the caller iterates the response as before, whenever
anything is not exactly as expected: another HTTP version or connection class, a body that is
not chunked, a request with a trace hook.
tests/decoders/test_chunked_body.py holds this path against httpcore2's own on the same reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import h11
import httpcore2
import httpx2

from llmkit.framing.chunked import ChunkedBody

try:
    from h11._readers import ChunkedReader
    from httpcore2._sync.http11 import HTTP11ConnectionByteStream
    from httpx2._transports.default import map_httpcore_exceptions

    _IMPORTED = True
except ImportError:  # pragma: no cover - a release that moved them: the usual path only
    _IMPORTED = False


def _internals_known() -> bool:
    """Whether the installed h11 and httpcore2 have every private name this module reads (a
    release that renamed one must fall back to the usual path, not fail mid-stream)."""
    if not _IMPORTED:  # pragma: no cover
        return False
    reader, state = ChunkedReader(), h11.Connection(h11.CLIENT)
    return (
        all(hasattr(reader, name) for name in ("_bytes_in_chunk", "_bytes_to_discard", "_reading_trailer"))
        and all(hasattr(state, name) for name in ("_receive_buffer", "_reader"))
        and all(hasattr(httpcore2.HTTP11Connection, name) for name in ("_receive_event", "READ_NUM_BYTES"))
        and all(hasattr(HTTP11ConnectionByteStream, name) for name in ("__iter__", "close"))
    )


_KNOWN = _internals_known()

# h11's error for a body cut off inside a chunk (ChunkedReader.read_eof), word for word.
_INCOMPLETE = "peer closed connection without sending complete message body (incomplete chunked read)"


def _byte_stream(r: httpx2.Response) -> Any:
    obj: Any = r.stream
    for _ in range(6):
        if type(obj) is HTTP11ConnectionByteStream:
            return obj
        obj = getattr(obj, "_stream", None) or getattr(obj, "_httpcore_stream", None)
        if obj is None:
            return None
    return None


def body_of(r: httpx2.Response) -> Iterator[bytes] | None:
    """The body's pieces, read the short way, or None where that way does not apply."""
    stream = _byte_stream(r) if _KNOWN else None
    if stream is None or getattr(stream, "_closed", True):
        return None
    conn: Any = getattr(stream, "_connection", None)
    request: Any = getattr(stream, "_request", None)
    state = getattr(conn, "_h11_state", None)
    reader = getattr(state, "_reader", None)
    if (
        type(conn) is not httpcore2.HTTP11Connection
        or type(state) is not h11.Connection
        or type(reader) is not ChunkedReader
        or state.their_state is not h11.SEND_BODY
        or not isinstance(getattr(request, "extensions", None), dict)
        or "trace" in request.extensions
        or not hasattr(conn, "_network_stream")
    ):
        return None
    timeout = request.extensions.get("timeout", {}).get("read", None)
    return _pieces(conn, state, reader, timeout)


def _idle(state: Any, reader: Any) -> bool:
    # Nothing buffered (so no size line half read) and not in the trailers: what h11 would read
    # next comes off the socket, and the cutter can go on from the reader's place in its chunk.
    return not reader._reading_trailer and not len(state._receive_buffer)


def _back_to_h11(reader: Any) -> None:
    # The cutter hands over between chunks only; the reader still holds its place from the
    # takeover (inside a chunk, say), so it is put between chunks too.
    reader._bytes_in_chunk = 0
    reader._bytes_to_discard = b""


def _next(state: Any) -> Any:
    # As httpcore2's _receive_event maps h11's protocol errors.
    try:
        return state.next_event()
    except h11.RemoteProtocolError as exc:
        raise httpcore2.RemoteProtocolError(exc) from exc


def _pieces(conn: Any, state: Any, reader: Any, timeout: float | None) -> Iterator[bytes]:
    read = conn._network_stream.read
    size = conn.READ_NUM_BYTES
    with map_httpcore_exceptions():
        # 1. h11 up to the first read it would make (what arrived with the headers): httpcore2's
        # _receive_response_body and _receive_event, but for the test before each read.
        while True:
            event = _next(state)
            if event is h11.NEED_DATA:
                if _idle(state, reader):
                    break
                data = read(size, timeout=timeout)
                if data == b"" and state.their_state == h11.SEND_RESPONSE:  # pragma: no cover - as httpcore2
                    raise httpcore2.RemoteProtocolError("Server disconnected without sending a response.")
                state.receive_data(data)
            elif isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.PAUSED)):
                return
        # 2. The plain chunks, cut here, from where h11 stopped.
        cut = ChunkedBody(reader._bytes_in_chunk, reader._bytes_to_discard)
        while True:
            data = read(size, timeout=timeout)
            if not data:
                if not cut.at_boundary:
                    raise httpcore2.RemoteProtocolError(_INCOMPLETE)
                _back_to_h11(reader)
                state.receive_data(cut.pending)
                state.receive_data(b"")
                break
            yield from cut.feed(data)
            if cut.error is not None:  # h11 raises this one from its reader
                raise httpcore2.RemoteProtocolError(cut.error)
            if cut.handoff is not None:
                _back_to_h11(reader)
                state.receive_data(cut.handoff)
                break
        # 3. h11 to the end: the last chunk, trailers, anything unusual, the end of the message.
        receive = conn._receive_event
        while True:
            event = receive(timeout=timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.PAUSED)):
                return
