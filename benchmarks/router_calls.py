"""A fixed number of routed (or direct) calls over stub deployments, for instruction counts.

Run it under ``valgrind --tool=callgrind`` with 500 and with 1,500 calls; the difference of the
two totals over 1,000 is the instructions of one call (start-up and warm-up cancel out). The
router and stubs are ``router_bench.py``'s (no sockets: the routing and the stub's call).
``PYTHONHASHSEED=0`` keeps dictionary layouts, and so the counts, the same from run to run::

    for n in 500 1500; do PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/router_calls.py routed simple-shuffle 1 $n 2>&1 | grep Collected; done

``redis`` in place of ``routed`` puts the state in Redis (``RedisState`` on the URL given after
the count, by default the test server 127.0.0.1:6390): the client's instructions per routed
call (the server's are another process's, and the round trip's wait is not an instruction).
A strategy ending in ``+rpm`` gives each deployment an rpm limit (never reached)::

    .venv/bin/python benchmarks/router_calls.py redis least-busy 3 1500 redis://127.0.0.1:6391/0
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import router_bench


def main() -> None:
    mode, strategy, deployments, calls = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    state = None
    if mode == "redis":
        import time
        import uuid

        from llmkit.router.redis_state import RedisState

        url = sys.argv[5] if len(sys.argv) > 5 else "redis://127.0.0.1:6390/0"
        state = RedisState(url, prefix=f"calls{uuid.uuid4().hex[:8]}")
        strategy, _, limit = strategy.partition("+")
        limits = {"rpm": 10**9} if limit == "rpm" else {}
        router = router_bench._stub_router(strategy, deployments, limits, state=state, clock=time.time)
    else:
        router = router_bench._stub_router(strategy, deployments, {})
    messages = [{"role": "user", "content": "hi"}]
    stub = next(iter(router._clients.values()))
    fn: Any
    if mode == "direct":
        fn = lambda: stub.complete("openai/m0", messages, max_retries=0)  # noqa: E731
    else:
        fn = lambda: router.complete("chat", messages)  # noqa: E731
    for _ in range(200):  # warm-up: the interpreter's specialisations settle
        fn()
    for _ in range(calls):
        fn()
    if state is not None:
        client = state.redis.sync()
        names = list(client.scan_iter(match=f"{state.keys.base.split(':')[0]}:*"))
        if names:
            client.delete(*names)
        state.close()


if __name__ == "__main__":
    main()
