"""Review of the size caps with other hostile answers than the transport slice's own tests.

A ``Content-Encoding`` listing thousands of codings made the sync client build one zlib stream
per coding and nest one generator per layer: a bare RecursionError (and tens of MB for a header
of a few KB) instead of a typed error. The chain is now limited to 5 codings, as urllib3 limits
it; ``identity`` entries do not count (they build nothing). Combinations that real servers send
(``gzip, gzip``, upper-case ``GZIP``, ``identity``, deflate with and without the zlib header)
still decode, and chunked bodies and SSE streams of many small events are not capped in error."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from typing import Any

import _transport_servers as ts  # tests/hardening/conftest.py: on sys.path
import pytest

import llmkit
from llmkit.errors import LLMKitError, ResponseDecodeError, ResponseTooLargeError


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def serving(body: bytes, headers: dict[str, str]) -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, 200, body, headers)

    return ts.Server(handler)


def _gzipped(times: int) -> bytes:
    body = ts.COMPLETION
    for _ in range(times):
        body = gzip.compress(body, 1)
    return body


@pytest.mark.parametrize("layers", [6, 40, 1500])
def test_a_chain_of_many_codings_is_a_typed_error_with_bounded_memory(mode: str, layers: int) -> None:
    # Comma-separated without spaces so that 1500 codings fit aiohttp's 8190-byte header line too.
    with serving(_gzipped(layers), {"Content-Encoding": ",".join(["gzip"] * layers)}) as server:
        tracemalloc.start()
        try:
            with pytest.raises(LLMKitError) as info:
                ts.complete(mode, server, max_retries=0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert isinstance(info.value, ResponseDecodeError), repr(info.value)
    assert "codings" in str(info.value)
    assert peak < 8 * 1024 * 1024
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip, gzip", gzip.compress(gzip.compress(ts.COMPLETION))),
        ("GZIP", gzip.compress(ts.COMPLETION)),
        ("x-gzip", gzip.compress(ts.COMPLETION)),
        ("identity", ts.COMPLETION),
        ("identity, gzip, identity", gzip.compress(ts.COMPLETION)),
        ("deflate", zlib.compress(ts.COMPLETION)),
        ("deflate", zlib.compress(ts.COMPLETION)[2:-4]),
        ("deflate, gzip", gzip.compress(zlib.compress(ts.COMPLETION))),
        (",".join(["gzip"] * 5), _gzipped(5)),
        (",".join(["identity"] * 200), ts.COMPLETION),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_real_combinations_still_decode(mode: str, coding: str, body: bytes) -> None:
    with serving(body, {"Content-Encoding": coding}) as server:
        assert ts.complete(mode, server).text == "hello"


def chunked_server(chunks: list[bytes], content_type: str = "application/json") -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            sock.sendall(ts.head(200, {"Content-Type": content_type, "Transfer-Encoding": "chunked"}))
            for c in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(c), c))
            sock.sendall(b"0\r\n\r\n")

    return ts.Server(handler)


def test_a_chunked_body_without_content_length_is_capped(mode: str) -> None:
    junk = b" " * 65536
    with chunked_server([junk] * 40) as server:  # 2.5 MiB of whitespace, cap 1 MiB
        with pytest.raises(ResponseTooLargeError) as info:
            ts.complete(mode, server, max_response_bytes=1024 * 1024)
    assert info.value.limit == 1024 * 1024


def test_many_small_events_under_the_cap_stream_fully(mode: str) -> None:
    # 3000 events (about 600 KB in all) with a 64 KiB cap: the cap is per event, not per stream.
    events = [ts.sse_chunk("x") for _ in range(3000)] + [b"\n\n" * 2000, b"data: [DONE]\n\n"]
    with chunked_server(events, "text/event-stream") as server:
        kw = {"api_key": ts.KEY, "base_url": server.url, "max_response_bytes": 65536}
        if mode == "sync":
            with llmkit.Client(**kw) as c, c.stream(ts.MODEL, "hi") as s:
                text = "".join(s.text_stream())
        else:
            import asyncio

            async def go() -> str:
                async with llmkit.AsyncClient(**kw) as c:
                    async with c.stream(ts.MODEL, "hi") as s:
                        return "".join([t async for t in s.text_stream()])

            text = asyncio.run(go())
    assert text == "x" * 3000


def test_one_huge_sse_event_is_capped(mode: str) -> None:
    big = b"data: " + json.dumps({"pad": "a" * 300_000}).encode() + b"\n\n"
    with chunked_server([big], "text/event-stream") as server:
        kw = {"api_key": ts.KEY, "base_url": server.url, "max_response_bytes": 65536}
        with pytest.raises(ResponseTooLargeError):
            if mode == "sync":
                with llmkit.Client(**kw) as c, c.stream(ts.MODEL, "hi") as s:
                    list(s)
            else:
                import asyncio

                async def go() -> None:
                    async with llmkit.AsyncClient(**kw) as c:
                        async with c.stream(ts.MODEL, "hi") as s:
                            [e async for e in s]

                asyncio.run(go())
