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
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from llmkit.cache._policy import check_namespace
from llmkit.cache._redis import RedisConnection, check_prefix, require
from llmkit.errors import ConfigurationError, StateBackendError
from llmkit.router._redis_async_lines import AsyncRecordLines
from llmkit.router._redis_pick import PICK_SCRIPT, PICK_SHA, pick_words, read_answer
from llmkit.router._redis_scripts import SCRIPTS as _SCRIPTS
from llmkit.router._redis_scripts import SHAS as _SHAS
from llmkit.router._redis_wire import HeldLines, pack
from llmkit.router.state import OPERATIONS, PickAnswer, PickRequest, window_slot

__all__ = ["AsyncRedisState", "RedisState"]

log = logging.getLogger("llmkit.router")

# How long an average or an in-flight count is kept without a write, by default (seconds).
IDLE_TTL = 600.0
# A cooldown given in a clock that is not the wall clock (a monotonic one) cannot be turned into
# an expiry: such keys are dropped after this long (their value still says when they end).
_FALLBACK_TTL_MS = 86_400_000


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _nothing(_: Any) -> None:
    return None


class _Command(NamedTuple):
    """One state operation as Redis runs it: a script (by name) with its key and arguments, or
    a plain command; ``decode`` turns the reply into the method's answer."""

    script: str | None
    parts: tuple[Any, ...]
    decode: Callable[[Any], Any]
    doing: str  # for the error, as "Redis at ... failed while {doing}"


class _Commands:
    """Key names and the command of each ``StateBackend`` method, shared by both backends."""

    def __init__(self, prefix: str, namespace: str, idle_ttl: float) -> None:
        self.base = f"{check_prefix(prefix, 'prefix=')}:state:{namespace}:"
        if isinstance(idle_ttl, bool) or not isinstance(idle_ttl, (int, float)) or idle_ttl <= 0:
            raise ConfigurationError(f"idle_ttl must be a positive number of seconds, not {idle_ttl!r}")
        self.idle_ms = _ms(idle_ttl)

    def name(self, kind: str, key: str) -> str:
        if type(key) is not str or not key:
            raise ConfigurationError(f"a state key must be a non-empty string, not {key!r}")
        return self.base + kind + ":" + key

    @staticmethod
    def window(window_s: float, now: float) -> tuple[str, int]:
        # The key lives through its window and one more, so a late reader still finds it.
        return str(window_slot(window_s, now)), _ms(2 * window_s) if window_s > 0 else _FALLBACK_TTL_MS

    @staticmethod
    def cooldown_ms(until: float) -> int:
        left = until - time.time()
        return _ms(left) + 1000 if 0 < left < 86_400 else _FALLBACK_TTL_MS

    def incr_window(self, key: str, amount: int, window_s: float, now: float) -> _Command:
        slot, ttl = self.window(window_s, now)
        return _Command("incr", (self.name("win", key), slot, amount, ttl), int, "counting a window")

    def get_window(self, key: str, window_s: float, now: float) -> _Command:
        slot, _ = self.window(window_s, now)

        def count(reply: Any) -> int:
            s, n = reply
            return int(n) if s is not None and s.decode() == slot and n is not None else 0

        return _Command(None, ("HMGET", self.name("win", key), "s", "n"), count, "reading a window")

    def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> _Command:
        slot, ttl = self.window(window_s, now)
        parts = (self.name("win", key), slot, amount, ttl, limit)
        return _Command("acquire", parts, bool, "acquiring from a window")

    def set_cooldown(self, key: str, until: float) -> _Command:
        parts = ("SET", self.name("cool", key), repr(float(until)), "PX", self.cooldown_ms(until))
        return _Command(None, parts, _nothing, "setting a cooldown")

    def cooldown_until(self, key: str, now: float) -> _Command:
        def until(reply: Any) -> float | None:
            value = _float(reply)
            return value if value is not None and value > now else None

        return _Command(None, ("GET", self.name("cool", key)), until, "reading a cooldown")

    def clear_cooldown(self, key: str) -> _Command:
        parts = ("DEL", self.name("cool", key), self.name("fail", key))
        return _Command(None, parts, _nothing, "clearing a cooldown")

    def record_failure(self, key: str, window_s: float, now: float) -> _Command:
        slot, ttl = self.window(window_s, now)
        return _Command("incr", (self.name("fail", key), slot, 1, ttl), int, "counting a failure")

    def ewma(self, key: str, sample: float | None, alpha: float) -> _Command:
        name = self.name("ewma", key)
        if sample is None:
            return _Command(None, ("GET", name), _float, "reading an average")
        parts = (name, repr(float(sample)), repr(float(alpha)), self.idle_ms)
        return _Command("ewma", parts, float, "updating an average")

    def add_inflight(self, key: str, delta: int) -> _Command:
        parts = (self.name("busy", key), int(delta), self.idle_ms)
        return _Command("inflight", parts, int, "counting in-flight calls")


def _wire(command: _Command) -> tuple[Any, ...]:
    """The command's words as sent: a script by its SHA, with its one key."""
    if command.script is None:
        return command.parts
    return ("EVALSHA", _SHAS[command.script], 1, *command.parts)


# Operations whose command depends only on their arguments (not on the clock), and whose
# arguments repeat call after call: a record of one of them is packed once (``_recorded``).
_STEADY = frozenset({"add_inflight", "clear_cooldown"})


def _steady_key(ops: Sequence[Any]) -> Any:
    """The one operation of a record, when its command is packed once (else None)."""
    if len(ops) != 1 or type(ops[0]) is not tuple or not ops[0] or ops[0][0] not in _STEADY:
        return None
    try:
        hash(ops[0])
    except TypeError:  # arguments a key cannot be made of: ``_commands`` says what is wrong
        return None
    return ops[0]


# What loads the scripts a record may run, ahead of it (each reply a SHA, read and passed over).
_LOADS = tuple(
    _Command(None, ("SCRIPT", "LOAD", text), _nothing, "loading a script") for text in _SCRIPTS.values()
)


def _no_script(reply: Any) -> bool:
    # The server lost its script cache (a restart, SCRIPT FLUSH): the script did not run.
    return isinstance(reply, require().exceptions.NoScriptError)


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
