"""Two processes sharing one Redis share one rpm limit and one set of cooldowns.

Each child is a fresh interpreter with its own RedisState; they start together (a Redis key is
the starting gun) and race for the same window. The calls that win reach the emulator (in this
process) through llmkit's public API, so the count of requests the provider saw is the proof.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

from llmkit.emulator import Emulator
from llmkit.router.redis_state import RedisState

CHILD = textwrap.dedent(
    """
    import json, sys, time
    import llmkit
    from llmkit.router.redis_state import RedisState

    url, prefix, base_url, key, mode, attempts, limit, now = sys.argv[1:9]
    state = RedisState(url, prefix=prefix)
    client = state.redis.sync()
    while not client.exists(prefix + ":go"):
        time.sleep(0.001)
    out = {"sent": 0, "refused": 0}
    if mode == "rpm":
        with llmkit.Client(api_key=key, base_url=base_url) as c:
            for i in range(int(attempts)):
                if state.try_acquire("openai/gpt-4o-mini#0:rpm", int(limit), 60.0, float(now)):
                    c.complete("openai/gpt-4o-mini", f"hi {i}", max_retries=0)
                    out["sent"] += 1
                else:
                    out["refused"] += 1
    else:
        for _ in range(int(attempts)):
            out.setdefault("failures", []).append(state.record_failure("dep", 60.0, float(now)))
        if mode == "cool-set":
            state.set_cooldown("dep", float(now) + 30)
    print(json.dumps(out))
    """
)

NOW = 1_800_000_000.0


def _children(n: int, args: list[str], redis_url: str, prefix: str) -> list[dict[str, Any]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, redis_url, prefix, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    RedisState(redis_url, prefix=prefix).redis.sync().set(prefix + ":go", 1, ex=60)
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    return results


def test_two_processes_respect_one_rpm_limit(redis_url: str, prefix: str) -> None:
    with Emulator(api_key="sk-rstate-two-procs-1") as emu:
        args = [emu.base_url(), emu.api_key or "", "rpm", "30", "25", repr(NOW)]
        results = _children(2, args, redis_url, prefix)
        sent = sum(r["sent"] for r in results)
        # 60 attempts between them, 25 allowed in the window: exactly 25 reach the provider.
        assert abs(sent - 25) <= 1 and len(emu.requests) == sent
        assert sum(r["refused"] for r in results) == 60 - sent
        # Both raced: neither took the whole window before the other started (a weak check that
        # the test exercised contention, not one process after the other).
        assert all(r["sent"] + r["refused"] == 30 for r in results)


def test_cooldowns_and_failures_are_shared(redis_url: str, prefix: str) -> None:
    results = _children(2, ["", "", "fail", "20", "0", repr(NOW)], redis_url, prefix)
    failures = sorted(f for r in results for f in r["failures"])
    assert failures == list(range(1, 41))  # one count across both: every number once
    _children(1, ["", "", "cool-set", "1", "0", repr(NOW)], redis_url, prefix)
    # A third party (this process) sees the cooldown the child set, and its end.
    here = RedisState(redis_url, prefix=prefix)
    assert here.cooldown_until("dep", NOW) == NOW + 30
    assert here.cooldown_until("dep", NOW + 31) is None
    here.clear_cooldown("dep")
    assert here.cooldown_until("dep", NOW) is None
