"""The sync transport's own HTTP/1.1 connections: blocking sockets, a thread-safe keep-alive pool,
framing from ``framing.h1`` (the async twin is ``h1_async``).

Why not httpx2 for every request: a small call through httpx2 and httpcore2 (request and
response objects, h11's state machine, the pool's locks and stream wrappers) costs more than the
whole of llmkit's own work on it; SageMaker's and Ollama's official SDKs (urllib3, httpx) could not
be passed by 2x on top of it (issue 17). httpx2 still carries what this does not do: a caller's
own ``http_client=`` and requests through a proxy (``SyncTransport`` routes those there).

A request gets what the httpx2 path gives: the body sent exactly as built, no redirect followed,
the body read raw and decoded by ``framing.body`` under the size cap, the connect / between-bytes
/ total limits of ``Timeout``, TLS verified as httpx2 verifies by default (SSL_CERT_FILE /
SSL_CERT_DIR, else the system's trust: ``_tls.default_context``) or against the request's CA
bundle and client identity, and every failure an ``APIConnectionError`` / ``APITimeoutError``
holding no reference to the socket or the request's headers.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from llmkit import _constants as C
from llmkit._redact import exception_text
from llmkit._timeout import Timeout, phase
from llmkit._tls import context_for
from llmkit.errors import APIConnectionError, APITimeoutError, ConfigurationError, LLMKitError
from llmkit.framing.body import BodyDecoder, too_large
from llmkit.framing.h1 import (
    Body,
    Head,
    Origin,
    ProtocolFault,
    Route,
    Routes,
    head_for,
    take_head,
)
from llmkit.wire import HttpRequest, HttpResponse

_READ = 65536
_POLL = hasattr(select, "poll")


class _Conn:
    __slots__ = ("idle_since", "origin", "sock")

    def __init__(self, sock: socket.socket, origin: Origin) -> None:
        self.sock = sock
        self.origin = origin
        self.idle_since = 0.0

    def alive(self) -> bool:
        # An idle connection with something to read has been closed by the server (or holds
        # bytes nobody asked for): either way not one to send on.
        try:
            if _POLL:  # (poll: select() cannot take a descriptor past 1023)
                poller = select.poll()
                poller.register(self.sock, select.POLLIN)
                return not poller.poll(0)
            return not select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False


class _Exchange:
    """One request's reading state on a connection."""

    __slots__ = ("conn", "deadline", "got_any", "headers", "read")

    def __init__(
        self, conn: _Conn, read: float | None, deadline: float | None, headers: Mapping[str, str]
    ) -> None:
        self.conn = conn
        self.read = read
        self.deadline = deadline
        self.headers = headers
        self.got_any = False

    def recv(self) -> bytes:
        sock = self.conn.sock
        deadline = self.deadline
        failure: LLMKitError | None = None
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise APITimeoutError("timed out waiting for the server: the total timeout passed")
            sock.settimeout(left if self.read is None else min(left, self.read))
        try:
            data = sock.recv(_READ)
        except TimeoutError:
            total = deadline is not None and time.monotonic() >= deadline
            what = "the total timeout passed" if total else f"no byte for {self.read:g} s"
            failure = APITimeoutError(f"timed out waiting for the server: {what}")
        except (OSError, ssl.SSLError) as exc:
            failure = APIConnectionError(f"the connection failed: {exception_text(exc, self.headers)}")
        if failure is not None:
            raise failure  # outside the except block: no __context__ back to the OS error
        self.got_any = self.got_any or bool(data)
        return data

    def cut(self, head: Head | None) -> APIConnectionError:
        if head is None:
            what = "before sending a response" if not self.got_any else "in the middle of the response head"
        else:
            what = "before the response body was complete"
        return APIConnectionError(f"the server closed the connection {what}")


