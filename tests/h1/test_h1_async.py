"""The async transport's own HTTP/1.1 connections (transport/h1_async.py) over real loopback
sockets, against a scripted server: reuse, framing, decoding, caps, limits, timeouts, cuts,
cancellation, and every failure typed with nothing of the socket or the request attached."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from typing import Any

import h11
import pytest

from llmkit._timeout import Timeout
from llmkit.errors import APIConnectionError, APITimeoutError, ConfigurationError, ResponseTooLargeError
from llmkit.transport.async_http import AsyncTransport
from llmkit.wire import HttpRequest, HttpResponse

T = Timeout(connect=2.0, read=2.0)
Reply = Callable[[int, bytes], Any]


class Scripted:
    """A loopback server answering request ``i`` (counted over all connections) with ``reply(i,
    request bytes)``: bytes, or a list of bytes and pauses (floats, seconds) written in turn (a
    None in it closes the connection there), or None to close without answering."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.port = 0
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> Scripted:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/x"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                raw = head + await reader.readexactly(length)
                i = len(self.requests)
                self.requests.append(raw)
                out = self.reply(i, raw)
                if out is None:
                    break
                parts = [out] if isinstance(out, bytes) else out
                if None in parts:
                    parts = parts[: parts.index(None)]
                    for part in parts:
                        if isinstance(part, float):
                            await asyncio.sleep(part)
                        else:
                            writer.write(part)
                            await writer.drain()
                    break
                for part in parts:
                    if isinstance(part, float):
                        await writer.drain()
                        await asyncio.sleep(part)
                    else:
                        writer.write(part)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_now -= 1
            writer.close()


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def run(reply: Reply, test: Callable[[Scripted, AsyncTransport], Awaitable[Any]], **kw: Any) -> Any:
    async def main() -> Any:
        async with Scripted(reply) as srv:
            t = AsyncTransport(**kw)
            try:
                return await test(srv, t)
            finally:
                await t.aclose()

    return asyncio.run(main())


def post(srv: Scripted, body: bytes = b"{}", headers: dict[str, str] | None = None) -> HttpRequest:
    return HttpRequest("POST", srv.url, dict(headers or {"Authorization": "Bearer sk-secret"}), body)


def clean(exc: BaseException) -> None:
    assert exc.__cause__ is None and exc.__context__ is None
    assert "sk-secret" not in str(exc)


def test_the_request_on_the_wire_is_what_h11_reads() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> HttpResponse:
        return await tr.send(post(srv, b'{"a":1}', {"Authorization": "Bearer k", "X-Y": "z"}), False, T)

    srv_box: list[bytes] = []

    def reply(i: int, raw: bytes) -> bytes:
        conn = h11.Connection(h11.SERVER)
        conn.receive_data(raw)
        req = conn.next_event()
        data = conn.next_event()
        assert isinstance(req, h11.Request) and isinstance(data, h11.Data)
        headers = {k.decode(): v.decode() for k, v in req.headers}
        srv_box.append(raw)
        assert req.method == b"POST" and req.target == b"/v1/x" and data.data == b'{"a":1}'
        assert headers["host"].startswith("127.0.0.1:") and headers["content-length"] == "7"
        assert headers["authorization"] == "Bearer k" and headers["x-y"] == "z"
        assert headers["accept-encoding"] == "gzip, deflate" and headers["accept"] == "*/*"
        return ok()

    resp = run(reply, t)
    assert resp.status == 200 and resp.body == b'{"ok":true}' and srv_box


def test_keep_alive_reuses_one_connection_and_close_opens_another() -> None:
    def reply(i: int, raw: bytes) -> bytes:
        return ok(extra=b"Connection: close\r\n") if i == 1 else ok()

    async def t(srv: Scripted, tr: AsyncTransport) -> int:
        for _ in range(4):
            r = await tr.send(post(srv), False, T)
            assert r.status == 200 and r.body == b'{"ok":true}'
        return srv.connections

    assert run(reply, t) == 2  # requests 0-1 on the first, 2-3 on the second


