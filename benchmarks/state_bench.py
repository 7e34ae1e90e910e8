"""The cost of the Redis state backend and of the response cache, on loopback.

    python benchmarks/state_bench.py [--url redis://127.0.0.1:6390/0] [-n 2000]

Prints, per StateBackend method, the median and p99 time of one call against InMemoryState and
RedisState (one Lua script or one command each: a Redis round trip) — the backend's own client,
on a connection per thread, and a ``client=`` one, through redis-py's pool — including a whole
pick (``pick_deployment``: one script for three candidates, where the in-process column composes
it of the ordinary operations), and the time of a cached
``Client.complete`` (a hit: prepare + key + lookup + decode) with MemoryCache and RedisCache
against an uncached call to the emulator. The issue's goal for the router with Redis is under
150 µs per call over a direct call: each routed call costs a few of these methods.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis

import llmkit
from llmkit.cache import MemoryCache, RedisCache
from llmkit.emulator import Emulator
from llmkit.router.redis_state import RedisState
from llmkit.router.state import InMemoryState, PickCandidate, PickRequest, pick_deployment


def timed(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    for _ in range(min(200, n)):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    samples.sort()
    return statistics.median(samples) * 1e6, samples[int(len(samples) * 0.99)] * 1e6


def _pick_request(now: float) -> PickRequest:
    cands = tuple(
        PickCandidate(
            *(f"{kind}:d{i}" for kind in ("tripped", "health", "probe", "busy", "lat", "rpm", "tpm"))
        )
        for i in range(3)
    )
    return PickRequest(cands, now, compare="inflight", reserve=False, count=("calls", 1, 10.0, now))


def state_methods(state: Any) -> dict[str, Callable[[], Any]]:
    now = time.time()
    request = _pick_request(now)
    own = getattr(state, "pick_deployment", None)
    pick = (lambda: own(request)) if own is not None else (lambda: pick_deployment(state, request))
    return {
        "pick (3 cands)": pick,
        "try_acquire": lambda: state.try_acquire("d:rpm", 10**9, 60.0, now),
        "incr_window": lambda: state.incr_window("d:tpm", 10, 60.0, now),
        "get_window": lambda: state.get_window("d:tpm", 60.0, now),
        "cooldown_until": lambda: state.cooldown_until("d", now),
        "record_failure": lambda: state.record_failure("d", 60.0, now),
        "ewma": lambda: state.ewma("d:lat", 0.25, 0.2),
        "add_inflight": lambda: state.add_inflight("d", 0),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="redis://127.0.0.1:6390/0")
    ap.add_argument("-n", type=int, default=2000)
    a = ap.parse_args()
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    redis_state = RedisState(a.url, prefix=prefix)
    pooled = RedisState(client=redis.Redis.from_url(a.url), prefix=prefix)
    print(f"{'method':<16}{'in-process µs (p50/p99)':>26}{'Redis µs (p50/p99)':>24}{'client= µs':>18}")
    mem_m, red_m, pool_m = state_methods(InMemoryState()), state_methods(redis_state), state_methods(pooled)
    for name in mem_m:
        m50, m99 = timed(mem_m[name], a.n)
        r50, r99 = timed(red_m[name], a.n)
        p50, p99 = timed(pool_m[name], a.n)
        print(f"{name:<16}{m50:>14.2f} / {m99:<9.2f}{r50:>14.1f} / {r99:<9.1f}{p50:>9.1f} / {p99:.1f}")
    with Emulator(api_key="sk-bench-000000") as emu:
        kw = {"api_key": emu.api_key, "base_url": emu.base_url()}
        rcache = RedisCache(a.url, prefix=prefix)
        rows = [
            ("no cache (a request)", llmkit.Client(**kw)),
            ("MemoryCache hit", llmkit.Client(**kw, cache=MemoryCache())),
            ("RedisCache hit", llmkit.Client(**kw, cache=rcache)),
        ]
        print(f"\n{'complete()':<24}{'µs (p50/p99)':>20}")
        for label, client in rows:
            p50, p99 = timed(lambda c=client: c.complete("openai/gpt-4o-mini", "hi"), max(200, a.n // 4))
            print(f"{label:<24}{p50:>12.1f} / {p99:.1f}")
            client.close()
        rcache.clear()
    client = redis_state.redis.sync()
    names = list(client.scan_iter(match=f"{prefix}:*"))
    if names:
        client.delete(*names)


if __name__ == "__main__":
    main()
