"""The sync transport's own HTTP/1.1 connections (transport/h1_sync.py) over real loopback
sockets, against a scripted server: reuse, framing, decoding, caps, limits, timeouts, cuts, and
every failure typed with nothing of the socket or the request attached."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import h11
import pytest

from llmkit._timeout import Timeout
from llmkit.errors import APIConnectionError, APITimeoutError, ConfigurationError, ResponseTooLargeError
from llmkit.transport.sync_http import SyncTransport
from llmkit.wire import HttpRequest

T = Timeout(connect=2.0, read=2.0)


class Scripted:
    """Request ``i`` (over all connections) is answered with ``reply(i, raw)``: bytes, or a list
    of bytes and pauses (floats) written in turn (a None in it closes there), or None to close."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1/x"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with self.lock:
            self.connections += 1
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        f = conn.makefile("rb")
        try:
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = f.readline()
                    if not line:
                        return
                    head += line
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                raw = head + f.read(length)
                with self.lock:
                    i = len(self.requests)
                    self.requests.append(raw)
                out = self.reply(i, raw)
                if out is None:
                    return
                for part in [out] if isinstance(out, bytes) else out:
                    if part is None:
                        return
                    if isinstance(part, float):
                        time.sleep(part)
                    else:
                        conn.sendall(part)
        except OSError:
            pass
        finally:
            with self.lock:
                self.open_now -= 1
            f.close()
            conn.close()

    def close(self) -> None:
        self.sock.close()


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


@contextmanager
def serving(reply: Any, **kw: Any) -> Iterator[tuple[Scripted, SyncTransport]]:
    srv = Scripted(reply)
    tr = SyncTransport(**kw)
    try:
        yield srv, tr
    finally:
        tr.close()
        srv.close()


def post(srv: Scripted, body: bytes = b"{}", headers: dict[str, str] | None = None) -> HttpRequest:
    return HttpRequest("POST", srv.url, dict(headers or {"Authorization": "Bearer sk-secret"}), body)


def clean(exc: BaseException) -> None:
    assert exc.__cause__ is None and exc.__context__ is None
    assert "sk-secret" not in str(exc)


def test_the_request_on_the_wire_is_what_h11_reads_and_connections_are_reused() -> None:
    with serving(lambda i, raw: ok()) as (srv, tr):
        for _ in range(3):
            assert (
                tr.send(post(srv, b'{"a":1}', {"Authorization": "k", "X-Y": "z"}), False, T).body
                == b'{"ok":true}'
            )
        assert srv.connections == 1 and tr._h1 is not None
        conn = h11.Connection(h11.SERVER)
        conn.receive_data(srv.requests[0])
        req, data = conn.next_event(), conn.next_event()
        assert isinstance(req, h11.Request) and isinstance(data, h11.Data)
        headers = {k.decode(): v.decode() for k, v in req.headers}
        assert req.target == b"/v1/x" and data.data == b'{"a":1}' and headers["content-length"] == "7"
        assert headers["authorization"] == "k" and headers["accept-encoding"] == "gzip, deflate"


def test_close_and_a_server_closed_idle_connection_open_new_ones() -> None:
    def reply(i: int, raw: bytes) -> Any:
        return [ok(), None] if i == 1 else ok(extra=b"Connection: close\r\n") if i == 0 else ok()

    with serving(reply) as (srv, tr):
        for _ in range(3):
            assert tr.send(post(srv), False, T).status == 200
            time.sleep(0.05)  # (the server's close of request 1's connection reaches us)
        assert srv.connections == 3


@pytest.mark.parametrize(
    "answer, body",
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;e=1\r\nhello\r\n1\r\n!\r\n0\r\nX: t\r\n\r\n",
            b"hello!",
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"done"), b"done"),
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
    with serving(lambda i, raw: answer) as (srv, tr):
        assert [tr.send(post(srv), False, T).body for _ in range(2)] == [body, body]
        assert srv.connections == 1


def test_a_body_read_to_the_close() -> None:
    answer = [b"HTTP/1.0 200 OK\r\n\r\npart one, ", 0.05, b"part two", None]
    with serving(lambda i, raw: answer) as (srv, tr):
        assert [tr.send(post(srv), False, T).body for _ in range(2)] == [b"part one, part two"] * 2
        assert srv.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["status", "not-http", "length", "huge-head", "chunk-size"],
)
def test_malformed_answers_are_typed_connection_errors(answer: bytes) -> None:
    with serving(lambda i, raw: answer) as (srv, tr):
        with pytest.raises(APIConnectionError) as info:
            tr.send(post(srv), False, T)
    assert type(info.value) is APIConnectionError and "malformed" in str(info.value)
    clean(info.value)


