"""The router's shared state in Redis, so N processes share rpm/tpm limits and cooldowns.

``RedisState`` (sync, redis-py) and ``AsyncRedisState`` (``redis.asyncio``) implement
``llmkit.router.state.StateBackend`` / ``AsyncStateBackend``. Every read-modify-write is one Lua
script, which Redis runs atomically, so two processes racing for the last request of a window
cannot both get it. ``pick_deployment`` runs a router's whole pick as one script (``_redis_pick``:
one round trip for every candidate's reads and the chosen one's rpm slot, probe, in-flight place
and client retries); ``batch`` sends several operations in one pipeline (one round trip); each
stays atomic, the batch is not. ``record`` writes what a call's answer changes (the in-flight
release, a latency sample, tokens) at once but reads its replies only before the connection's
next command, so a routed call waits for one round trip; an error among those replies is logged
and counted (``failed_records``, shown by ``Router.state()``). Every key has a TTL:
a window's key outlives its window by at least one window (set when the window begins), a
cooldown's its end, an average or an in-flight count ``idle_ttl`` seconds without a write (so a process that
dies mid-call leaks its in-flight count only that long). Keys are
``{prefix}:state:{namespace}:{kind}:{key}``. The sync backend's own client sends on a connection
per thread (``_redis_wire``: redis-py's pool costs more CPU per command than the round trip).

Times are the router's ``now``: processes that share one Redis must share one clock, the wall
clock (``time.time``), since each process's monotonic clock starts at its own zero.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from llmkit.cache._policy import check_namespace
from llmkit.cache._redis import RedisConnection
from llmkit.errors import ConfigurationError, StateBackendError
from llmkit.router._redis_async_lines import AsyncRecordLines
from llmkit.router._redis_commands import LOADS as _LOADS
from llmkit.router._redis_commands import Command as _Command
from llmkit.router._redis_commands import Commands as _Commands
from llmkit.router._redis_commands import no_script as _no_script
from llmkit.router._redis_commands import steady_key as _steady_key
from llmkit.router._redis_commands import wire as _wire
from llmkit.router._redis_pick import PICK_SCRIPT, PICK_SHA, pick_words, read_answer
from llmkit.router._redis_scripts import SCRIPTS as _SCRIPTS
from llmkit.router._redis_wire import HeldLines, pack
from llmkit.router.state import OPERATIONS, PickAnswer, PickRequest

__all__ = ["AsyncRedisState", "RedisState"]

log = logging.getLogger("llmkit.router")

# How long an average or an in-flight count is kept without a write, by default (seconds).
IDLE_TTL = 600.0


class _Base:
    def __init__(
        self,
        url: str | None,
        client: Any,
        async_client: Any,
        prefix: str,
        namespace: str,
        idle_ttl: float,
        socket_timeout: float,
    ) -> None:
        check_namespace(namespace, "namespace=")
        self.keys = _Commands(prefix, namespace, idle_ttl)
        self._segments: dict[Any, Any] = {}  # the pick's arguments that repeat (``pick_words``)
        self.redis = RedisConnection(
            url, client=client, async_client=async_client, socket_timeout=socket_timeout
        )
        # Recorded operations (``record``) whose reply was an error, or lost with its
        # connection: each is logged, and counted here (``Router.state()`` shows the count).
        self.failed_records = 0
        # Recorded script calls the server answered NOSCRIPT (it lost its scripts): sent again,
        # after the scripts, with the next record. The first record loads the scripts too.
        self._again: deque[_Command] = deque()
        self._loaded = False
        # A record that is the same command on every call (least-busy's release), packed once.
        self._steady: dict[Any, tuple[list[_Command], bytes]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.redis.where!r}, keys={self.keys.base + '*'!r})"

    def _failed(self, exc: Exception, doing: str) -> StateBackendError:
        if isinstance(exc, (ConfigurationError, StateBackendError)):
            return exc  # type: ignore[return-value]
        return self.redis.failed(exc, doing)

    def _commands(self, ops: Sequence[tuple[str, tuple[Any, ...]]]) -> list[_Command]:
        commands = []
        for method, args in ops:
            if method not in OPERATIONS:
                raise ConfigurationError(f"{method!r} is not a state backend operation")
            commands.append(getattr(self.keys, method)(*args))
        return commands

    def _settled(self, commands: list[_Command]) -> Callable[[list[Any]], None]:
        """What takes a record's replies when they are read: an error is logged and counted
        (its type and the address only, never a password), a lost script queued to be sent again."""

        def settle(replies: list[Any]) -> None:
            for command, reply in zip(commands, replies, strict=True):
                if not isinstance(reply, Exception):
                    continue
                if command.script is not None and _no_script(reply):
                    self._again.append(command)
                    self._loaded = False
                    continue
                self.failed_records += 1
                log.warning("the router's state lost an update: %s", self._failed(reply, command.doing))

        return settle

    def _recorded(self, ops: Sequence[tuple[str, tuple[Any, ...]]]) -> tuple[list[_Command], bytes]:
        """A record's commands and their bytes: first, when the server may not have them, the
        scripts (they cost the call no wait here) and the calls it answered NOSCRIPT to."""
        key = _steady_key(ops)
        steady = None if key is None else self._steady.get(key)
        if steady is None:
            commands = self._commands(ops)
            data = b"".join([pack(_wire(command)) for command in commands])
            if key is not None:
                if len(self._steady) >= 1024:  # not a router's few deployments: keep it bounded
                    self._steady.clear()
                self._steady[key] = (commands, data)
        else:
            commands, data = steady
        if not self._loaded:
            self._loaded = True
            again = []
            while self._again:
                again.append(self._again.popleft())
            first = [*_LOADS, *again]
            commands = [*first, *commands]
            data = b"".join([pack(_wire(command)) for command in first]) + data
        return commands, data

    def _decoded(self, commands: list[_Command], replies: list[Any]) -> list[Any]:
        out = []
        for command, reply in zip(commands, replies, strict=True):
            if isinstance(reply, Exception):
                raise self._failed(reply, command.doing) from None
            out.append(command.decode(reply))
        return out


class RedisState(_Base):
    """The router's ``StateBackend`` in Redis, for sync routers (redis-py).

    ``url`` (else ``LLMKIT_REDIS_URL``, ``REDIS_URL``, else ``redis://127.0.0.1:6379/0``) or
    ``client=`` (a ``redis.Redis``); ``prefix`` and ``namespace`` name the keys; ``idle_ttl``
    (seconds) is how long an average or an in-flight count stays without a write. A failing
    Redis raises StateBackendError naming its address (never its password).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        prefix: str = "llmkit",
        namespace: str = "router",
        idle_ttl: float = IDLE_TTL,
        socket_timeout: float = 2.0,
    ) -> None:
        super().__init__(url, client, None, prefix, namespace, idle_ttl, socket_timeout)
        self._pick: Any = None  # the pick's Script (its text and SHA; reloaded after a NOSCRIPT)
        # Its own client's commands go on a connection per thread (``_redis_wire``); a client
        # passed in is used through its pool.
        self._own = client is None
        self._held: HeldLines | None = None
        self._made = threading.Lock()

    def _lines(self) -> HeldLines | None:
        if self._held is None and self._own:
            client = self.redis.sync()
            with self._made:  # one set of lines, whichever thread asks first
                if self._held is None:
                    self._held = HeldLines(client.connection_pool)
        return self._held

    def _run(self, words: Sequence[Any]) -> Any:
        held = self._lines()
        return held.one(words) if held is not None else self.redis.sync().execute_command(*words)

    def _send(self, command: _Command) -> Any:
        try:
            return self._run(_wire(command))
        except Exception as exc:
            if command.script is None or not _no_script(exc):
                raise
        self._run(("SCRIPT", "LOAD", _SCRIPTS[command.script]))
        return self._run(_wire(command))

    def _do(self, command: _Command) -> Any:
        try:
            return command.decode(self._send(command))
        except Exception as exc:
            raise self._failed(exc, command.doing) from None

    def batch(self, ops: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """Run ``(method, args)`` operations in one pipeline (one round trip); their answers in
        order, as the methods would give them one by one."""
        commands = self._commands(ops)
        try:
            held = self._lines()
            if held is not None:
                replies = held.many([_wire(command) for command in commands])
            else:
                pipe = self.redis.sync().pipeline(transaction=False)
                for command in commands:
                    pipe.execute_command(*_wire(command))
                replies = pipe.execute(raise_on_error=False)
            for i, reply in enumerate(replies):
                if _no_script(reply):
                    replies[i] = self._send(commands[i])
        except Exception as exc:
            raise self._failed(exc, f"running {len(commands)} state operations") from None
        return self._decoded(commands, replies)

    def record(self, ops: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
        """``batch`` for operations whose answers nobody reads (what a call's answer changes):
        written to this thread's connection at once, so the server runs them now and other
        processes see them, but their replies are read, and checked, before that connection's
        next command instead of being waited for (``HeldLines.defer``). A client passed in
        (``client=``) runs them as a ``batch``."""
        held = self._lines()
        if held is None:
            self.batch(ops)
            return
        commands, data = self._recorded(ops)
        try:
            held.defer(data, len(commands), self._settled(commands))
        except Exception as exc:
            raise self._failed(exc, f"recording {len(ops)} state operations") from None

    def pick_deployment(self, request: PickRequest) -> PickAnswer:
        """``state.pick_deployment`` in one Lua script: one round trip, atomic."""
        try:
            packed = pick_words(self.keys, request, self._segments)
            held = self._lines()
            if held is None:
                client = self.redis.sync()
                if self._pick is None:
                    self._pick = client.register_script(PICK_SCRIPT)
                reply = self._pick([], packed.words(), client=client)
                return read_answer(reply, len(request.candidates))
            data = packed.command(PICK_SHA)
            try:
                reply = held.packed(data)
            except Exception as exc:
                if not _no_script(exc):
                    raise
                held.one(("SCRIPT", "LOAD", PICK_SCRIPT))
                self._loaded = False  # the server lost its scripts: the next record loads them
                reply = held.packed(data)
            return read_answer(reply, len(request.candidates))
        except Exception as exc:
            raise self._failed(exc, "picking a deployment") from None

    def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int:
        return self._do(self.keys.incr_window(key, amount, window_s, now))  # type: ignore[no-any-return]

    def get_window(self, key: str, window_s: float, now: float) -> int:
        return self._do(self.keys.get_window(key, window_s, now))  # type: ignore[no-any-return]

    def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> bool:
        return self._do(self.keys.try_acquire(key, limit, window_s, now, amount))  # type: ignore[no-any-return]

    def set_cooldown(self, key: str, until: float) -> None:
        self._do(self.keys.set_cooldown(key, until))

    def cooldown_until(self, key: str, now: float) -> float | None:
        return self._do(self.keys.cooldown_until(key, now))  # type: ignore[no-any-return]

    def clear_cooldown(self, key: str) -> None:
        self._do(self.keys.clear_cooldown(key))

    def record_failure(self, key: str, window_s: float, now: float) -> int:
        return self._do(self.keys.record_failure(key, window_s, now))  # type: ignore[no-any-return]

    def ewma(self, key: str, sample: float | None, alpha: float) -> float | None:
        return self._do(self.keys.ewma(key, sample, alpha))  # type: ignore[no-any-return]

    def add_inflight(self, key: str, delta: int) -> int:
        return self._do(self.keys.add_inflight(key, delta))  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._held is not None:
            self._held.close()  # reads this thread's recorded replies first
        self.redis.close()


class AsyncRedisState(_Base):
    """``RedisState`` for async routers, on ``redis.asyncio`` (a client per event loop, or
    ``async_client=``); the same keys, so sync and async processes share one state."""

    def __init__(
        self,
        url: str | None = None,
        *,
        async_client: Any = None,
        prefix: str = "llmkit",
        namespace: str = "router",
        idle_ttl: float = IDLE_TTL,
        socket_timeout: float = 2.0,
    ) -> None:
        super().__init__(url, None, async_client, prefix, namespace, idle_ttl, socket_timeout)
        self._pick: Any = None  # the pick's AsyncScript (any loop's client may run it)
        # Records go on a connection per loop of their own client's (``_redis_async_lines``).
        self._records = AsyncRecordLines() if async_client is None else None

    async def _send(self, client: Any, command: _Command) -> Any:
        try:
            return await client.execute_command(*_wire(command))
        except Exception as exc:
            if command.script is None or not _no_script(exc):
                raise
        await client.script_load(_SCRIPTS[command.script])
        return await client.execute_command(*_wire(command))

    async def _do(self, command: _Command) -> Any:
        try:
            return command.decode(await self._send(self.redis.async_(), command))
        except Exception as exc:
            raise self._failed(exc, command.doing) from None

    async def batch(self, ops: Sequence[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """``RedisState.batch``: one pipeline, the answers in order."""
        commands = self._commands(ops)
        try:
            client = self.redis.async_()
            pipe = client.pipeline(transaction=False)
            for command in commands:
                pipe.execute_command(*_wire(command))
            replies = await pipe.execute(raise_on_error=False)
            for i, reply in enumerate(replies):
                if _no_script(reply):
                    replies[i] = await self._send(client, commands[i])
        except Exception as exc:
            raise self._failed(exc, f"running {len(commands)} state operations") from None
        return self._decoded(commands, replies)

    async def record(self, ops: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
        """``RedisState.record``: written at once on this loop's record connection, the replies
        read and checked before its next write, not waited for; through ``batch`` for a client
        passed in (``async_client=``)."""
        if self._records is None:
            await self.batch(ops)
            return
        commands, data = self._recorded(ops)
        try:
            await self._records.defer(self.redis.async_(), data, len(commands), self._settled(commands))
        except Exception as exc:
            raise self._failed(exc, f"recording {len(ops)} state operations") from None

    async def pick_deployment(self, request: PickRequest) -> PickAnswer:
        """``RedisState.pick_deployment``: one Lua script, one round trip."""
        try:
            words = pick_words(self.keys, request, self._segments).words()
            client = self.redis.async_()
            if self._pick is None:
                self._pick = client.register_script(PICK_SCRIPT)
            return read_answer(await self._pick([], words, client=client), len(request.candidates))
        except Exception as exc:
            raise self._failed(exc, "picking a deployment") from None

    async def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int:
        return await self._do(self.keys.incr_window(key, amount, window_s, now))  # type: ignore[no-any-return]

    async def get_window(self, key: str, window_s: float, now: float) -> int:
        return await self._do(self.keys.get_window(key, window_s, now))  # type: ignore[no-any-return]

    async def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> bool:
        command = self.keys.try_acquire(key, limit, window_s, now, amount)
        return await self._do(command)  # type: ignore[no-any-return]

    async def set_cooldown(self, key: str, until: float) -> None:
        await self._do(self.keys.set_cooldown(key, until))

    async def cooldown_until(self, key: str, now: float) -> float | None:
        return await self._do(self.keys.cooldown_until(key, now))  # type: ignore[no-any-return]

    async def clear_cooldown(self, key: str) -> None:
        await self._do(self.keys.clear_cooldown(key))

    async def record_failure(self, key: str, window_s: float, now: float) -> int:
        return await self._do(self.keys.record_failure(key, window_s, now))  # type: ignore[no-any-return]

    async def ewma(self, key: str, sample: float | None, alpha: float) -> float | None:
        return await self._do(self.keys.ewma(key, sample, alpha))  # type: ignore[no-any-return]

    async def add_inflight(self, key: str, delta: int) -> int:
        return await self._do(self.keys.add_inflight(key, delta))  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        if self._records is not None:
            await self._records.aclose()  # reads this loop's recorded replies first
        await self.redis.aclose()
