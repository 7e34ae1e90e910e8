"""The router's shared state in Redis, so N processes share rpm/tpm limits and cooldowns.

``RedisState`` (sync, redis-py) and ``AsyncRedisState`` (``redis.asyncio``) implement
``llmkit.router.state.StateBackend`` / ``AsyncStateBackend``. Every read-modify-write is one Lua
script, which Redis runs atomically, so two processes racing for the last request of a window
cannot both get it. Every key has a TTL (refreshed when written): a window's key outlives its
window by one window, a cooldown's its end, an average or an in-flight count ``idle_ttl``
seconds without a write (so a process that dies mid-call leaks its in-flight count only that
long). Keys are ``{prefix}:state:{namespace}:{kind}:{key}``.

Times are the router's ``now``: processes that share one Redis must share one clock, the wall
clock (``time.time``), since each process's monotonic clock starts at its own zero.
"""

from __future__ import annotations

import math
import time
import weakref
from typing import Any

from llmkit.cache._policy import check_namespace
from llmkit.cache._redis import RedisConnection, check_prefix
from llmkit.errors import ConfigurationError, StateBackendError
from llmkit.router.state import window_slot

__all__ = ["AsyncRedisState", "RedisState"]

# A fixed window as a hash {s: slot, n: count}: a new slot resets the count. One key per counter,
# whatever the number of windows it has seen.
_INCR_WINDOW = """
local s = redis.call('HGET', KEYS[1], 's')
if s ~= ARGV[1] then redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', 0) end
local n = redis.call('HINCRBY', KEYS[1], 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return n
"""

_TRY_ACQUIRE = """
local s = redis.call('HGET', KEYS[1], 's')
local n = 0
if s == ARGV[1] then n = tonumber(redis.call('HGET', KEYS[1], 'n')) end
if n + tonumber(ARGV[2]) > tonumber(ARGV[4]) then return 0 end
if s ~= ARGV[1] then redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', 0) end
redis.call('HINCRBY', KEYS[1], 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# Lua numbers reach Redis as integers: the average goes back as a string of 17 digits.
_EWMA = """
local old = redis.call('GET', KEYS[1])
local x = tonumber(ARGV[1])
local v = x
if old then v = tonumber(ARGV[2]) * x + (1 - tonumber(ARGV[2])) * tonumber(old) end
local text = string.format('%.17g', v)
redis.call('SET', KEYS[1], text, 'PX', ARGV[3])
return text
"""

_ADD_INFLIGHT = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v < 0 then v = 0; redis.call('SET', KEYS[1], 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v
"""

# How long an average or an in-flight count is kept without a write, by default (seconds).
IDLE_TTL = 600.0
# A cooldown given in a clock that is not the wall clock (a monotonic one) cannot be turned into
# an expiry: such keys are dropped after this long (their value still says when they end).
_FALLBACK_TTL_MS = 86_400_000


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


