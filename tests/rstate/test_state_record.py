"""``record``: what a routed call's answer changes is written to Redis at once but not waited
for (its replies are read, and checked, before the connection's next command), so the call
waits for one round trip; the update is visible to other clients as soon as the call returns,
an error reply is logged and counted, and a connection killed with replies owed recovers."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
import redis
import redis.asyncio

from llmkit.router import AsyncRouter, Router
from llmkit.router._redis_wire import HeldLines
from llmkit.router.redis_state import AsyncRedisState, RedisState
from llmkit.types import Completion, FinishReason, Message, Usage

MODEL_LIST = [
    {"model_name": "chat", "model": f"openai/m{i}", "api_key": "k", "base_url": "http://127.0.0.1:9/v1"}
    for i in range(3)
]
ANSWER = Completion(
    message=Message(role="assistant", content="hi"),
    finish_reason=FinishReason.STOP,
    usage=Usage(1, 1, 2),
    model="m",
    provider="openai",
)


class _Stub:
    def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:
        return ANSWER

    def close(self) -> None:
        pass


class _AsyncStub:
    async def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:
        return ANSWER

    async def aclose(self) -> None:
        pass


def _name(state: Any, kind: str, key: str) -> str:
    return str(state.keys.name(kind, key))


def _router(cls: Any, state: Any, strategy: str, stub: Any) -> Any:
    router = cls(MODEL_LIST, state=state, seed=1, routing_strategy=strategy, clock=time.time)
    router._clients = dict.fromkeys(router._clients, stub)
    return router


def _waits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The exchanges the sync backend waits for (a write and its replies read)."""
    counted: list[int] = []
    original = HeldLines._replies

    def replies(self: HeldLines, line: Any, data: bytes, count: int) -> list[Any]:
        counted.append(count)
        return original(self, line, data, count)

    monkeypatch.setattr(HeldLines, "_replies", replies)
    return counted


