"""The router's state backends hold to one contract: the in-process one, RedisState and
AsyncRedisState (the latter driven through a small sync adapter), against a real redis-server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from llmkit.errors import ConfigurationError, StateBackendError
from llmkit.router.redis_state import AsyncRedisState, RedisState
from llmkit.router.state import AsyncStateBackend, InMemoryState, StateBackend


class _Synced:
    """An AsyncStateBackend's methods run to completion on one private event loop."""

    def __init__(self, backend: AsyncRedisState) -> None:
        self.backend = backend
        self.loop = asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.backend, name)
        return lambda *a, **k: self.loop.run_until_complete(method(*a, **k))

    def close(self) -> None:
        self.loop.run_until_complete(self.backend.aclose())
        self.loop.close()


@pytest.fixture(params=["memory", "redis", "redis-async"])
def state(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "memory":
        yield InMemoryState()
        return
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("prefix")
    if request.param == "redis":
        s = RedisState(url, prefix=prefix)
        yield s
        s.close()
    else:
        a = _Synced(AsyncRedisState(url, prefix=prefix))
        yield a
        a.close()


NOW = 1_800_000_000.0  # a wall-clock time, as processes sharing a Redis must use; a multiple of 60


def test_window_counts_reset_with_the_window(state: Any) -> None:
    assert state.get_window("d", 60, NOW) == 0
    assert state.incr_window("d", 1, 60, NOW) == 1
    assert state.incr_window("d", 250, 60, NOW + 1) == 251
    assert state.get_window("d", 60, NOW + 59) == 251  # NOW starts a window: the same one
    assert state.get_window("d", 60, NOW + 60) == 0
    assert state.incr_window("d", 2, 60, NOW + 60) == 2


def test_try_acquire_is_check_and_add(state: Any) -> None:
    got = [state.try_acquire("rpm", 3, 60, NOW) for _ in range(5)]
    assert got == [True, True, True, False, False]
    assert state.get_window("rpm", 60, NOW) == 3
    assert state.try_acquire("tpm", 100, 60, NOW, amount=80)
    assert not state.try_acquire("tpm", 100, 60, NOW, amount=30)  # would pass the limit: nothing added
    assert state.try_acquire("tpm", 100, 60, NOW, amount=20)
    assert state.get_window("tpm", 60, NOW) == 100
    assert state.try_acquire("rpm", 3, 60, NOW + 60)  # the next window starts empty


def test_cooldowns_and_failures(state: Any) -> None:
    assert state.cooldown_until("d", NOW) is None
    state.set_cooldown("d", NOW + 30)
    assert state.cooldown_until("d", NOW) == NOW + 30
    assert state.cooldown_until("d", NOW + 30) is None  # over at its end
    state.set_cooldown("d", NOW + 5)  # a later call replaces it
    assert state.cooldown_until("d", NOW) == NOW + 5
    assert [state.record_failure("d", 60, NOW) for _ in range(3)] == [1, 2, 3]
    assert state.record_failure("d", 60, NOW + 60) == 1  # a new window
    state.clear_cooldown("d")
    assert state.cooldown_until("d", NOW) is None
    assert state.record_failure("d", 60, NOW + 60) == 1  # failures forgotten too


def test_ewma_and_inflight(state: Any) -> None:
    assert state.ewma("lat", None, 0.3) is None
    assert state.ewma("lat", 2.0, 0.3) == 2.0
    assert state.ewma("lat", 1.0, 0.3) == pytest.approx(0.3 * 1.0 + 0.7 * 2.0, rel=1e-12)
    assert state.ewma("lat", None, 0.3) == pytest.approx(1.7, rel=1e-12)
    assert state.add_inflight("b", 1) == 1
    assert state.add_inflight("b", 1) == 2
    assert state.add_inflight("b", -5) == 0  # never below zero
    assert state.add_inflight("b", 1) == 1


def test_redis_backends_implement_the_protocols(redis_url: str, prefix: str) -> None:
    assert isinstance(RedisState(redis_url, prefix=prefix), StateBackend)
    assert isinstance(AsyncRedisState(redis_url, prefix=prefix), AsyncStateBackend)


def test_every_key_has_a_ttl_and_the_prefix(redis_url: str, prefix: str, rdb: Any) -> None:
    s = RedisState(redis_url, prefix=prefix, namespace="ns1", idle_ttl=30)
    now = time.time()
    s.incr_window("a", 1, 60, now)
    s.try_acquire("b", 5, 1, now)
    s.set_cooldown("c", now + 10)
    s.set_cooldown("m", 12345.0)  # a monotonic clock's time: kept a day at most
    s.record_failure("c", 60, now)
    s.ewma("e", 1.5, 0.5)
    s.add_inflight("f", 2)
    keys = sorted(k.decode() for k in rdb.scan_iter(match=f"{prefix}:*"))
    assert keys == sorted(
        f"{prefix}:state:ns1:{k}"
        for k in ("win:a", "win:b", "cool:c", "cool:m", "fail:c", "ewma:e", "busy:f")
    )
    ttls = {k: rdb.pttl(k) for k in keys}
    assert all(t > 0 for t in ttls.values()), ttls
    assert ttls[f"{prefix}:state:ns1:win:a"] <= 120_000
    assert ttls[f"{prefix}:state:ns1:win:b"] <= 2_000
    assert ttls[f"{prefix}:state:ns1:cool:c"] <= 11_000
    assert ttls[f"{prefix}:state:ns1:cool:m"] <= 86_400_000
    assert ttls[f"{prefix}:state:ns1:ewma:e"] <= 30_000
    # Another namespace is another state.
    assert RedisState(redis_url, prefix=prefix, namespace="ns2").get_window("a", 60, now) == 0


def test_an_unreachable_redis_is_a_typed_error_without_its_password() -> None:
    s = RedisState("redis://:hunter2-secret-pw@127.0.0.1:1/0", socket_timeout=0.5)
    with pytest.raises(StateBackendError) as info:
        s.try_acquire("d", 1, 60, NOW)
    text = str(info.value)
    assert "redis://127.0.0.1:1/0" in text and "hunter2" not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__

    async def go() -> None:
        a = AsyncRedisState("redis://:hunter2-secret-pw@127.0.0.1:1/0", socket_timeout=0.5)
        with pytest.raises(StateBackendError) as ainfo:
            await a.cooldown_until("d", NOW)
        assert "hunter2" not in str(ainfo.value)
        await a.aclose()

    asyncio.run(go())


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="prefix"):
        RedisState(prefix="has space")
    with pytest.raises(ConfigurationError, match="namespace"):
        RedisState(namespace="")
    with pytest.raises(ConfigurationError, match="redis://"):
        RedisState("http://127.0.0.1:6379")
    with pytest.raises(ConfigurationError, match="idle_ttl"):
        RedisState(idle_ttl=0)
    with pytest.raises(ConfigurationError, match="state key"):
        RedisState().get_window("", 60, NOW)


def test_the_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLMKIT_REDIS_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://10.0.0.9:6379/2")
    assert RedisState().redis.where == "redis://10.0.0.9:6379/2"
    monkeypatch.setenv("LLMKIT_REDIS_URL", "redis://10.0.0.8:7000/1")
    assert RedisState().redis.where == "redis://10.0.0.8:7000/1"
