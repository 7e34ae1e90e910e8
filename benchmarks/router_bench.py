"""Router overhead per call: what ``Router.complete`` adds over calling the deployment directly.

Two measures (sync, in-process state):

* ``overhead``: the router with each deployment's client replaced by a stub that returns a
  prebuilt Completion, against calling that stub directly; the difference is the router's own
  cost per call (policy generator, state backend, strategy pick, trace, ``.route`` copy). No
  sockets, so the number is steady; this is the figure the goal (< 5 µs) is about.
* ``redis``: the same stubs with the state in Redis (``RedisState`` on ``--redis-url``, by
  default the local test server 127.0.0.1:6390): wall-clock µs per routed call over a direct
  call, the fastest of a few rounds (the time is mostly the round trip's wait, which CPU time
  would not see; its CPU time is printed beside it, and the round trips per call). The goal is
  under 150 µs. A pick is one round trip (one script: reads, checks, rpm/probe/in-flight takes);
  what an outcome writes (least-busy's release, a latency sample, tokens counted) is written at
  once but not waited for (``RedisState.record``: its reply is read before the next command), so
  every route waits for one round trip per call; "round trips" counts those waited for.
* ``loopback``: ``Router.complete`` against ``Client.complete`` over the emulator on loopback
  (one deployment), for scale: HTTP noise dominates it.

Usage::

    .venv/bin/python benchmarks/router_bench.py            # every measure
    .venv/bin/python benchmarks/router_bench.py --calls 20000 --only overhead
    .venv/bin/python benchmarks/router_bench.py --only redis
    .venv/bin/python benchmarks/router_bench.py --only overhead --route least-busy:3 --calls 1000

A routed call on the plainest routes (the in-process state, no rpm/tpm limit, no deadline) runs
the router's plain route (``llmkit/router/_fast.py``), not the policy's generator; a limit or a
tripped deployment takes the generator, as ``--only redis`` always does.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from llmkit import Client, Router
from llmkit.types import Completion, FinishReason, Message, Usage


def _per_call(fn: Any, calls: int, rounds: int = 5, timer: Any = time.process_time) -> float:
    """The fastest round's seconds per call, by ``timer``: CPU time by default, so other
    processes on a busy machine do not count (the loopback measure's server runs in this
    process's threads, so there it is the client's and the server's CPU together); wall time
    for Redis, where a call is mostly waiting for the round trip."""
    results = []
    for _ in range(rounds):
        start = timer()
        for _ in range(calls):
            fn()
        results.append((timer() - start) / calls)
    return min(results)


class _StubClient:
    def __init__(self, answer: Completion) -> None:
        self.answer = answer

    def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:
        return self.answer

    def close(self) -> None:
        pass


def _completion() -> Completion:
    return Completion(
        message=Message(role="assistant", content="hi"),
        finish_reason=FinishReason.STOP,
        usage=Usage(1, 1, 2),
        model="m",
        provider="openai",
    )


def _stub_router(strategy: str, deployments: int, limits: dict[str, Any], **options: Any) -> Router:
    """A router over ``deployments`` stub clients (no sockets: only the routing costs)."""
    model_list = [
        {"model_name": "chat", "model": f"openai/m{i}", "api_key": "k", "base_url": "http://127.0.0.1:9/v1"}
        | limits
        for i in range(deployments)
    ]
    router = Router(model_list, routing_strategy=strategy, seed=1, **options)
    stub = _StubClient(_completion())
    router._clients = {dep_id: stub for dep_id in router._clients}  # type: ignore[misc]
    return router


def _against_direct(router: Router, per_call: Any, calls: int) -> dict[str, float]:
    stub = next(iter(router._clients.values()))
    messages = [{"role": "user", "content": "hi"}]
    base = per_call(lambda: stub.complete("openai/m0", messages, max_retries=0), calls)
    via = per_call(lambda: router.complete("chat", messages), calls)
    return {"direct_us": base * 1e6, "router_us": via * 1e6, "overhead_us": (via - base) * 1e6}


def overhead(calls: int, strategy: str, deployments: int) -> dict[str, float]:
    return _against_direct(_stub_router(strategy, deployments, {}), _per_call, calls)


def _wall_per_call(fn: Any, calls: int) -> float:
    return _per_call(fn, calls, timer=time.perf_counter)


class _Trips:
    """Counts round trips waited for: redis-py sends each command, or each pipeline's commands,
    as one packed write (``Connection.send_packed_command``), and then waits for the reply; the
    sync state backend's held lines write and read their sockets themselves, one exchange a
    round trip (``HeldLines._replies``; a record's write, ``HeldLines.defer``, waits for none)."""

    def __init__(self) -> None:
        import redis.connection

        from llmkit.router import _redis_wire

        self.patched: list[tuple[Any, str, Any]] = [
            (redis.connection.AbstractConnection, "send_packed_command", None),
            (getattr(_redis_wire, "HeldLines", None), "_replies", None),
        ]
        self.count = 0

    def __enter__(self) -> _Trips:
        for i, (cls, name, _) in enumerate(self.patched):
            original = getattr(cls, name, None)
            if original is None:  # an older tree without it
                continue
            self.patched[i] = (cls, name, original)
            setattr(cls, name, self._counted(original))
        return self

    def _counted(self, original: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(*args, **kwargs)

        return counted

    def __exit__(self, *exc: object) -> None:
        for cls, name, original in self.patched:
            if original is not None:
                setattr(cls, name, original)


def redis_overhead(
    calls: int, url: str, strategy: str, deployments: int, rpm: int | None
) -> dict[str, float]:
    """Wall and CPU µs per routed call over a direct one, and Redis round trips per call."""
    import uuid

    from llmkit.router.redis_state import RedisState

    prefix = f"bench{uuid.uuid4().hex[:8]}"
    state = RedisState(url, prefix=prefix)
    # The wall clock: processes sharing a Redis share it (and its windows are real minutes).
    limits = {} if rpm is None else {"rpm": rpm}
    router = _stub_router(strategy, deployments, limits, state=state, clock=time.time)
    try:
        for _ in range(50):  # connect, load the scripts
            router.complete("chat", "hi")
        with _Trips() as trips:
            for _ in range(100):
                router.complete("chat", "hi")
        out = _against_direct(router, _wall_per_call, calls)
        cpu = _against_direct(router, _per_call, calls)
        return out | {"cpu_us": cpu["overhead_us"], "trips": trips.count / 100}
    finally:
        client = state.redis.sync()
        names = list(client.scan_iter(match=f"{prefix}:*"))
        if names:
            client.delete(*names)
        state.close()


def loopback(calls: int) -> dict[str, float]:
    from llmkit.emulator import Emulator, Script

    with Emulator(api_key="k") as emu:
        base_url = emu.base_url("openai")
        client = Client(api_key="k", base_url=base_url, max_retries=0)
        router = Router([{"model_name": "chat", "model": "openai/m", "api_key": "k", "base_url": base_url}])

        def direct() -> None:
            emu.script(Script(text="hi"))
            client.complete("openai/m", "hi")

        def routed() -> None:
            emu.script(Script(text="hi"))
            router.complete("chat", "hi")

        for _ in range(20):  # warm both pools
            direct()
            routed()
        base = _per_call(direct, calls, rounds=3)
        via = _per_call(routed, calls, rounds=3)
        client.close()
        router.close()
    return {"direct_us": base * 1e6, "router_us": via * 1e6, "overhead_us": (via - base) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--only", choices=("overhead", "redis", "loopback"), default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6390/0")
    parser.add_argument(
        "--route",
        action="append",
        metavar="STRATEGY:N",
        help="only these in-process routes (e.g. least-busy:3; repeatable), say for callgrind",
    )
    args = parser.parse_args()
    if args.only in (None, "overhead"):
        routes = [(r.split(":")[0], int(r.split(":")[1])) for r in args.route or ()] or [
            ("simple-shuffle", 1),
            ("simple-shuffle", 3),
            ("least-busy", 3),
            ("latency-based-routing", 3),
        ]
        for strategy, n in routes:
            r = overhead(args.calls, strategy, n)
            print(
                f"overhead {strategy:>22} x{n}: direct {r['direct_us']:.2f} µs, "
                f"router {r['router_us']:.2f} µs, overhead {r['overhead_us']:.2f} µs/call"
            )
    if args.only in (None, "redis"):
        for strategy, n, rpm in (
            ("simple-shuffle", 1, None),
            ("simple-shuffle", 3, None),
            ("least-busy", 3, None),
            ("simple-shuffle", 3, 10**9),
            ("latency-based-routing", 3, None),
        ):
            r = redis_overhead(max(200, args.calls // 40), args.redis_url, strategy, n, rpm)
            limit = " rpm" if rpm else ""
            print(
                f"redis    {strategy:>22} x{n}{limit:<4}: direct {r['direct_us']:.2f} µs, "
                f"router {r['router_us']:.0f} µs, overhead {r['overhead_us']:.0f} µs/call (wall), "
                f"{r['cpu_us']:.0f} µs CPU, {r['trips']:.2g} round trips"
            )
    if args.only in (None, "loopback"):
        r = loopback(max(200, args.calls // 50))
        print(
            f"loopback (emulator): direct {r['direct_us']:.0f} µs, router {r['router_us']:.0f} µs, "
            f"overhead {r['overhead_us']:.0f} µs/call (noise dominates)"
        )


if __name__ == "__main__":
    main()