class H1SyncPool:
    """Connections per origin, at most ``max_connections`` open in all, shared by threads."""

    def __init__(
        self, max_connections: int, max_response_bytes: int, default_tls: Callable[[], ssl.SSLContext]
    ) -> None:
        self._max = max_connections
        self._limit = max_response_bytes
        # Made at the first https request: loading the CA bundle costs ~25 ms, which a first call
        # to a plain-http server (a local model) need not pay.
        self._make_tls = default_tls
        self._default_tls: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self._free = threading.Condition(self._lock)
        self._idle: dict[Origin, list[_Conn]] = {}
        self._open = 0
        self._all: set[_Conn] = set()  # open connections, idle ones included
        self._routes = Routes()
        self._closed = False
        socks: list[socket.socket] = []
        self._socks = socks
        weakref.finalize(self, _close_all, socks)

    # -- the pool -----------------------------------------------------------------------------

    def _acquire(self, route: Route, connect: float | None, headers: Mapping[str, str]) -> _Conn:
        origin = route.origin
        deadline = None if connect is None else time.monotonic() + connect
        with self._lock:
            while True:
                if self._closed:
                    raise ConfigurationError("this llmkit Client is closed: make a new one to send requests")
                idle = self._idle.get(origin)
                now = time.monotonic()
                while idle:
                    conn = idle.pop()
                    if now - conn.idle_since < C.IDLE_CONNECTION_S and conn.alive():
                        return conn
                    self._drop_locked(conn)
                if self._open < self._max:
                    self._open += 1
                    break
                if self._close_an_idle_locked():
                    continue
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    err = APITimeoutError("timed out waiting for a free connection in the pool")
                    err.before_send = True
                    raise err
                self._free.wait(left)
        try:
            return self._connect(route, connect, headers)
        except BaseException:
            with self._lock:
                self._open -= 1
                self._free.notify()
            raise

    def _close_an_idle_locked(self) -> bool:
        for conns in self._idle.values():
            if conns:
                self._drop_locked(conns.pop(0))
                return True
        return False

    def _drop_locked(self, conn: _Conn) -> None:
        if conn in self._all:
            self._all.discard(conn)
            self._open -= 1
            self._free.notify()
        _close(conn.sock)
        try:
            self._socks.remove(conn.sock)
        except ValueError:
            pass

    def discard(self, conn: _Conn) -> None:
        with self._lock:
            self._drop_locked(conn)

    def release(self, conn: _Conn) -> None:
        with self._lock:
            if self._closed or conn not in self._all:
                self._drop_locked(conn)
                return
            conn.idle_since = time.monotonic()
            self._idle.setdefault(conn.origin, []).append(conn)
            self._free.notify()

    def _connect(self, route: Route, connect: float | None, headers: Mapping[str, str]) -> _Conn:
        _, host, port, tls = route.origin
        failure: APIConnectionError | None = None
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((host, port), timeout=connect)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls is not None:
                sock = tls.wrap_socket(sock, server_hostname=host)
        except TimeoutError:
            failure = APITimeoutError("timed out connecting")
        except (OSError, ssl.SSLError, ssl.CertificateError, ValueError) as exc:
            failure = APIConnectionError(f"could not connect: {exception_text(exc, headers)}")
        if failure is not None:
            if sock is not None:
                _close(sock)
            failure.before_send = True
            raise failure  # outside the except block: no __context__ back to the OS error
        assert sock is not None
        conn = _Conn(sock, route.origin)
        with self._lock:
            self._all.add(conn)
            self._socks.append(sock)
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._idle.clear()
            self._all = set()
            self._open = 0
            _close_all(self._socks)
            self._free.notify_all()

    def _tls(self) -> ssl.SSLContext:
        with self._lock:  # one context for all threads: routes are kept per context
            if self._default_tls is None:
                self._default_tls = self._make_tls()
            return self._default_tls

    # -- one exchange -------------------------------------------------------------------------

    def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        tls: Any = None
        if req.url.startswith("https:"):
            if req.ca_bundle is not None or req.client_cert is not None:
                tls = context_for(req.ca_bundle, req.client_cert)
            else:
                tls = self._default_tls or self._tls()
        body = req.body
        route = self._routes.get(req.url, tls)
        head_bytes = head_for(route, req.method, req.headers, body)
        conn = self._acquire(route, phase(timeout.connect), req.headers)
        read = phase(timeout.read)
        total = None if stream else phase(timeout.total)
        ex = _Exchange(conn, read, None if total is None else time.monotonic() + total, req.headers)
        try:
            self._write(conn, head_bytes + body if body else head_bytes, read, req.headers)
            head, reader, first = self._read_head(ex, req.method, stream)
        except BaseException:
            self.discard(conn)
            raise
        status = head.status
        encoding = head.headers.get("content-encoding")
        if stream and 200 <= status < 300:
            chunks = _Chunks(self, ex, head, reader, first)
            pieces: Iterator[bytes] = iter(chunks)
            if encoding is not None:
                pieces = _decoded(pieces, BodyDecoder(encoding, None, status))
            return HttpResponse(status, head.headers, b"", pieces, chunks.close)
        if stream and timeout.total is not None:  # an error answer to a stream: whole, in time
            ex.deadline = time.monotonic() + timeout.total
        try:
            raw = self._read_all(ex, head, reader, first)
        except BaseException:
            self.discard(conn)
            raise
        if head.keep_alive and not reader.extra:
            self.release(conn)
        else:
            self.discard(conn)
        if encoding is not None:
            decoder = BodyDecoder(encoding, self._limit, status)
            raw = b"".join([*decoder.feed(raw), *decoder.flush()])
        return HttpResponse(status, head.headers, raw)

    def _write(self, conn: _Conn, data: bytes, read: float | None, headers: Mapping[str, str]) -> None:
        failure: APIConnectionError | None = None
        sock = conn.sock
        try:
            sock.settimeout(read)
            sock.sendall(data)
        except TimeoutError:
            failure = APITimeoutError("timed out sending the request")
        except (OSError, ssl.SSLError) as exc:
            failure = APIConnectionError(f"could not send the request: {exception_text(exc, headers)}")
        if failure is not None:
            failure.before_send = True  # (the server cannot have read all of it)
            raise failure

    def _read_head(self, ex: _Exchange, method: str, stream: bool) -> tuple[Head, Body, list[bytes]]:
        buf = b""
        while True:
            data = ex.recv()
            if not data:
                raise ex.cut(None)
            fault = ""
            try:
                head, buf = take_head(buf + data if buf else data, method)
            except ProtocolFault as exc:
                fault = str(exc)
            if fault:
                raise _malformed(fault)  # (outside the except block: no __context__)
            if head is None:
                continue  # still arriving (or past a 1xx response)
            reader = Body(head)
            limit = self._limit
            if (not stream or not 200 <= head.status < 300) and (head.length or 0) > limit:
                raise too_large(limit, head.status)
            return head, reader, _feed(reader, buf) if buf or reader.done else []

    def _read_all(self, ex: _Exchange, head: Head, reader: Body, parts: list[bytes]) -> bytes:
        limit = self._limit
        held = sum(map(len, parts))
        while not reader.done:
            if held > limit:
                raise too_large(limit, head.status)
            data = ex.recv()
            if not data:
                if reader.to_close:
                    break
                raise ex.cut(head)
            got = _feed(reader, data)
            parts.extend(got)
            held += sum(map(len, got))
        if held > limit:
            raise too_large(limit, head.status)
        return parts[0] if len(parts) == 1 else b"".join(parts)


