"""Client misuse is typed too: an ``http_client=`` that is not an httpx2.Client is a
ConfigurationError when the Client is made (it was a bare AttributeError on the first call, and an
httpx2.AsyncClient returned an un-awaited coroutine), and reading ``AsyncStream.completion`` before
the stream was iterated is a ConfigurationError that says what to do (it was a bare RuntimeError)."""

from __future__ import annotations

import asyncio
from typing import Any

import _transport_servers as ts
import httpx2
import pytest

import llmkit
from llmkit.errors import ConfigurationError


@pytest.mark.parametrize(
    "bad",
    ["http://127.0.0.1:1", 5, object(), {}, "httpx2.AsyncClient"],
    ids=["str", "int", "object", "empty dict", "httpx2.AsyncClient"],
)
def test_http_client_that_is_not_an_httpx2_client_is_refused(bad: Any) -> None:
    async def make_async() -> httpx2.AsyncClient:
        return httpx2.AsyncClient()

    if bad == "httpx2.AsyncClient":
        bad = asyncio.run(make_async())
    with pytest.raises(ConfigurationError) as info:
        llmkit.Client(http_client=bad)
    assert "httpx2.Client" in str(info.value)


def test_a_real_httpx2_client_is_still_used() -> None:
    def handler(server: ts.Server, sock: Any, f: Any) -> None:
        if server.read(f) is not None:
            ts.respond(sock, 200, ts.COMPLETION)

    with ts.Server(handler) as server, httpx2.Client() as http:
        with llmkit.Client(http_client=http) as c:
            assert c.complete(ts.MODEL, "hi", api_key=ts.KEY, base_url=server.url).text == "hello"
        assert len(server.requests) == 1


def test_async_completion_before_iteration_is_typed() -> None:
    def handler(server: ts.Server, sock: Any, f: Any) -> None:
        if server.read(f) is not None:
            body = ts.sse_chunk("hello") + b"data: [DONE]\n\n"
            ts.respond(sock, 200, body, {"Content-Type": "text/event-stream"})

    async def main(url: str) -> str:
        async with llmkit.AsyncClient() as c, c.stream(ts.MODEL, "hi", api_key=ts.KEY, base_url=url) as s:
            with pytest.raises(ConfigurationError) as info:
                _ = s.completion
            assert "get_completion" in str(info.value)
            return (await s.get_completion()).text

    with ts.Server(handler) as server:
        assert asyncio.run(main(server.url)) == "hello"
