"""``pick_deployment``: a whole pick in one Lua script. It answers, and leaves the state, as the
same pick composed of the ordinary operations (``state.pick_deployment``) does on the in-process
backend; a routed call costs one round trip per pick and at most one per outcome; a server that
lost its scripts is sent them again."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
import redis
import redis.asyncio

from llmkit.errors import StateBackendError
from llmkit.router import Router
from llmkit.router.redis_state import AsyncRedisState, RedisState
from llmkit.router.state import InMemoryState, PickCandidate, PickRequest, pick_deployment

from .test_state_batch import _Counting, _Stub

NOW = 1_800_000_000.0


def _candidate(i: int, rng: random.Random) -> PickCandidate:
    rpm = rng.choice([None, None, 1, 2, 5])
    tpm = rng.choice([None, None, 0, 100, 1000])
    names = [f"{kind}:d{i}" for kind in ("tripped", "health", "probe", "busy", "latency", "rpm", "tpm")]
    return PickCandidate(*names, rpm=rpm, tpm=tpm)


def _arrange(state: Any, c: PickCandidate, rng: random.Random) -> None:
    """Some state for ``c``, through the ordinary operations (so both backends get the same)."""
    roll = rng.random()
    if roll < 0.2:  # cooling down
        state.set_cooldown(c.health, NOW + rng.choice([1.5, 7.25]))
        state.set_cooldown(c.tripped, NOW + 300)
    elif roll < 0.35:  # half-open; perhaps another call holds the probe
        state.set_cooldown(c.tripped, NOW + 300)
        if rng.random() < 0.5:
            state.try_acquire(c.probe, 1, 5.0, NOW, 1)
    if rng.random() < 0.5:
        state.incr_window(c.rpm_key, rng.randint(0, 5), 60.0, NOW)
    if rng.random() < 0.5:
        state.incr_window(c.tpm_key, rng.randint(0, 1200), 60.0, NOW)
    if rng.random() < 0.6:
        state.add_inflight(c.busy, rng.randint(0, 3))
    if rng.random() < 0.6:
        state.ewma(c.latency, rng.choice([0.25, 0.5, 1.0 / 3.0]), 0.3)


def _after(state: Any, cands: tuple[PickCandidate, ...]) -> list[Any]:
    out = []
    for c in cands:
        out += [state.get_window(c.rpm_key, 60.0, NOW), state.get_window(c.probe, 5.0, NOW)]
        out += [state.add_inflight(c.busy, 0)]
    return [*out, state.get_window("budget:calls", 10.0, NOW), state.get_window("budget:retries", 10.0, NOW)]


@pytest.mark.parametrize("seed", range(40))
def test_the_script_picks_as_the_composed_operations_do(redis_url: str, prefix: str, seed: int) -> None:
    rng = random.Random(seed)
    cands = tuple(_candidate(i, rng) for i in range(rng.randint(1, 5)))
    compare = rng.choice(["", "inflight", "latency", "usage"])
    count = ("budget:calls", 1, 10.0, NOW) if rng.random() < 0.7 else None
    grant = None
    if rng.random() < 0.5:  # client retries for the chosen one, from the retry budget
        grant = ("budget:calls", "budget:retries", rng.randint(1, 4), 0.2, rng.randint(0, 3), 10.0)
    request = PickRequest(cands, NOW, compare, compare == "inflight", 5.0, 60.0, count, grant)
    memory, red = InMemoryState(), RedisState(redis_url, prefix=prefix)
    state_seed = rng.random()
    for state in (memory, red):
        arrange = random.Random(state_seed)
        for c in cands:
            _arrange(state, c, arrange)
        state.incr_window("budget:calls", arrange.randint(0, 30), 10.0, NOW)
        state.incr_window("budget:retries", arrange.randint(0, 6), 10.0, NOW)
    expected = pick_deployment(memory, request)
    assert red.pick_deployment(request) == expected
    assert _after(red, cands) == _after(memory, cands)
    # And again, on the state the first pick left (windows filling up, probes taken).
    assert red.pick_deployment(request) == pick_deployment(memory, request)
    red.close()


def test_the_async_backend_runs_the_same_script(redis_url: str, prefix: str) -> None:
    rng = random.Random(7)
    cands = tuple(_candidate(i, rng) for i in range(4))
    request = PickRequest(cands, NOW, "usage", False, 5.0, 60.0, ("budget:calls", 1, 10.0, NOW))
    memory = InMemoryState()
    sync = RedisState(redis_url, prefix=prefix)
    for state in (memory, sync):
        arrange = random.Random(3)
        for c in cands:
            _arrange(state, c, arrange)

    async def go() -> Any:
        state = AsyncRedisState(prefix=prefix, async_client=redis.asyncio.Redis.from_url(redis_url))
        try:
            return [await state.pick_deployment(request) for _ in range(3)]
        finally:
            await state.redis.async_().aclose()

    assert asyncio.run(go()) == [pick_deployment(memory, request) for _ in range(3)]


def test_a_lost_script_cache_is_sent_the_script_again(
    private_redis_url: str, prefix: str, private_rdb: Any
) -> None:
    state = RedisState(private_redis_url, prefix=prefix)
    cands = (PickCandidate(*(f"{k}:d" for k in "abcdefg"), rpm=2),)
    request = PickRequest(cands, NOW)
    assert state.pick_deployment(request).chosen == 0
    private_rdb.script_flush()
    assert state.pick_deployment(request).chosen == 0
    assert state.pick_deployment(request).outcome == ("rpm",)  # the window's two are taken

    async def go() -> Any:
        a = AsyncRedisState(prefix=prefix + "a", async_client=redis.asyncio.Redis.from_url(private_redis_url))
        try:
            first = await a.pick_deployment(request)
            private_rdb.script_flush()
            return first.chosen, (await a.pick_deployment(request)).chosen
        finally:
            await a.redis.async_().aclose()

    assert asyncio.run(go()) == (0, 0)


def test_a_failing_redis_is_a_typed_error_naming_no_password() -> None:
    state = RedisState("redis://:hunter2@127.0.0.1:1/0", socket_timeout=0.2)
    with pytest.raises(StateBackendError) as info:
        state.pick_deployment(PickRequest((PickCandidate(*"abcdefg"),), NOW))
    assert "picking a deployment" in str(info.value) and "hunter2" not in str(info.value)


MODEL_LIST = [
    {"model_name": "chat", "model": f"openai/m{i}", "api_key": "k", "base_url": "http://127.0.0.1:9/v1"}
    for i in range(3)
]


@pytest.mark.parametrize(
    ("strategy", "limits", "retries", "trips"),
    [
        ("simple-shuffle", {}, 0, 1),  # the pick
        ("simple-shuffle", {"rpm": 10**6}, 0, 1),  # the pick takes the rpm slot too
        ("simple-shuffle", {}, 2, 1),  # and the client's retries from the budget
        ("least-busy", {}, 0, 2),  # the pick (and its in-flight reservation), the release
        ("latency-based-routing", {}, 0, 2),  # the pick, the latency sample
        ("usage-based-routing", {"rpm": 10**6, "tpm": 10**9}, 0, 2),  # the pick, the tokens counted
    ],
)
def test_round_trips_per_routed_call(
    redis_url: str, prefix: str, strategy: str, limits: dict[str, Any], retries: int, trips: int
) -> None:
    client = _Counting(redis.Redis.from_url(redis_url))
    state = RedisState(client=client, prefix=prefix)
    model_list = [d | limits for d in MODEL_LIST]
    # One instant for every call: the budget's 10 s window must not turn over mid-test (it did,
    # on a loaded machine, and counted 5 calls of 6).
    router = Router(
        model_list, state=state, seed=1, routing_strategy=strategy, num_retries=retries, clock=lambda: NOW
    )
    router._clients = dict.fromkeys(router._clients, _Stub())  # type: ignore[assignment]
    router.complete("chat", "hi")  # the first call may load the scripts
    before = client.trips
    for _ in range(5):
        assert router.complete("chat", "hi").route.deployment in ("chat#0", "chat#1", "chat#2")
    assert client.trips - before == 5 * trips
    health = router.state()
    assert health["budget"]["calls"] == 6
    assert all(d["in_flight"] == 0 for d in health["deployments"].values())
    if "rpm" in limits:
        assert sum(d["rpm_used"] for d in health["deployments"].values()) == 6
    assert health["budget"]["retries"] == min(6 * retries, 10)  # the budget's least: 10 a window
    client.client.close()


def test_a_shuffle_still_spreads_by_weight(redis_url: str, prefix: str) -> None:
    # The one-step pick draws its shuffle before reading the state: still weighted.
    weighted = [d | {"weight": w} for d, w in zip(MODEL_LIST, (1, 2, 7), strict=True)]
    router = Router(weighted, state=RedisState(redis_url, prefix=prefix), seed=5)
    router._clients = dict.fromkeys(router._clients, _Stub())  # type: ignore[assignment]
    seen = [router.complete("chat", "hi").route.deployment for _ in range(400)]
    shares = [seen.count(f"chat#{i}") / 400 for i in range(3)]
    assert shares[0] < shares[1] < shares[2] and 0.55 < shares[2] < 0.85


def test_a_dropped_connection_is_replaced(redis_url: str, prefix: str, rdb: Any) -> None:
    # The backend's own client keeps a connection per thread; the server may drop it (a restart,
    # an idle timeout): the next command connects afresh.
    state = RedisState(redis_url, prefix=prefix)
    assert state.incr_window("k", 1, 60.0, NOW) == 1
    held = state._lines()
    assert held is not None
    conn = held._line().conn
    conn.send_command("CLIENT", "ID")
    rdb.client_kill_filter(_id=conn.read_response())
    assert state.incr_window("k", 1, 60.0, NOW) == 2
    rdb.client_kill_filter(_id=(conn.send_command("CLIENT", "ID"), conn.read_response())[1])
    assert state.batch([("get_window", ("k", 60.0, NOW)), ("incr_window", ("k", 1, 60.0, NOW))]) == [2, 3]
    state.close()
    assert not conn.is_connected


def test_threads_share_one_backend(redis_url: str, prefix: str) -> None:
    import threading

    state = RedisState(redis_url, prefix=prefix)
    request = PickRequest((PickCandidate(*(f"{k}:d" for k in "abcdefg"), rpm=150),), NOW)
    picked: list[int | None] = []

    def work() -> None:
        for _ in range(50):
            picked.append(state.pick_deployment(request).chosen)
            state.incr_window("n", 1, 60.0, NOW)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state.get_window("n", 60.0, NOW) == 200
    assert picked.count(0) == 150 and picked.count(None) == 50  # the rpm limit, exactly
    state.close()