def test_cut_before_or_during_the_answer() -> None:
    def reply(i: int, raw: bytes) -> Any:
        return None if i == 0 else [b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", None]

    with serving(reply) as (srv, tr):
        texts = []
        for _ in range(2):
            with pytest.raises(APIConnectionError) as info:
                tr.send(post(srv), False, T)
            clean(info.value)
            texts.append(str(info.value))
    assert "before sending a response" in texts[0] and "before the response body was complete" in texts[1]


def test_caps_declared_decoded_and_raw() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(bomb), bomb),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"10000\r\n"
        + b"x" * 0x10000
        + b"\r\n0\r\n\r\n",
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n{", 5.0],
    ]
    with serving(lambda i, raw: answers[i], max_response_bytes=50_000) as (srv, tr):
        for _ in answers:
            started = time.monotonic()
            with pytest.raises(ResponseTooLargeError) as info:
                tr.send(post(srv), False, T)
            clean(info.value)
            assert time.monotonic() - started < 2


def test_read_and_total_timeouts() -> None:
    trickle: list[Any] = [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"]
    for _ in range(20):
        trickle += [0.1, b"x"]
    with serving(lambda i, raw: [1.0, ok()] if i == 0 else trickle) as (srv, tr):
        with pytest.raises(APITimeoutError) as info:
            tr.send(post(srv), False, Timeout(connect=2, read=0.2))
        clean(info.value)
        with pytest.raises(APITimeoutError) as info:
            tr.send(post(srv), False, Timeout(connect=2, read=1, total=0.35))
        assert "total" in str(info.value)


def test_refused_connection_is_before_send() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    tr = SyncTransport()
    with pytest.raises(APIConnectionError) as info:
        tr.send(
            HttpRequest("POST", f"http://127.0.0.1:{port}/x", {"Authorization": "sk-secret"}, b"{}"), False, T
        )
    tr.close()
    assert info.value.before_send and "could not connect" in str(info.value)
    clean(info.value)


def test_streams_keep_what_arrived_and_return_or_drop_their_connection() -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    answers: list[Any] = [
        [chunked, b"3\r\none\r\n", 0.05, b"3\r\ntwo\r\n", 0.05, None],
        chunked + b"3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n",
        chunked + b"3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n",
        ok(),
    ]
    with serving(lambda i, raw: answers[i]) as (srv, tr):
        r = tr.send(post(srv), True, T)
        got: list[bytes] = []
        assert r.chunks is not None and r.close is not None
        with pytest.raises(APIConnectionError) as info:
            for piece in r.chunks:
                got.append(piece)
        clean(info.value)
        assert got == [b"one", b"two"]
        r = tr.send(post(srv), True, T)  # a new connection (the first was cut)
        assert r.chunks is not None and list(r.chunks) == [b"one", b"two"]
        r = tr.send(post(srv), True, T)  # the same one, returned at the end of the last
        assert r.close is not None
        r.close()  # closed unread: dropped
        assert tr.send(post(srv), False, T).status == 200
        assert srv.connections == 3


def test_an_error_answer_to_a_stream_is_read_whole() -> None:
    answer = b'HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nContent-Length: 9\r\n\r\n{"e":429}'
    with serving(lambda i, raw: answer) as (srv, tr):
        r = tr.send(post(srv), True, T)
    assert r.status == 429 and r.body == b'{"e":429}' and r.headers["retry-after"] == "3"


def test_the_connection_limit_queues_threads() -> None:
    with serving(lambda i, raw: [0.02, ok()], max_connections=3) as (srv, tr):
        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(tr.send(post(srv), False, T).status))
            for _ in range(12)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [200] * 12 and srv.most_open <= 3


def test_a_closed_transport_is_a_typed_error() -> None:
    with serving(lambda i, raw: ok()) as (srv, tr):
        assert tr.send(post(srv), False, T).status == 200
        tr.close()
        with pytest.raises(ConfigurationError, match="closed"):
            tr.send(post(srv), False, T)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/a b", "http://127.0.0.1:1/a\r\nX: y", "http://exa mple.com/"]
)
def test_urls_that_would_split_the_head_are_refused_before_sending(url: str) -> None:
    tr = SyncTransport()
    with pytest.raises(ConfigurationError):
        tr.send(HttpRequest("POST", url, {}, b"{}"), False, T)
    tr.close()


def test_bytes_sent_to_an_idle_connection_are_never_read_as_the_next_answer() -> None:
    smuggled = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"
    with serving(lambda i, raw: [ok(), 0.05, smuggled] if i == 0 else ok(b"real")) as (srv, tr):
        assert tr.send(post(srv), False, T).body == b'{"ok":true}'
        time.sleep(0.2)  # the extra answer arrives while the connection is idle
        assert tr.send(post(srv), False, T).body == b"real"
        assert srv.connections == 2


def test_past_descriptor_1023_idle_connections_are_still_checked_and_reused() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1100:
        pytest.skip("the descriptor limit is too low here")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1100), hard))
    spare = [socket.socket() for _ in range(1030)]  # push the next descriptors past 1023
    try:
        with serving(lambda i, raw: ok()) as (srv, tr):
            for _ in range(3):
                assert tr.send(post(srv), False, T).status == 200
            assert srv.connections == 1
    finally:
        for s in spare:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
