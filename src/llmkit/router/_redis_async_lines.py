"""The async state backend's deferred writes: one connection per event loop for what a routed
call records without waiting (``AsyncRedisState.record``).

A record's commands are written at once (``send_packed_command`` hands them to the loop's
transport, which sends them before it returns when the socket can take them), so the server runs
them now and other processes see them; their replies are read, and handed to their ``settle``,
before the next record on that connection writes. So a routed call waits for its pick's round
trip only. A lock per connection keeps each record's write after the replies owed before it
(tasks of one loop take turns); a connection that fails settles what it owed as its error and
is made again by the next write. Only for the backend's own client: a client passed in
(``async_client=``) is the caller's, and records go through its pool as a batch.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from llmkit.cache._redis import require
from llmkit.router._redis_wire import Settle

__all__ = ["AsyncRecordLines"]


class _AsyncLine:
    __slots__ = ("conn", "lock", "owed")

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.lock = asyncio.Lock()
        self.owed: list[tuple[int, Settle]] = []


class AsyncRecordLines:
    """A deferred-write connection per event loop, made from a client's pool settings."""

    def __init__(self) -> None:
        self._lines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _AsyncLine] = (
            weakref.WeakKeyDictionary()
        )
        self._errors = require().exceptions

    def _line(self, client: Any) -> _AsyncLine:
        loop = asyncio.get_running_loop()
        line = self._lines.get(loop)
        if line is None:
            pool = client.connection_pool
            line = self._lines[loop] = _AsyncLine(pool.connection_class(**pool.connection_kwargs))
        return line

    async def defer(self, client: Any, data: bytes, count: int, settle: Settle) -> None:
        """Write ``count`` commands' bytes; their replies go to ``settle`` when read (at the
        next write on this loop's connection, or ``catch_up``). A write that fails is made
        once more on a new connection (the old one's owed replies settled as lost)."""
        line = self._line(client)
        async with line.lock:
            await self._read_owed(line)
            reader = getattr(line.conn, "_reader", None)
            if reader is not None and reader.at_eof():
                # The server closed it while idle (a restart, an idle timeout): a write now
                # would be taken by the socket and lost; a new connection takes it instead.
                await line.conn.disconnect(nowait=True)
            for attempt in (0, 1):
                try:
                    # send_packed_command connects (and handshakes) a connection not yet open.
                    await line.conn.send_packed_command(data, check_health=False)
                except (self._errors.ConnectionError, OSError):
                    if attempt:
                        raise
                    await line.conn.disconnect(nowait=True)
                else:
                    line.owed.append((count, settle))
                    return

    async def catch_up(self) -> None:
        """Read (and settle) this loop's owed replies now."""
        try:
            line = self._lines.get(asyncio.get_running_loop())
        except RuntimeError:
            return
        if line is not None and line.owed:
            async with line.lock:
                await self._read_owed(line)

    async def _read_owed(self, line: _AsyncLine) -> None:
        # Replies owed are read before the next write, so they are already here, or nearly.
        if not line.owed:
            return
        owed, line.owed = line.owed, []
        failure: Exception | None = None
        at = 0
        try:
            for at, (count, settle) in enumerate(owed):  # noqa: B007 (``at`` is read below)
                replies: list[Any] = []
                while failure is None and len(replies) < count:
                    try:
                        replies.append(await line.conn.read_response(disable_decoding=True))
                    except self._errors.ResponseError as exc:  # an error reply: the line is fine
                        replies.append(exc)
                    except Exception as exc:  # the connection failed: what it owed is lost
                        failure = exc if isinstance(exc, self._errors.RedisError) else self._lost(exc)
                        await line.conn.disconnect(nowait=True)
                settle(replies + [failure] * (count - len(replies)))
            at = len(owed)
        finally:
            if at < len(owed):  # cancelled mid-read: a half-read reply must not be the next one's
                await line.conn.disconnect(nowait=True)
                lost = self._lost(asyncio.CancelledError())
                for count, settle in owed[at:]:
                    settle([lost] * count)

    def _lost(self, exc: BaseException) -> Exception:
        lost: Exception = self._errors.ConnectionError(f"{type(exc).__name__} reading deferred replies")
        return lost

    async def aclose(self) -> None:
        """Read this loop's owed replies, then close its connection."""
        await self.catch_up()
        try:
            line = self._lines.pop(asyncio.get_running_loop(), None)
        except RuntimeError:
            return
        if line is not None:
            await line.conn.disconnect()