@pytest.mark.parametrize(
    "answer, body",
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;e=1\r\nhello\r\n1\r\n!\r\n0\r\nX: t\r\n\r\n",
            b"hello!",
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n" + ok(b"done"), b"done"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
            % (len(gzip.compress(b"zipped" * 10)), gzip.compress(b"zipped" * 10)),
            b"zipped" * 10,
        ),
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
    ],
    ids=["chunked", "informational", "gzip", "no-content"],
)
def test_bodies_framed_and_decoded(answer: bytes, body: bytes) -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> list[bytes]:
        return [(await tr.send(post(srv), False, T)).body for _ in range(2)]

    assert run(lambda i, raw: answer, t) == [body, body]


def test_a_body_read_to_the_close() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> tuple[bytes, int]:
        bodies = [(await tr.send(post(srv), False, T)).body for _ in range(2)]
        assert bodies[0] == bodies[1]
        return bodies[0], srv.connections

    answer = [b"HTTP/1.0 200 OK\r\n\r\npart one, ", 0.05, b"part two", None]
    assert run(lambda i, raw: answer, t) == (b"part one, part two", 2)


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    ],
    ids=["status", "not-http", "length", "coding", "huge-head", "chunk-size", "switch"],
)
def test_malformed_answers_are_typed_connection_errors(answer: bytes) -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> BaseException:
        with pytest.raises(APIConnectionError) as info:
            await tr.send(post(srv), False, T)
        return info.value

    err = run(lambda i, raw: answer, t)
    assert type(err) is APIConnectionError and "malformed" in str(err)
    clean(err)


def test_cut_before_or_during_the_answer() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> list[str]:
        out = []
        for _ in range(2):
            with pytest.raises(APIConnectionError) as info:
                await tr.send(post(srv), False, T)
            clean(info.value)
            out.append(str(info.value))
        return out

    def reply(i: int, raw: bytes) -> Any:
        return None if i == 0 else [b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", None]

    first, second = run(reply, t)
    assert "before sending a response" in first and "before the response body was complete" in second


def test_the_size_cap_holds_after_decoding_and_on_the_raw_bytes() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(bomb), bomb),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"10000\r\n"
        + b"x" * 0x10000
        + b"\r\n0\r\n\r\n",
    ]

    async def t(srv: Scripted, tr: AsyncTransport) -> None:
        for _ in answers:
            with pytest.raises(ResponseTooLargeError) as info:
                await tr.send(post(srv), False, T)
            clean(info.value)

    run(lambda i, raw: answers[i], t, max_response_bytes=50_000)


