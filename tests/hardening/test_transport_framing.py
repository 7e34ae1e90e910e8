"""A connection whose response ran past its framing is never reused (no smuggled answers)."""

from __future__ import annotations

import asyncio
from typing import Any

import _transport_servers as ts
import pytest

import llmkit


def smuggled(text: str) -> bytes:
    body = ts.COMPLETION.replace(b'"hello"', b'"' + text.encode() + b'"')
    return ts.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}) + body


def server_that_overfills() -> Any:
    """Call 1 gets a response with bytes past its Content-Length that look like a whole second
    response; later requests on any connection get an honest answer."""

    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            if len(server.requests) == 1:
                body = ts.COMPLETION
                extra = smuggled("SMUGGLED")
                sock.sendall(
                    ts.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
                    + body
                    + extra
                )
            else:
                sock.sendall(smuggled("honest"))

    return ts.Server(handler)


def server_that_overfills_a_stream() -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            if len(server.requests) == 1:
                body = ts.sse_chunk("streamed") + b"data: [DONE]\n\n"
                headers = {"Content-Type": "text/event-stream", "Content-Length": str(len(body))}
                sock.sendall(ts.head(200, headers) + body + smuggled("SMUGGLED"))
            else:
                sock.sendall(smuggled("honest"))

    return ts.Server(handler)


@pytest.mark.parametrize("first", ["complete", "stream"])
def test_sync_connection_is_not_reused_after_bytes_past_the_framing(first: str) -> None:
    maker = server_that_overfills if first == "complete" else server_that_overfills_a_stream
    with maker() as server, llmkit.Client(api_key=ts.KEY, base_url=server.url) as client:
        if first == "complete":
            client.complete(ts.MODEL, "one")
        else:
            with client.stream(ts.MODEL, "one") as s:
                assert s.completion.text == "streamed"
        assert client.complete(ts.MODEL, "two").text == "honest"
    assert len(server.requests) == 2
    assert server.connections == 2


@pytest.mark.parametrize("first", ["complete", "stream"])
def test_async_connection_is_not_reused_after_bytes_past_the_framing(first: str) -> None:
    maker = server_that_overfills if first == "complete" else server_that_overfills_a_stream

    async def main(server: Any) -> str:
        async with llmkit.AsyncClient(api_key=ts.KEY, base_url=server.url) as client:
            if first == "complete":
                await client.complete(ts.MODEL, "one")
            else:
                async with client.stream(ts.MODEL, "one") as s:
                    assert (await s.get_completion()).text == "streamed"
            return (await client.complete(ts.MODEL, "two")).text

    with maker() as server:
        assert asyncio.run(main(server)) == "honest"
    assert len(server.requests) == 2


def test_honest_keep_alive_is_still_reused() -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            sock.sendall(smuggled("honest"))

    with ts.Server(handler) as server, llmkit.Client(api_key=ts.KEY, base_url=server.url) as client:
        for _ in range(3):
            assert client.complete(ts.MODEL, "x").text == "honest"
    assert server.connections == 1
