"""The async transport's own HTTP/1.1 connections: asyncio protocols, a keep-alive pool, framing
from ``framing.h1``.

Why not aiohttp for every request: its request machinery (ClientRequest, ClientResponse, the
connector, multidicts, timers) costs ~380k instructions per exchange against ~100k here, and at
c=100 that is the whole gap to the raw-aiohttp target of issue 17. aiohttp still carries what this
does not do: requests through a proxy (``AsyncTransport`` routes those there).

What a request gets is what the aiohttp path gives: the body sent exactly as built, no redirect
followed, the response body read raw and decoded by ``framing.body`` under the size cap, the
connect / between-bytes / total limits of ``Timeout``, TLS verified with the default trust store
or the request's own CA bundle and client identity, and every failure an ``APIConnectionError``
or ``APITimeoutError`` that holds no reference to a socket or to the request's headers.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any

from llmkit import _constants as C
from llmkit._redact import exception_text
from llmkit._timeout import Timeout, phase
from llmkit._tls import context_for
from llmkit.errors import APIConnectionError, APITimeoutError, LLMKitError
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

# A stream's reader pauses the socket past this many unread bytes (the consumer is behind).
HIGH_WATER = 1024 * 1024


class _Conn(asyncio.Protocol):
    """One connection, one exchange at a time. The exchange's state lives here, fed by
    ``data_received``; the requesting task waits on ``waiter``, woken when the head arrives (a
    stream), when a piece arrives (a stream's body), at the body's end, or on a failure."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, origin: Origin, lost: Callable[[_Conn], None]
    ) -> None:
        self.loop = loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._lost = lost
        self.idle_since = 0.0
        self.waiter: asyncio.Future[None] | None = None
        self.method = "POST"
        self.buf = b""  # head bytes still arriving
        self.head: Head | None = None
        self.body: Body | None = None
        self.pieces: deque[bytes] = deque()
        self.held = 0  # bytes in pieces
        self.limit = -1  # cap on held bytes (a body read whole), -1 for none
        self.streaming = False  # wake the waiter on the head and on every piece
        self.failure: LLMKitError | None = None
        self.got_any = False
        self.last = 0.0  # when bytes last arrived
        self.paused = False

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.last = self.loop.time()
        self.got_any = True
        try:
            if self.head is None:
                self._head_bytes(data)
            else:
                self._body_bytes(data)
        except ProtocolFault as exc:
            self.fail(APIConnectionError(f"malformed HTTP response from the server: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        body = self.body
        if body is not None and body.to_close and not body.done and self.failure is None:
            body.done = True  # a body read to the close ends with it
        self._wake()
        self._lost(self)

    # -- the exchange -------------------------------------------------------------------------

    def start(self, method: str, limit: int, streaming: bool) -> None:
        self.method = method
        self.buf = b""
        self.head = None
        self.body = None
        self.pieces.clear()
        self.held = 0
        self.limit = limit
        self.streaming = streaming
        self.failure = None
        self.got_any = False
        self.last = self.loop.time()

    def complete(self) -> bool:
        body = self.body
        return body is not None and body.done

    def cut(self) -> LLMKitError:
        """Why the exchange cannot go on (called once the connection is closed or failed)."""
        if self.failure is not None:
            return self.failure
        if self.head is None:
            what = "before sending a response" if not self.got_any else "in the middle of the response head"
        else:
            what = "before the response body was complete"
        return APIConnectionError(f"the server closed the connection {what}")

    def _head_bytes(self, data: bytes) -> None:
        head, buf = take_head(self.buf + data if self.buf else data, self.method)
        if head is None:
            self.buf = buf  # (still arriving, or past a 1xx response)
            return
        self.buf = b""
        self.head = head
        body = self.body = Body(head)
        if 0 <= self.limit < (head.length or 0):  # declared past the cap: refused before reading
            self.fail(too_large(self.limit, head.status))
            return
        if self.streaming:
            self._wake()
        if buf or body.done:
            self._body_bytes(buf)

    def _body_bytes(self, data: bytes) -> None:
        body = self.body
        assert body is not None
        pieces = body.feed(data)
        if pieces:
            self.pieces.extend(pieces)
            held = self.held = self.held + sum(map(len, pieces))
            if 0 <= self.limit < held:
                self.fail(too_large(self.limit, self.head.status if self.head is not None else None))
                return
            if self.streaming:
                if held > HIGH_WATER and not self.paused and self.transport is not None:
                    self.paused = True  # the consumer is behind: stop reading until it catches up
                    self.transport.pause_reading()
                self._wake()
        if body.done:
            self._wake()

    def fail(self, failure: LLMKitError) -> None:
        if self.failure is None:
            self.failure = failure
        self.abort()
        self._wake()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _wake(self) -> None:
        w = self.waiter
        if w is not None:
            self.waiter = None
            if not w.done():
                w.set_result(None)

    async def wait(self) -> None:
        fut = self.loop.create_future()
        self.waiter = fut
        try:
            await fut
        finally:
            self.waiter = None

    def take(self) -> bytes | None:
        """The next piece in hand, or None."""
        if not self.pieces:
            return None
        piece = self.pieces.popleft()
        self.held -= len(piece)
        if self.paused and self.held < HIGH_WATER // 2 and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return piece

    def reusable(self) -> bool:
        body, head = self.body, self.head
        return (
            not self.closed
            and self.failure is None
            and head is not None
            and head.keep_alive
            and body is not None
            and body.done
            and not body.extra
            and not self.pieces
        )


class _Timer:
    """One exchange's read and total limits: a single loop timer that, when it fires, fails the
    exchange if no byte came for ``read`` seconds (or the total deadline passed) and otherwise
    re-arms itself for the next possible expiry: one timer per exchange, not one per wait."""

    __slots__ = ("_conn", "_deadline", "_handle", "_read")

    def __init__(self, conn: _Conn, read: float | None, total: float | None) -> None:
        self._conn = conn
        self._read = read
        now = conn.loop.time()
        self._deadline = None if total is None else now + total
        self._handle: asyncio.TimerHandle | None = None
        self._arm(now)

    def _arm(self, now: float) -> None:
        read, deadline = self._read, self._deadline
        at = None if read is None else self._conn.last + read
        if deadline is not None and (at is None or deadline < at):
            at = deadline
        self._handle = None if at is None else self._conn.loop.call_at(max(at, now), self._fire)

    def _fire(self) -> None:
        conn = self._conn
        now = conn.loop.time()
        self._handle = None
        if self._deadline is not None and now >= self._deadline:
            conn.fail(APITimeoutError("timed out waiting for the server: the total timeout passed"))
            return
        read = self._read
        if conn.paused or conn.pieces:
            conn.last = now  # the reader is behind, not the server: its time does not count
        if read is not None and now - conn.last >= read:
            transport = conn.transport
            if transport is not None and transport.get_write_buffer_size():
                conn.last = now  # still sending a large body: the server is reading it
            else:
                conn.fail(APITimeoutError(f"timed out waiting for the server: no byte for {read:g} s"))
                return
        self._arm(now)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class H1Pool:
    """Connections per origin, at most ``max_connections`` open in all (as aiohttp's limit), for
    one event loop at a time."""

    def __init__(self, max_connections: int, max_response_bytes: int) -> None:
        self._max = max_connections
        self._limit = max_response_bytes
        self._idle: dict[Origin, list[_Conn]] = {}
        self._all: set[_Conn] = set()  # open (or opening) connections, idle ones included
        self._connecting = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._routes = Routes()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watcher: AsyncGenerator[None, None] | None = None

    def _forget(self, conn: _Conn) -> None:
        # Called for every connection that closes (by connection_lost, or at once when this pool
        # closes it): its slot goes to the first task waiting for one.
        if conn in self._all:
            self._all.discard(conn)
            self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            w = self._waiters.popleft()
            if not w.done():
                w.set_result(None)
                return

    def _discard(self, conn: _Conn) -> None:
        conn.abort()
        self._forget(conn)

    async def _acquire(self, route: Route, connect: float | None, headers: Mapping[str, str]) -> _Conn:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            await self._adopt(loop)
        origin = route.origin
        while True:
            idle = self._idle.get(origin)
            if idle:
                now = loop.time()
                while idle:
                    conn = idle.pop()
                    # (Bytes that came while it sat idle answer nothing: never read them as a reply.)
                    extra = conn.body is not None and conn.body.extra
                    if not conn.closed and not extra and now - conn.idle_since < C.IDLE_CONNECTION_S:
                        return conn
                    self._discard(conn)
            if len(self._all) + self._connecting < self._max:
                break
            if self._close_an_idle():
                continue
            await self._wait_for_slot(loop, connect)
        self._connecting += 1
        try:
            conn = await self._connect(loop, route, connect, headers)
        except BaseException:
            self._connecting -= 1
            self._wake_one()  # the slot this one held goes to the next in line
            raise
        self._connecting -= 1
        self._all.add(conn)
        return conn

    async def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        # Connections of an earlier event loop (a previous asyncio.run, say) cannot be used from
        # this one. This loop's are closed when it shuts down: a suspended async generator is
        # finalised by shutdown_asyncgens(), which asyncio.run() awaits before closing the loop,
        # so a pool nobody closed (the module-level llmkit.acomplete's) leaves no socket open.
        self.drop()
        self._loop = loop
        watcher = _close_at_loop_end(self, loop)
        await watcher.asend(None)
        self._watcher = watcher  # (the loop holds its async generators weakly)

    async def _wait_for_slot(self, loop: asyncio.AbstractEventLoop, connect: float | None) -> None:
        w: asyncio.Future[None] = loop.create_future()
        self._waiters.append(w)
        try:
            async with asyncio.timeout(phase(connect)):
                await w
        except TimeoutError:
            raise _connect_timeout("waiting for a free connection") from None
        except BaseException:
            if w.done() and not w.cancelled():
                self._wake_one()  # woken, then cancelled: the wake-up goes to the next in line
            raise

    def _close_an_idle(self) -> bool:
        for conns in self._idle.values():
            while conns:
                conn = conns.pop(0)
                was_open = not conn.closed
                self._discard(conn)
                if was_open:
                    return True
        return False

    async def _connect(
        self,
        loop: asyncio.AbstractEventLoop,
        route: Route,
        connect: float | None,
        headers: Mapping[str, str],
    ) -> _Conn:
        _, host, port, tls = route.origin
        origin = route.origin
        failure: APIConnectionError | None = None
        try:
            async with asyncio.timeout(phase(connect)):
                _, conn = await loop.create_connection(
                    lambda: _Conn(loop, origin, self._forget),
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                    happy_eyeballs_delay=0.25,
                )
        except TimeoutError:
            failure = _connect_timeout("connecting")
        except (OSError, ssl.SSLError, ssl.CertificateError, ValueError) as exc:
            failure = APIConnectionError(f"could not connect: {exception_text(exc, headers)}")
            failure.before_send = True
        if failure is not None:
            raise failure  # outside the except block: no __context__ back to the OS error
        return conn

    def release(self, conn: _Conn) -> None:
        """Back to the pool if the exchange ended cleanly and the server keeps it open; else closed."""
        if conn.reusable() and self._loop is conn.loop and conn in self._all:
            conn.idle_since = conn.loop.time()
            self._idle.setdefault(conn.origin, []).append(conn)
            if self._waiters:
                self._wake_one()
        else:
            self._discard(conn)

    async def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        tls = context_for(req.ca_bundle, req.client_cert) if req.url.startswith("https:") else None
        body = req.body
        route = self._routes.get(req.url, tls)
        head_bytes = head_for(route, req.method, req.headers, body)
        conn = await self._acquire(route, phase(timeout.connect), req.headers)
        conn.start(req.method, -1 if stream else self._limit, stream)
        timer = _Timer(conn, phase(timeout.read), None if stream else phase(timeout.total))
        try:
            assert conn.transport is not None
            conn.transport.write(head_bytes + body if body else head_bytes)
            while not (conn.complete() or (stream and conn.head is not None)):
                if conn.closed:
                    raise conn.cut()
                await conn.wait()
            if conn.failure is not None:
                raise conn.failure
        except BaseException:
            timer.cancel()
            self._discard(conn)
            raise
        head = conn.head
        assert head is not None
        status = head.status
        encoding = head.headers.get("content-encoding")
        if stream:
            if 200 <= status < 300:
                chunks: AsyncIterator[bytes] = _chunks(conn, timer)
                if encoding is not None:
                    chunks = decoded(chunks, BodyDecoder(encoding, None, status))
                return HttpResponse(
                    status,
                    head.headers,
                    b"",
                    achunks=chunks,
                    aclose=_closer(self, conn, timer),
                    close=lambda: self._discard(conn),
                )
            # An error answer to a stream: read whole, under the cap and a total deadline.
            timer.cancel()
            conn.limit, conn.streaming = self._limit, False
            if conn.held > self._limit or (head.length or 0) > self._limit:
                self._discard(conn)
                raise too_large(self._limit, status)
            timer = _Timer(conn, phase(timeout.read), phase(timeout.total))
            try:
                while not conn.complete():
                    if conn.closed:
                        raise conn.cut()
                    await conn.wait()
            except BaseException:
                timer.cancel()
                self._discard(conn)
                raise
        timer.cancel()
        raw = conn.pieces[0] if len(conn.pieces) == 1 else b"".join(conn.pieces)
        conn.pieces.clear()
        conn.held = 0
        self.release(conn)
        if encoding is not None:
            decoder = BodyDecoder(encoding, self._limit, status)
            raw = b"".join([*decoder.feed(raw), *decoder.flush()])
        return HttpResponse(status, head.headers, raw)

    async def aclose(self) -> None:
        self.drop()
        await asyncio.sleep(0)  # the transports' connection_lost runs, closing the sockets

    def drop(self) -> None:
        """Close every connection now (a pool left by its event loop, or the transport closing)."""
        conns, self._all = self._all, set()
        self._idle.clear()
        for w in self._waiters:
            if not w.done():
                try:
                    w.cancel()
                except RuntimeError:
                    pass
        self._waiters.clear()
        for conn in conns:
            try:
                conn.abort()
            except RuntimeError:  # its loop is already closed: the socket went with it
                pass


async def _close_at_loop_end(pool: H1Pool, loop: asyncio.AbstractEventLoop) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        if pool._loop is loop:
            pool.drop()
            await asyncio.sleep(0)  # the transports' connection_lost runs, closing the sockets


def _connect_timeout(what: str) -> APITimeoutError:
    err = APITimeoutError(f"timed out {what}")
    err.before_send = True
    return err


async def _chunks(conn: _Conn, timer: _Timer) -> AsyncIterator[bytes]:
    try:
        while True:
            piece = conn.take()
            if piece is not None:
                yield piece
                continue
            if conn.complete():
                return
            if conn.closed:
                raise conn.cut()
            await conn.wait()
    finally:
        timer.cancel()


async def decoded(chunks: AsyncIterator[bytes], decoder: BodyDecoder) -> AsyncIterator[bytes]:
    # No total cap on a stream (it may run long); each event is capped by the stream's reader.
    async for raw in chunks:
        for piece in decoder.feed(raw):
            yield piece
    for piece in decoder.flush():
        yield piece


def _closer(pool: H1Pool, conn: _Conn, timer: _Timer) -> Any:
    async def close() -> None:
        timer.cancel()
        pool.release(conn)  # (closed unless read to its end)

    return close