@pytest.mark.parametrize("strategy", ["least-busy", "latency-based-routing"])
def test_a_recorded_answer_is_seen_at_once_and_not_waited_for(
    redis_url: str, prefix: str, rdb: Any, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = RedisState(redis_url, prefix=prefix)
    router = _router(Router, state, strategy, _Stub())
    try:
        router.complete("chat", "hi")  # connects and loads the scripts
        waits = _waits(monkeypatch)
        for _ in range(5):
            dep = router.complete("chat", "hi").route.deployment
            keys = router._policy.keys[dep]
            # Another client sees the answer's update the moment the call returns.
            if strategy == "least-busy":
                assert rdb.get(_name(state, "busy", keys.busy)) == b"0"
            else:
                assert rdb.get(_name(state, "ewma", keys.latency)) is not None
        assert waits == [1] * 5  # each call waited for its pick only
        assert router.state()["failed_records"] == 0
    finally:
        state.close()


def test_a_recorded_error_reply_is_logged_and_counted(
    redis_url: str, prefix: str, rdb: Any, caplog: pytest.LogCaptureFixture
) -> None:
    state = RedisState(redis_url, prefix=prefix)
    try:
        assert state.add_inflight("b", 1) == 1
        rdb.set(_name(state, "busy", "b"), "not a number")
        state.record([("add_inflight", ("b", -1)), ("incr_window", ("w", 2, 60.0, time.time()))])
        assert state.failed_records == 0  # not read yet
        with caplog.at_level(logging.WARNING, logger="llmkit.router"):
            assert state.get_window("w", 60.0, time.time()) == 2  # the next command reads it first
        assert state.failed_records == 1
        (message,) = [r.getMessage() for r in caplog.records if r.name == "llmkit.router"]
        assert "counting in-flight calls" in message and "ResponseError" in message
        assert "not a number" not in message  # the reply's text is not quoted
    finally:
        state.close()


def test_a_record_read_at_close_is_checked(redis_url: str, prefix: str, rdb: Any) -> None:
    state = RedisState(redis_url, prefix=prefix)
    state.add_inflight("b", 1)
    rdb.set(_name(state, "busy", "b"), "x")
    state.record([("add_inflight", ("b", -1))])
    state.close()
    assert state.failed_records == 1


def _held_address(state: RedisState) -> str:
    sock = state._held._local.line.conn._sock  # type: ignore[union-attr]
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def _until(check: Any) -> None:
    for _ in range(200):
        if check():
            return
        time.sleep(0.01)
    raise AssertionError("the server never showed the update")


def test_a_connection_killed_with_replies_owed_recovers(redis_url: str, prefix: str, rdb: Any) -> None:
    state = RedisState(redis_url, prefix=prefix)
    try:
        state.add_inflight("b", 1)
        state.record([("add_inflight", ("b", 4))])
        _until(lambda: rdb.get(_name(state, "busy", "b")) == b"5")  # the server ran it
        rdb.client_kill(_held_address(state))
        # The next command reads (or loses) the owed reply, then runs on a new connection.
        assert state.add_inflight("b", 0) == 5
        assert state.failed_records in (0, 1)  # read before the close was seen, or lost with it
        state.record([("add_inflight", ("b", -5))])
        assert state.add_inflight("b", 0) == 0
    finally:
        state.close()


def test_records_without_a_command_between_do_not_pile_up(redis_url: str, prefix: str) -> None:
    state = RedisState(redis_url, prefix=prefix)
    try:
        for _ in range(200):
            state.record([("add_inflight", ("b", 1))])
        assert len(state._held._local.line.owed) <= 64  # type: ignore[union-attr]
        assert state.add_inflight("b", 0) == 200
        assert state.failed_records == 0
    finally:
        state.close()


def test_a_lost_script_cache_is_refilled_for_a_record(
    private_redis_url: str, prefix: str, private_rdb: Any
) -> None:
    state = RedisState(private_redis_url, prefix=prefix)
    try:
        state.record([("add_inflight", ("b", 3))])  # the first record loads the scripts
        state.get_window("w", 60.0, time.time())
        private_rdb.script_flush()
        state.record([("add_inflight", ("b", -1))])  # NOSCRIPT: sent again with its script
        state.get_window("w", 60.0, time.time())  # reads the NOSCRIPT reply
        state.record([("add_inflight", ("b", -1))])  # sends the lost one first
        assert state.add_inflight("b", 0) == 1
        assert state.failed_records == 0
    finally:
        state.close()


def test_a_client_passed_in_records_as_a_batch(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    state = RedisState(client=client, prefix=prefix)
    state.record([("add_inflight", ("b", 2))])
    assert state.add_inflight("b", 0) == 2
    client.close()


# The async backend: records on a connection per loop of its own.


@pytest.mark.parametrize("strategy", ["least-busy", "latency-based-routing"])
def test_an_async_recorded_answer_is_seen_at_once(redis_url: str, prefix: str, strategy: str) -> None:
    async def go() -> None:
        state = AsyncRedisState(redis_url, prefix=prefix)
        other = redis.asyncio.Redis.from_url(redis_url)
        router = _router(AsyncRouter, state, strategy, _AsyncStub())
        try:
            for _ in range(5):
                dep = (await router.complete("chat", "hi")).route.deployment
                keys = router._policy.keys[dep]
                if strategy == "least-busy":
                    assert await other.get(_name(state, "busy", keys.busy)) == b"0"
                else:
                    assert await other.get(_name(state, "ewma", keys.latency)) is not None
            assert (await router.state())["failed_records"] == 0
        finally:
            await other.aclose()
            await state.aclose()

    asyncio.run(go())


def test_an_async_recorded_error_is_counted_and_a_killed_connection_recovers(
    redis_url: str, prefix: str, rdb: Any
) -> None:
    async def go() -> AsyncRedisState:
        state = AsyncRedisState(redis_url, prefix=prefix)
        try:
            await state.add_inflight("b", 1)
            rdb.set(_name(state, "busy", "b"), "x")
            await state.record([("add_inflight", ("b", -1))])
            rdb.set(_name(state, "busy", "b"), "1")
            await state.record([("add_inflight", ("b", 2))])  # reads the error reply first
            assert state.failed_records == 1
            _until(lambda: rdb.get(_name(state, "busy", "b")) == b"3")
            line = state._records._lines[asyncio.get_running_loop()]  # type: ignore[union-attr]
            host, port = line.conn._writer.get_extra_info("sockname")[:2]
            rdb.client_kill(f"{host}:{port}")
            await asyncio.sleep(0.05)  # the loop sees the close
            await state.record([("add_inflight", ("b", -3))])  # on a new connection
            await state.record([("add_inflight", ("b", 0))])
            assert await state.add_inflight("b", 0) == 0
            assert state.failed_records in (1, 2)  # the killed line's reply read, or lost with it
        finally:
            await state.aclose()
        return state

    asyncio.run(go())


def _replies() -> list[tuple[bytes, int]]:
    """Pick replies of every shape the script gives: with and without skipped candidates."""
    out = []
    for size in (1, 2, 3):
        for count in (-1, 0, 7, 12345):
            for chosen in range(size + 1):
                for half, granted in (("0", "0"), ("1", "0"), ("0", "2")):
                    tried = " ".join(str(i) for i in range(1, (chosen or size) + 1))
                    text = f"{count}\n{chosen}\n{half} {granted}\n{tried}"
                    out.append((text.encode(), size))
                    if chosen != 1:
                        out.append((f"{text}\n1 cooling 1800000000.5".encode(), size))
                        out.append((f"{text}\n1 rpm".encode(), size))
    return out


def test_a_remembered_pick_answer_is_the_parsed_one() -> None:
    from llmkit.router import _redis_pick

    _redis_pick._PLAIN.clear()
    for reply, size in _replies() * 2:  # the second time from what was remembered
        assert _redis_pick.read_answer(reply, size) == _redis_pick._read(reply, size), reply
    assert _redis_pick._PLAIN  # some were remembered
    assert all(key[0].count(b"\n") == 2 for key in _redis_pick._PLAIN)  # none with a skip


def test_a_record_packed_once_is_what_packing_it_gives(redis_url: str, prefix: str) -> None:
    from llmkit.errors import ConfigurationError
    from llmkit.router._redis_wire import pack
    from llmkit.router.redis_state import _wire

    state = RedisState(redis_url, prefix=prefix)
    state._loaded = True  # (the first record also loads the scripts: not this test's subject)
    try:
        for ops in ([("add_inflight", ("b", -1))], [("clear_cooldown", ("c",))], [("ewma", ("e", 0.5, 0.3))]):
            for _ in range(3):  # first packed, then (the steady ones) remembered
                commands, data = state._recorded(ops)
                assert commands == state._commands(ops)
                assert data == b"".join(pack(_wire(command)) for command in state._commands(ops))
        assert len(state._steady) == 2
        with pytest.raises(ConfigurationError, match="state key"):
            state.record([("add_inflight", (["b"], 1))])
    finally:
        state.close()
