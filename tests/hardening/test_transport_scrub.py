"""No raw httpx2/aiohttp exception travels with a typed error; bad headers fail before network."""

from __future__ import annotations

import asyncio
import pickle
import socket
from typing import Any

import _transport_servers as ts
import _walk as walk
import pytest

import llmkit
from llmkit.errors import APIConnectionError, ConfigurationError

CANARY = "sk-CANARY-transport-5b1e9d0c7a"
HEADER_CANARY = "hdr-CANARY-0f9e8d7c6b5a"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(mode: str, base_url: str, **kw: Any) -> None:
    extra = kw.pop("extra_headers", None)
    if mode == "sync":
        with llmkit.Client(api_key=kw.pop("api_key", CANARY), base_url=base_url, **kw) as c:
            c.complete(ts.MODEL, "hi", extra_headers=extra)
        return

    async def main() -> None:
        async with llmkit.AsyncClient(api_key=kw.pop("api_key", CANARY), base_url=base_url, **kw) as c:
            await c.complete(ts.MODEL, "hi", extra_headers=extra)

    asyncio.run(main())


def assert_clean(err: BaseException) -> None:
    assert err.__cause__ is None, repr(err.__cause__)
    assert err.__context__ is None, repr(err.__context__)
    for obj in walk.reachable(err):
        mod = type(obj).__module__
        assert not mod.startswith(("httpx2", "httpcore2", "aiohttp", "h11")), type(obj)
    # Neither canary in the str or repr of anything reachable, the pickle, or the unpickled copy.
    walk.assert_no_secret(err, CANARY, HEADER_CANARY)
    blob = pickle.dumps(err)
    assert b"httpx2" not in blob and b"aiohttp" not in blob


def test_connection_refused_error_carries_nothing_raw(mode: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    with pytest.raises(APIConnectionError) as info:
        call(mode, url, max_retries=0, headers={"X-Custom": HEADER_CANARY})
    assert info.value.before_send
    assert_clean(info.value)


def test_cut_response_error_carries_nothing_raw(mode: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        sock.sendall(ts.head(200, {"Content-Length": "500"}) + b'{"id": ')

    with ts.Server(handler) as server:
        with pytest.raises(APIConnectionError) as info:
            call(mode, server.url, max_retries=0, headers={"X-Custom": HEADER_CANARY})
    assert_clean(info.value)


def test_cut_stream_error_carries_nothing_raw(mode: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        sock.sendall(ts.head(200, {"Content-Type": "text/event-stream", "Content-Length": "5000"}))
        sock.sendall(ts.sse_chunk("first"))

    with ts.Server(handler) as server:
        with pytest.raises(APIConnectionError) as info:
            ts.stream(mode, server, api_key=CANARY, headers={"X-Custom": HEADER_CANARY})
    err = info.value
    # The stream error chains to llmkit's own transport error, and that one to nothing.
    assert isinstance(err.__cause__, APIConnectionError)
    assert_clean(err.__cause__)
    for obj in walk.reachable(err):
        assert not type(obj).__module__.startswith(("httpx2", "httpcore2", "aiohttp", "h11"))
        assert CANARY not in repr(obj) and HEADER_CANARY not in repr(obj)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("header", "abc\r\nX-Injected: 1"),
        ("header", "abc\ndef"),
        ("header", "abc\rdef"),
        ("header", "nul\x00byte"),
        ("header", "snowman \u2603"),
        # latin-1 but not ASCII: httpx2 refuses it and aiohttp sends UTF-8, so neither does.
        ("header", "caf\u00e9"),
        ("key", CANARY + "\n"),
        ("key", CANARY + "\r\nX-Injected: 1"),
        ("name", "Bad Name"),
        ("name", "Bad:Name"),
        ("name", "X-\u00e9"),
    ],
)
def test_invalid_headers_are_configuration_errors_before_network(mode: str, where: str, value: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, 200, ts.COMPLETION)

    with ts.Server(handler) as server:
        kw: dict[str, Any] = {"max_retries": 0}
        if where == "header":
            kw["extra_headers"] = {"X-Custom": value}
        elif where == "name":
            kw["extra_headers"] = {value: "ok"}
        else:
            kw["api_key"] = value
        with pytest.raises(ConfigurationError) as info:
            call(mode, server.url, **kw)
    assert server.requests == []
    assert CANARY not in str(info.value)
    assert "\n" not in str(info.value) and "\r" not in str(info.value)


def test_visible_ascii_and_tabs_are_sent_as_they_are(mode: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, 200, ts.COMPLETION)

    value = "a\tb ~!#$%&'()*+,-./:;<=>?@[]^_`{|}"
    with ts.Server(handler) as server:
        call(mode, server.url, extra_headers={"X-Note": value})
    assert server.requests[0].headers["x-note"] == value
