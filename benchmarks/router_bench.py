"""Router overhead per call: what ``Router.complete`` adds over calling the deployment directly.

Two measures (sync, in-process state):

* ``overhead``: the router with each deployment's client replaced by a stub that returns a
  prebuilt Completion, against calling that stub directly; the difference is the router's own
  cost per call (policy generator, state backend, strategy pick, trace, ``.route`` copy). No
  sockets, so the number is steady; this is the figure the goal (< 5 µs) is about.
* ``loopback``: ``Router.complete`` against ``Client.complete`` over the emulator on loopback
  (one deployment), for scale: HTTP noise dominates it.

Usage::

    .venv/bin/python benchmarks/router_bench.py            # both measures
    .venv/bin/python benchmarks/router_bench.py --calls 20000 --only overhead
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from llmkit import Client, Router
from llmkit.types import Completion, FinishReason, Message, Usage


def _per_call(fn: Any, calls: int, rounds: int = 5) -> float:
    """The fastest round's CPU seconds per call: CPU time, not wall time, so other processes on a
    busy machine do not count (the loopback measure's server runs in this process's threads,
    so there it is the client's and the server's CPU together)."""
    results = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            fn()
        results.append((time.process_time() - start) / calls)
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


def overhead(calls: int, strategy: str, deployments: int) -> dict[str, float]:
    model_list = [
        {"model_name": "chat", "model": f"openai/m{i}", "api_key": "k", "base_url": "http://127.0.0.1:9/v1"}
        for i in range(deployments)
    ]
    router = Router(model_list, routing_strategy=strategy, seed=1)
    stub = _StubClient(_completion())
    router._clients = {dep_id: stub for dep_id in router._clients}  # type: ignore[misc]
    messages = [{"role": "user", "content": "hi"}]

    def direct() -> None:
        stub.complete("openai/m0", messages, max_retries=0)

    def routed() -> None:
        router.complete("chat", messages)

    base = _per_call(direct, calls)
    via = _per_call(routed, calls)
    return {"direct_us": base * 1e6, "router_us": via * 1e6, "overhead_us": (via - base) * 1e6}


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
    parser.add_argument("--only", choices=("overhead", "loopback"), default=None)
    args = parser.parse_args()
    if args.only in (None, "overhead"):
        for strategy, n in (
            ("simple-shuffle", 1),
            ("simple-shuffle", 3),
            ("least-busy", 3),
            ("latency-based-routing", 3),
        ):
            r = overhead(args.calls, strategy, n)
            print(
                f"overhead {strategy:>22} x{n}: direct {r['direct_us']:.2f} µs, "
                f"router {r['router_us']:.2f} µs, overhead {r['overhead_us']:.2f} µs/call"
            )
    if args.only in (None, "loopback"):
        r = loopback(max(200, args.calls // 50))
        print(
            f"loopback (emulator): direct {r['direct_us']:.0f} µs, router {r['router_us']:.0f} µs, "
            f"overhead {r['overhead_us']:.0f} µs/call (noise dominates)"
        )


if __name__ == "__main__":
    main()
