"""``batch``: several state operations in one Redis pipeline, answered as the methods would answer
them one by one; a routed call on the plainest route costs the state one round trip."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis
import redis.asyncio

from llmkit.errors import ConfigurationError, StateBackendError
from llmkit.router import AsyncRouter, Router
from llmkit.router.redis_state import AsyncRedisState, RedisState
from llmkit.router.state import InMemoryState
from llmkit.types import Completion, FinishReason, Message, Usage

NOW = 1_800_000_000.0

OPS: list[tuple[str, tuple[Any, ...]]] = [
    ("incr_window", ("w", 2, 60.0, NOW)),
    ("try_acquire", ("w", 3, 60.0, NOW, 1)),
    ("try_acquire", ("w", 3, 60.0, NOW, 1)),
    ("get_window", ("w", 60.0, NOW)),
    ("set_cooldown", ("c", NOW + 30)),
    ("cooldown_until", ("c", NOW)),
    ("record_failure", ("c", 60.0, NOW)),
    ("clear_cooldown", ("c",)),
    ("cooldown_until", ("c", NOW)),
    ("ewma", ("e", 2.0, 0.5)),
    ("ewma", ("e", None, 0.5)),
    ("add_inflight", ("b", 2)),
    ("add_inflight", ("b", -5)),
]


def _one_by_one(state: Any) -> list[Any]:
    return [getattr(state, method)(*args) for method, args in OPS]


def test_a_batch_answers_as_the_methods_do(redis_url: str, prefix: str) -> None:
    expected = _one_by_one(InMemoryState())
    assert expected[:4] == [2, True, False, 3]
    assert RedisState(redis_url, prefix=prefix + "a").batch(OPS) == expected
    assert _one_by_one(RedisState(redis_url, prefix=prefix + "b")) == expected

    async def go() -> list[Any]:
        state = AsyncRedisState(redis_url, prefix=prefix + "c")
        try:
            return await state.batch(OPS)
        finally:
            await state.aclose()

    assert asyncio.run(go()) == expected


def test_a_lost_script_cache_is_refilled(private_redis_url: str, prefix: str, private_rdb: Any) -> None:
    state = RedisState(private_redis_url, prefix=prefix)
    private_rdb.script_flush()
    assert state.batch([("get_window", ("k", 60.0, NOW)), ("incr_window", ("k", 4, 60.0, NOW))]) == [0, 4]
    private_rdb.script_flush()
    assert state.incr_window("k", 1, 60.0, NOW) == 5

    async def go() -> list[Any]:
        a = AsyncRedisState(private_redis_url, prefix=prefix)
        try:
            private_rdb.script_flush()
            first = await a.add_inflight("b", 1)
            private_rdb.script_flush()
            return [first, *(await a.batch([("add_inflight", ("b", 1)), ("get_window", ("k", 60.0, NOW))]))]
        finally:
            await a.aclose()

    assert asyncio.run(go()) == [1, 2, 5]


def test_a_batch_refuses_what_is_not_an_operation_and_types_failures() -> None:
    state = RedisState("redis://:hunter2-secret-pw@127.0.0.1:1/0", socket_timeout=0.5)
    with pytest.raises(ConfigurationError, match="'close' is not a state backend operation"):
        state.batch([("close", ())])
    with pytest.raises(ConfigurationError, match="state key"):
        state.batch([("get_window", ("", 60.0, NOW))])
    with pytest.raises(StateBackendError, match="running 2 state operations") as info:
        state.batch([("get_window", ("k", 60.0, NOW)), ("cooldown_until", ("k", NOW))])
    assert "hunter2" not in str(info.value) and info.value.__cause__ is None


class _Counting:
    """A redis.Redis whose round trips are counted (a command, or a pipeline's execute)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.trips = 0

    def execute_command(self, *args: Any) -> Any:
        self.trips += 1
        return self.client.execute_command(*args)

    def pipeline(self, transaction: bool = True) -> Any:
        pipe = self.client.pipeline(transaction=transaction)
        execute = pipe.execute

        def counted(raise_on_error: bool = True) -> Any:
            self.trips += 1
            return execute(raise_on_error=raise_on_error)

        pipe.execute = counted
        return pipe

    def script_load(self, script: str) -> Any:
        self.trips += 1
        return self.client.script_load(script)

    def evalsha(self, sha: str, numkeys: int, *args: Any) -> Any:
        self.trips += 1
        return self.client.evalsha(sha, numkeys, *args)

    def get_encoder(self) -> Any:
        return self.client.get_encoder()

    def register_script(self, script: str) -> Any:
        return redis.commands.core.Script(self, script)  # its calls go through evalsha above


class _Stub:
    def __init__(self) -> None:
        self.answer = Completion(
            message=Message(role="assistant", content="hi"),
            finish_reason=FinishReason.STOP,
            usage=Usage(1, 1, 2),
            model="m",
            provider="openai",
        )

    def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:
        return self.answer

    def close(self) -> None:
        pass


MODEL_LIST = [
    {"model_name": "chat", "model": f"openai/m{i}", "api_key": "k", "base_url": "http://127.0.0.1:9/v1"}
    for i in range(3)
]


def test_a_plain_routed_call_is_one_round_trip(redis_url: str, prefix: str) -> None:
    client = _Counting(redis.Redis.from_url(redis_url))
    state = RedisState(client=client, prefix=prefix)
    router = Router(MODEL_LIST, state=state, seed=1)
    router._clients = dict.fromkeys(router._clients, _Stub())  # type: ignore[assignment]
    router.complete("chat", "hi")  # the first call may load the scripts
    before = client.trips
    for _ in range(5):
        assert router.complete("chat", "hi").route.deployment in ("chat#0", "chat#1", "chat#2")
    assert client.trips - before == 5
    assert router.state()["budget"]["calls"] == 6
    client.client.close()


def test_an_async_routed_call_batches_its_reads(redis_url: str, prefix: str) -> None:
    class AsyncStub(_Stub):
        async def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:  # type: ignore[override]
            return self.answer

    async def go() -> tuple[Any, dict[str, Any]]:
        state = AsyncRedisState(prefix=prefix, async_client=redis.asyncio.Redis.from_url(redis_url))
        router = AsyncRouter(MODEL_LIST, state=state, seed=1, routing_strategy="least-busy")
        router._clients = dict.fromkeys(router._clients, AsyncStub())  # type: ignore[assignment]
        try:
            done = await router.complete("chat", "hi")
            return done.route.deployment, await router.state()
        finally:
            await state.redis.async_().aclose()

    deployment, health = asyncio.run(go())
    assert deployment in ("chat#0", "chat#1", "chat#2")
    assert health["budget"]["calls"] == 1
    assert all(d["in_flight"] == 0 for d in health["deployments"].values())
