"""Two processes, each a ``Router`` over the Redis state backend, share one deployment's rpm
limit: between them, the deployment takes N calls of the window and no more; every other call
is the router's typed answer (a fallback to the backup group, or NoDeploymentAvailableError).

The children are fresh interpreters with their own Router, RedisState and Client pool. They
start together (a Redis key is the starting gun) and share one clock, a fixed instant, so the
test cannot straddle a minute's window. The provider is the emulator in this process: the
requests it saw, by model, are the proof.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from llmkit.emulator import Emulator
from llmkit.router.redis_state import RedisState

CHILD = textwrap.dedent(
    """
    import json, sys, time
    import llmkit
    from llmkit.router import Router
    from llmkit.router.redis_state import RedisState

    url, prefix, base_url, key, calls, limit, now, with_backup = sys.argv[1:9]
    state = RedisState(url, prefix=prefix)
    model_list = [
        {"model_name": "chat", "model": "openai/gpt-4o-mini", "api_key": key, "base_url": base_url,
         "rpm": int(limit)},
    ]
    options = {}
    if with_backup == "1":
        model_list.append(
            {"model_name": "backup", "model": "openai/gpt-4o", "api_key": key, "base_url": base_url}
        )
        options["fallbacks"] = {"chat": ["backup"]}
    instant = float(now)
    router = Router(model_list, state=state, clock=lambda: instant, **options)
    go = state.redis.sync()
    while not go.exists(prefix + ":go"):
        time.sleep(0.001)
    out = {"limited": 0, "backup": 0, "refused": 0, "other": []}
    with router:
        for i in range(int(calls)):
            try:
                done = router.complete("chat", f"hi {i}")
            except llmkit.errors.RateLimitError as exc:
                # Typed, with the trace saying why: the rpm window is full.
                assert type(exc).__name__ == "NoDeploymentAvailableError", exc
                assert "rpm limit" in exc.route.summary(), exc.route.summary()
                out["refused"] += 1
                continue
            except llmkit.errors.LLMKitError as exc:
                out["other"].append(repr(exc))
                continue
            if done.route.model == "openai/gpt-4o-mini":
                out["limited"] += 1
            else:
                assert any("rpm limit" in s.reason for s in done.route.steps), done.route.summary()
                out["backup"] += 1
    print(json.dumps(out))
    """
)

NOW = 1_800_000_000.0


def _routers(n: int, args: list[str], redis_url: str, prefix: str) -> list[dict[str, Any]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, redis_url, prefix, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    RedisState(redis_url, prefix=prefix).redis.sync().set(prefix + ":go", 1, ex=120)
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out))
    return results


@pytest.mark.parametrize("with_backup", [False, True], ids=["refused", "fallback"])
def test_two_routers_share_one_rpm_limit(redis_url: str, prefix: str, with_backup: bool) -> None:
    limit, calls = 12, 10
    with Emulator(api_key="sk-rconv-two-routers-1") as emu:
        args = [
            emu.base_url(),
            emu.api_key or "",
            str(calls),
            str(limit),
            repr(NOW),
            "1" if with_backup else "0",
        ]
        results = _routers(2, args, redis_url, prefix)
        models = [r.json().get("model") for r in emu.requests]
    assert all(not r["other"] for r in results), results
    limited = sum(r["limited"] for r in results)
    # 20 calls between them, 12 allowed in the window: the limited deployment answered 12.
    assert abs(limited - limit) <= 1, results
    assert models.count("gpt-4o-mini") == limited
    rest = 2 * calls - limited
    if with_backup:
        assert sum(r["backup"] for r in results) == rest and models.count("gpt-4o") == rest
    else:
        assert sum(r["refused"] for r in results) == rest and len(models) == limited
    # Both processes made every one of their calls (none crashed out of the loop).
    assert all(r["limited"] + r["backup"] + r["refused"] == calls for r in results)
