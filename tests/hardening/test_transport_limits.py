"""Bounded responses: bodies capped after decompression, streams capped per event / frame."""

from __future__ import annotations

import gzip
import struct
import tracemalloc
import zlib
from typing import Any

import _transport_servers as ts
import pytest

from llmkit.errors import ResponseDecodeError, ResponseTooLargeError
from llmkit.framing.eventstream import EventStreamDecodeError, EventStreamDecoder
from llmkit.framing.sse import SSEDecoder
from llmkit.types import TextDelta

MiB = 1024 * 1024
CAP = 4 * MiB


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _bomb(wbits: int) -> bytes:
    """1 GiB of zeros, compressed (about 1 MB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(MiB)
    return b"".join([c.compress(zeros) for _ in range(1024)] + [c.flush()])


BOMBS: dict[str, bytes] = {}


def bomb(coding: str) -> bytes:
    if coding not in BOMBS:
        BOMBS[coding] = _bomb({"gzip": 31, "deflate": 15, "raw-deflate": -15}[coding])
    return BOMBS[coding]


def serving(body: bytes, headers: dict[str, str], status: int = 200) -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, status, body, headers)

    return ts.Server(handler)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
def test_decompression_bomb_stops_at_the_cap_with_bounded_memory(mode: str, coding: str) -> None:
    data = bomb(coding)
    encoding = "gzip" if coding == "gzip" else "deflate"
    with serving(data, {"Content-Encoding": encoding}) as server:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError) as info:
                ts.complete(mode, server, max_response_bytes=CAP, max_retries=0)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    err = info.value
    assert err.limit == CAP
    assert err.status_code == 200
    assert err.provider == "openai"
    assert err.attempts == 1
    assert len(server.requests) == 1  # not retried: the same answer would come back
    # The cap plus a few decoded pieces and the compressed input: nowhere near 1 GiB.
    assert peak < CAP + 24 * MiB, peak


def test_error_bodies_are_capped_too(mode: str) -> None:
    with serving(bomb("gzip"), {"Content-Encoding": "gzip"}, status=500) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            ts.complete(mode, server, max_response_bytes=CAP, max_retries=0)
    assert info.value.status_code == 500


def test_declared_content_length_past_the_cap_fails_before_reading(mode: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        sock.sendall(ts.head(200, {"Content-Length": str(10 * 1024**3)}) + b"{")
        f.read(1)  # hold the connection open: the client must not wait for 10 GB

    with ts.Server(handler) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            ts.complete(mode, server, max_response_bytes=CAP, max_retries=0)
    assert info.value.limit == CAP


def test_default_cap_is_64_mib(mode: str) -> None:
    with serving(bomb("gzip"), {"Content-Encoding": "gzip"}) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            ts.complete(mode, server, max_retries=0)
    assert info.value.limit == 64 * MiB


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "gzip-members"])
def test_compressed_answers_decode(mode: str, coding: str) -> None:
    if coding == "gzip-members":
        half = len(ts.COMPLETION) // 2
        body = gzip.compress(ts.COMPLETION[:half]) + gzip.compress(ts.COMPLETION[half:])
    else:
        wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[coding]
        c = zlib.compressobj(6, zlib.DEFLATED, wbits)
        body = c.compress(ts.COMPLETION) + c.flush()
    encoding = "deflate" if "deflate" in coding else "gzip"
    with serving(body, {"Content-Encoding": encoding}) as server:
        assert ts.complete(mode, server).text == "hello"


def test_accept_encoding_offers_only_what_is_decoded(mode: str) -> None:
    with serving(ts.COMPLETION, {}) as server:
        ts.complete(mode, server)
    offered = {c.strip() for c in server.requests[0].headers["accept-encoding"].split(",")}
    assert offered == {"gzip", "deflate"}  # never br or zstd: no bounded decoder for them here


def test_unsolicited_encoding_is_a_typed_decode_error(mode: str) -> None:
    with serving(b"\x8b\x00garbage", {"Content-Encoding": "br"}) as server:
        with pytest.raises(ResponseDecodeError, match="'br'-encoded"):
            ts.complete(mode, server, max_retries=0)


def test_corrupt_gzip_is_a_typed_decode_error(mode: str) -> None:
    with serving(b"\x1f\x8b\x08\x00garbage-garbage", {"Content-Encoding": "gzip"}) as server:
        with pytest.raises(ResponseDecodeError, match="decompressed"):
            ts.complete(mode, server, max_retries=0)


# ---------------------------------------------------------------- streams


def stream_server(tail: Any) -> Any:
    """One good event, then whatever ``tail(sock)`` sends (chunked)."""

    def handler(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        sock.sendall(ts.head(200, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}))

        def chunk(data: bytes) -> None:
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))

        chunk(ts.sse_chunk("first"))
        tail(chunk)

    return ts.Server(handler)


def test_one_endless_sse_event_is_capped_and_keeps_the_partial(mode: str) -> None:
    def tail(chunk: Any) -> None:
        line = b"data: " + b"x" * 60_000 + b"\n"  # many lines, no blank line: one growing event
        for _ in range(10_000):
            chunk(line)

    events: list[Any] = []
    with stream_server(tail) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            ts.stream(mode, server, events, max_response_bytes=MiB)
    err = info.value
    assert err.limit is not None and err.limit <= MiB
    assert err.partial is not None and err.partial.text == "first"
    assert err.provider == "openai"
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["first"]


def test_an_endless_sse_line_hits_the_decoder_cap_by_default(mode: str) -> None:
    def tail(chunk: Any) -> None:
        chunk(b"data: ")
        block = b"y" * 1_000_000
        for _ in range(40):
            chunk(block)

    with stream_server(tail) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            ts.stream(mode, server)
    assert info.value.limit == 16 * MiB
    assert info.value.partial is not None and info.value.partial.text == "first"


def test_a_gzip_bomb_stream_is_capped(mode: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        data = c.compress(ts.sse_chunk("first") + b"data: ") + c.compress(bytes(256 * MiB)) + c.flush()
        headers = {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"}
        sock.sendall(ts.head(200, {**headers, "Content-Length": str(len(data))}) + data)

    with ts.Server(handler) as server:
        with pytest.raises(ResponseTooLargeError) as info:
            ts.stream(mode, server, max_response_bytes=MiB)
    assert info.value.partial is not None and info.value.partial.text == "first"


def test_sse_cap_counts_the_whole_event_not_one_line() -> None:
    dec = SSEDecoder(max_line_bytes=1000)
    assert dec.feed(b"data: ok\n\n")[0].data == "ok"
    with pytest.raises(ResponseTooLargeError) as info:
        for _ in range(100):
            dec.feed(b"data: " + b"z" * 50 + b"\n")
    assert isinstance(info.value, ResponseDecodeError)  # still what the older line cap raised
    assert info.value.limit == 1000


def test_sse_cap_resets_after_each_event() -> None:
    dec = SSEDecoder(max_line_bytes=1000)
    for _ in range(100):
        assert len(dec.feed(b"data: " + b"z" * 500 + b"\n\n")) == 1


def _prelude(total: int, headers_length: int) -> bytes:
    lengths = struct.pack(">II", total, headers_length)
    return lengths + struct.pack(">I", zlib.crc32(lengths))


def test_event_stream_prelude_announcing_4_gib_fails_at_once() -> None:
    decoder = EventStreamDecoder()
    with pytest.raises(ResponseTooLargeError) as info:
        decoder.feed(_prelude(0xFFFFFFFF, 0))
    assert isinstance(info.value, EventStreamDecodeError)
    assert info.value.limit == 24 * MiB
    assert decoder.buffered == 0


def test_event_stream_headers_past_the_cap_fail_at_once() -> None:
    with pytest.raises(ResponseTooLargeError):
        EventStreamDecoder().feed(_prelude(16 + 200_000, 200_000))
