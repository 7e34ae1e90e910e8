"""A fixed number of async calls at concurrency 100 against the benchmark mock, for instruction counts.

Run it under ``valgrind --tool=callgrind`` with N and 3N calls; the difference of the two totals
over 2N is the instructions of one request (start-up, the mock's start and warm-up cancel out).
The clients are ``wire_clients.py``'s (``llmkit``: a reused ``AsyncClient``; ``raw``: one pooled
``aiohttp.ClientSession`` and ``json.loads``), the mock is ``mock_server.py`` in a child process
(valgrind does not follow children unless told to, so the mock is not counted)::

    for n in 500 1500; do PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/async_calls.py llmkit openai $n 2>&1 | grep Collected; done

``--base URL`` uses a mock already running instead of starting one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import wire_clients as wc  # noqa: E402  (beside this file, found once the path holds it)


async def run(client: str, fmt: str, base: str, calls: int, conc: int, warmup: int) -> None:
    build = wc.llmkit_async if client == "llmkit" else wc.raw_async
    acall, _, aclose = build(fmt, base)
    try:
        if await acall() != wc.COMPLETION_TEXT:
            raise RuntimeError("unexpected completion text")

        async def burst(total: int) -> None:
            left = [total]

            async def lane() -> None:
                while left[0] > 0:
                    left[0] -= 1
                    await acall()

            await asyncio.gather(*(lane() for _ in range(min(conc, total))))

        await burst(warmup)  # the interpreter's specialisations and the pool settle
        await burst(calls)
    finally:
        await aclose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("client", choices=["llmkit", "raw"])
    ap.add_argument("format", choices=wc.FORMATS)
    ap.add_argument("calls", type=int)
    ap.add_argument("--concurrency", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--base", default="")
    ns = ap.parse_args()
    # The formats.py workers' environment: AWS credentials that point nowhere, no proxies.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        os.environ.pop(name, None)
    os.environ.update(wc.WORKER_ENV)
    mock = None
    base = ns.base
    if not base:
        cmd = [sys.executable, str(HERE / "mock_server.py"), "--port", "0"]
        mock = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert mock.stdout is not None
        line = mock.stdout.readline()
        if not line.startswith("PORT "):
            raise SystemExit("mock server did not start")
        base = f"http://127.0.0.1:{int(line.split()[1])}"
    try:
        asyncio.run(run(ns.client, ns.format, base, ns.calls, ns.concurrency, ns.warmup))
    finally:
        if mock is not None:
            mock.terminate()
            mock.wait(10)


if __name__ == "__main__":
    main()