class _Chunks:
    """A streamed 2xx body's pieces, read as they come; the connection goes back to the pool at
    the body's end, and is closed if the stream is closed before it or fails."""

    __slots__ = ("_done", "_ex", "_first", "_head", "_pool", "_reader")

    def __init__(self, pool: H1SyncPool, ex: _Exchange, head: Head, reader: Body, first: list[bytes]) -> None:
        self._pool = pool
        self._ex = ex
        self._head = head
        self._reader = reader
        self._first = first
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        first, self._first = self._first, []
        yield from first
        reader, ex = self._reader, self._ex
        try:
            while not reader.done:
                data = ex.recv()
                if not data:
                    if reader.to_close:
                        break
                    raise ex.cut(self._head)
                yield from _feed(reader, data)
        except BaseException:
            self.close()
            raise
        self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            if self._head.keep_alive and not self._reader.extra and self._reader.done:
                self._pool.release(self._ex.conn)
            else:
                self._pool.discard(self._ex.conn)

    def close(self) -> None:
        if not self._done:
            self._done = True
            self._pool.discard(self._ex.conn)


def _feed(reader: Body, data: bytes) -> list[bytes]:
    fault = ""
    try:
        return reader.feed(data)
    except ProtocolFault as exc:
        fault = str(exc)
    raise _malformed(fault)  # (outside the except block: no __context__)


def _malformed(why: str) -> APIConnectionError:
    return APIConnectionError(f"malformed HTTP response from the server: {why}")


def _decoded(chunks: Iterator[bytes], decoder: BodyDecoder) -> Iterator[bytes]:
    # No total cap on a stream (it may run long); each event is capped by the stream's reader.
    for raw in chunks:
        yield from decoder.feed(raw)
    yield from decoder.flush()


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _close_all(socks: list[socket.socket]) -> None:
    while socks:
        _close(socks.pop())