def test_read_and_total_timeouts() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> None:
        with pytest.raises(APITimeoutError) as info:
            await tr.send(post(srv), False, Timeout(connect=2, read=0.2))
        clean(info.value)
        # Bytes keep coming, every 0.1 s, but the total deadline is 0.35 s.
        with pytest.raises(APITimeoutError) as info:
            await tr.send(post(srv), False, Timeout(connect=2, read=1, total=0.35))
        assert "total" in str(info.value)

    trickle: list[bytes | float] = [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"]
    for _ in range(20):
        trickle += [0.1, b"x"]
    run(lambda i, raw: [1.0, ok()] if i == 0 else trickle, t)


def test_refused_connection_is_before_send() -> None:
    async def main() -> BaseException:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        tr = AsyncTransport()
        try:
            with pytest.raises(APIConnectionError) as info:
                await tr.send(
                    HttpRequest("POST", f"http://127.0.0.1:{port}/x", {"Authorization": "sk-secret"}, b"{}"),
                    False,
                    T,
                )
            return info.value
        finally:
            await tr.aclose()

    err = asyncio.run(main())
    assert err.before_send and "could not connect" in str(err)
    clean(err)


def test_a_stream_cut_midway_keeps_what_arrived() -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

    async def t(srv: Scripted, tr: AsyncTransport) -> list[bytes]:
        r = await tr.send(post(srv), True, T)
        got: list[bytes] = []
        with pytest.raises(APIConnectionError) as info:
            async for piece in r.achunks:
                got.append(piece)
        clean(info.value)
        await r.aclose()
        return got

    assert run(lambda i, raw: [head, b"3\r\none\r\n", 0.05, b"3\r\ntwo\r\n", 0.05, None], t) == [
        b"one",
        b"two",
    ]


def test_a_stream_read_to_its_end_returns_the_connection_and_an_early_close_drops_it() -> None:
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n"

    async def t(srv: Scripted, tr: AsyncTransport) -> int:
        r = await tr.send(post(srv), True, T)
        assert [p async for p in r.achunks] == [b"one", b"two"]
        await r.aclose()
        r = await tr.send(post(srv), True, T)  # same connection
        await r.aclose()  # unread: dropped
        r = await tr.send(post(srv), False, T)  # a new one
        return srv.connections

    assert run(lambda i, raw: answer if i < 2 else ok(), t) == 2


def test_an_error_answer_to_a_stream_is_read_whole() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> HttpResponse:
        return await tr.send(post(srv), True, T)

    answer = b'HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nContent-Length: 9\r\n\r\n{"e":429}'
    r = run(lambda i, raw: answer, t)
    assert r.status == 429 and r.body == b'{"e":429}' and r.headers["retry-after"] == "3"


def test_the_connection_limit_queues_requests() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> int:
        results = await asyncio.gather(*(tr.send(post(srv), False, T) for _ in range(12)))
        assert all(r.status == 200 for r in results)
        return srv.most_open

    assert run(lambda i, raw: [0.02, ok()], t, max_connections=3) <= 3


def test_a_cancelled_request_does_not_leave_its_connection_in_the_pool() -> None:
    async def t(srv: Scripted, tr: AsyncTransport) -> int:
        task = asyncio.ensure_future(tr.send(post(srv), False, T))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        r = await tr.send(post(srv), False, T)
        assert r.body == b'{"ok":true}'
        return srv.connections

    assert run(lambda i, raw: [0.5, ok()] if i == 0 else ok(), t) == 2


def test_one_transport_across_event_loops() -> None:
    tr = AsyncTransport()

    async def once() -> int:
        async with Scripted(lambda i, raw: ok()) as srv:
            r = await tr.send(post(srv), False, T)
            return r.status

    assert asyncio.run(once()) == 200
    assert asyncio.run(once()) == 200
    asyncio.run(tr.aclose())


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/a b", "http://127.0.0.1:1/a\r\nX: y", "http://exa mple.com/"]
)
def test_urls_that_would_split_the_head_are_refused_before_sending(url: str) -> None:
    async def main() -> None:
        tr = AsyncTransport()
        try:
            with pytest.raises(ConfigurationError):
                await tr.send(HttpRequest("POST", url, {}, b"{}"), False, T)
        finally:
            await tr.aclose()

    asyncio.run(main())


def test_a_slow_reader_is_not_the_servers_timeout() -> None:
    # Every event is sent at once; the reader takes 0.3 s per piece against a 0.2 s read limit.
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"3\r\nabc\r\n" * 4 + b"0\r\n\r\n"

    async def t(srv: Scripted, tr: AsyncTransport) -> list[bytes]:
        r = await tr.send(post(srv), True, Timeout(connect=2, read=0.2))
        got = []
        async for piece in r.achunks:
            got.append(piece)
            await asyncio.sleep(0.3)
        await r.aclose()
        return got

    assert run(lambda i, raw: answer, t) == [b"abc"] * 4


def test_bytes_sent_to_an_idle_connection_are_never_read_as_the_next_answer() -> None:
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"

    async def t(srv: Scripted, tr: AsyncTransport) -> tuple[bytes, int]:
        assert (await tr.send(post(srv), False, T)).body == b'{"ok":true}'
        await asyncio.sleep(0.2)  # the extra answer arrives while the connection is idle
        second = (await tr.send(post(srv), False, T)).body
        return second, srv.connections

    assert run(lambda i, raw: [ok(), 0.05, smuggled] if i == 0 else ok(b"real"), t) == (b"real", 2)