class _Keys:
    """Key names and argument lists, shared by the sync and the async backend."""

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


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


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
        self.keys = _Keys(prefix, namespace, idle_ttl)
        self.redis = RedisConnection(
            url, client=client, async_client=async_client, socket_timeout=socket_timeout
        )
        # Per client (the async backend has one per event loop), dropped with it.
        self._scripts: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.redis.where!r}, keys={self.keys.base + '*'!r})"

    def _script(self, client: Any, name: str) -> Any:
        # register_script keeps the SHA and falls back to EVAL when the server lost its cache.
        per = self._scripts.get(client)
        if per is None:
            per = self._scripts[client] = {
                "incr": client.register_script(_INCR_WINDOW),
                "acquire": client.register_script(_TRY_ACQUIRE),
                "ewma": client.register_script(_EWMA),
                "inflight": client.register_script(_ADD_INFLIGHT),
            }
        return per[name]

    def _failed(self, exc: Exception, doing: str) -> StateBackendError:
        if isinstance(exc, (ConfigurationError, StateBackendError)):
            return exc  # type: ignore[return-value]
        return self.redis.failed(exc, doing)


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

    def _run(self, name: str, key: str, args: list[Any], doing: str) -> Any:
        try:
            client = self.redis.sync()
            return self._script(client, name)(keys=[key], args=args)
        except Exception as exc:
            raise self._failed(exc, doing) from None

    def _call(self, doing: str, method: str, *args: Any) -> Any:
        try:
            return getattr(self.redis.sync(), method)(*args)
        except Exception as exc:
            raise self._failed(exc, doing) from None

    def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int:
        slot, ttl = self.keys.window(window_s, now)
        return int(self._run("incr", self.keys.name("win", key), [slot, amount, ttl], "counting a window"))

    def get_window(self, key: str, window_s: float, now: float) -> int:
        slot, _ = self.keys.window(window_s, now)
        s, n = self._call("reading a window", "hmget", self.keys.name("win", key), "s", "n")
        return int(n) if s is not None and s.decode() == slot and n is not None else 0

    def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> bool:
        slot, ttl = self.keys.window(window_s, now)
        args = [slot, amount, ttl, limit]
        return bool(self._run("acquire", self.keys.name("win", key), args, "acquiring from a window"))

    def set_cooldown(self, key: str, until: float) -> None:
        name = self.keys.name("cool", key)
        self._call("setting a cooldown", "set", name, repr(float(until)), None, self.keys.cooldown_ms(until))

    def cooldown_until(self, key: str, now: float) -> float | None:
        until = _float(self._call("reading a cooldown", "get", self.keys.name("cool", key)))
        return until if until is not None and until > now else None

    def clear_cooldown(self, key: str) -> None:
        self._call("clearing a cooldown", "delete", self.keys.name("cool", key), self.keys.name("fail", key))

    def record_failure(self, key: str, window_s: float, now: float) -> int:
        slot, ttl = self.keys.window(window_s, now)
        return int(self._run("incr", self.keys.name("fail", key), [slot, 1, ttl], "counting a failure"))

    def ewma(self, key: str, sample: float | None, alpha: float) -> float | None:
        name = self.keys.name("ewma", key)
        if sample is None:
            return _float(self._call("reading an average", "get", name))
        return float(
            self._run(
                "ewma",
                name,
                [repr(float(sample)), repr(float(alpha)), self.keys.idle_ms],
                "updating an average",
            )
        )

    def add_inflight(self, key: str, delta: int) -> int:
        name = self.keys.name("busy", key)
        return int(self._run("inflight", name, [int(delta), self.keys.idle_ms], "counting in-flight calls"))

    def close(self) -> None:
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

    async def _run(self, name: str, key: str, args: list[Any], doing: str) -> Any:
        try:
            client = self.redis.async_()
            return await self._script(client, name)(keys=[key], args=args)
        except Exception as exc:
            raise self._failed(exc, doing) from None

    async def _call(self, doing: str, method: str, *args: Any) -> Any:
        try:
            return await getattr(self.redis.async_(), method)(*args)
        except Exception as exc:
            raise self._failed(exc, doing) from None

    async def incr_window(self, key: str, amount: int, window_s: float, now: float) -> int:
        slot, ttl = self.keys.window(window_s, now)
        return int(
            await self._run("incr", self.keys.name("win", key), [slot, amount, ttl], "counting a window")
        )

    async def get_window(self, key: str, window_s: float, now: float) -> int:
        slot, _ = self.keys.window(window_s, now)
        s, n = await self._call("reading a window", "hmget", self.keys.name("win", key), "s", "n")
        return int(n) if s is not None and s.decode() == slot and n is not None else 0

    async def try_acquire(self, key: str, limit: int, window_s: float, now: float, amount: int = 1) -> bool:
        slot, ttl = self.keys.window(window_s, now)
        args = [slot, amount, ttl, limit]
        return bool(await self._run("acquire", self.keys.name("win", key), args, "acquiring from a window"))

    async def set_cooldown(self, key: str, until: float) -> None:
        name = self.keys.name("cool", key)
        await self._call(
            "setting a cooldown", "set", name, repr(float(until)), None, self.keys.cooldown_ms(until)
        )

    async def cooldown_until(self, key: str, now: float) -> float | None:
        until = _float(await self._call("reading a cooldown", "get", self.keys.name("cool", key)))
        return until if until is not None and until > now else None

    async def clear_cooldown(self, key: str) -> None:
        await self._call(
            "clearing a cooldown", "delete", self.keys.name("cool", key), self.keys.name("fail", key)
        )

    async def record_failure(self, key: str, window_s: float, now: float) -> int:
        slot, ttl = self.keys.window(window_s, now)
        return int(await self._run("incr", self.keys.name("fail", key), [slot, 1, ttl], "counting a failure"))

    async def ewma(self, key: str, sample: float | None, alpha: float) -> float | None:
        name = self.keys.name("ewma", key)
        if sample is None:
            return _float(await self._call("reading an average", "get", name))
        args = [repr(float(sample)), repr(float(alpha)), self.keys.idle_ms]
        return float(await self._run("ewma", name, args, "updating an average"))

    async def add_inflight(self, key: str, delta: int) -> int:
        name = self.keys.name("busy", key)
        return int(
            await self._run("inflight", name, [int(delta), self.keys.idle_ms], "counting in-flight calls")
        )

    async def aclose(self) -> None:
        await self.redis.aclose()
