"""The async measure alone: llmkit's AsyncClient against raw aiohttp, interleaved, a few rounds.

``bench.py``'s async measure (2,000 requests at concurrency 100 against ``mock_server.py``, each
client in a fresh pinned subprocess) without the rest of the full run, so a change to the async
path can be checked in about a minute. The clients alternate within each round, so both see the
same neighbours; on a shared machine read the CPU figures (``time.process_time`` of the worker)
and the best of the rounds, not the wall ones.

    python benchmarks/async_bench.py                     # 5 rounds, llmkit vs aiohttp
    python benchmarks/async_bench.py --rounds 9 --requests 4000
    python benchmarks/async_bench.py --profile           # + one cProfile run each in .work/
    python benchmarks/async_bench.py --base-src /tmp/old/src   # + "llmkit-base": llmkit from there

``--base-src`` runs a second llmkit (another checkout's ``src``, e.g. from ``git archive``) in the
same rounds, so a before/after comparison sees the same machine load.

Prints one line per run and a summary: best and median CPU µs per request, req/s, and llmkit's
ratios to raw aiohttp (req/s: llmkit ÷ raw; CPU-time: raw CPU ÷ llmkit CPU, the req/s one core
allows).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path
from typing import Any

# Beside this file (the script's directory is on sys.path).
import bench

BASE = "llmkit-base"


@dataclasses.dataclass
class _OtherSrc(bench.Env):
    """``bench.Env`` with another llmkit checkout's ``src`` on the path instead of this one's."""

    src: Path = Path()

    def env_for(self, client: str) -> dict[str, str]:
        env = dict(self.base_env)
        env["PYTHONPATH"] = str(self.src)
        return env


def _base_env(env: bench.Env, src: Path) -> bench.Env:
    return _OtherSrc(env.main_py, env.peers_py, env.taskset, env.base_env, src)


def _summary(name: str, rows: list[dict[str, Any]]) -> dict[str, float]:
    cpu = [r["cpu_us"] for r in rows]
    rps = [r["value"] for r in rows]
    out = {
        "cpu_best": min(cpu),
        "cpu_median": statistics.median(cpu),
        "rps_best": max(rps),
        "rps_median": statistics.median(rps),
    }
    print(
        f"{name:<11} CPU µs/request best {out['cpu_best']:6.1f} median {out['cpu_median']:6.1f}   "
        f"req/s best {out['rps_best']:7,.0f} median {out['rps_median']:7,.0f}"
    )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="llmkit AsyncClient vs raw aiohttp at a fixed concurrency")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--clients", default="llmkit,aiohttp", help="comma-separated, from bench.py's clients")
    p.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    p.add_argument("--profile", action="store_true", help="one more run per client under cProfile")
    p.add_argument("--base-src", default=None, help="another checkout's src/, measured as llmkit-base")
    ns = p.parse_args(argv)
    clients = [c.strip() for c in ns.clients.split(",") if c.strip()]
    base_src = Path(ns.base_src).resolve() if ns.base_src else None
    if base_src is not None and not (base_src / "llmkit" / "__init__.py").is_file():
        raise SystemExit(f"--base-src {base_src}: no llmkit package there")
    bad = [c for c in clients if "async" not in bench.SUPPORTED.get(c, set()) or c in bench.PEER_CLIENTS]
    if bad:
        raise SystemExit(f"not an async client of the main venv: {', '.join(bad)}")

    args = ["--quick", "--only", ",".join(clients), "--concurrency", str(ns.concurrency)]
    args += ["--async-requests", str(ns.requests)] + (["--no-pin"] if ns.no_pin else [])
    cfg = bench.make_config(bench.parse_args(args))
    cfg.async_warmup = max(1, ns.warmup)
    env, _ = bench.build_env(cfg, need_peers=False)
    envs = {c: env for c in clients}
    if base_src is not None:
        envs[BASE] = _base_env(env, base_src)
        clients = [*clients, BASE]
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
    with bench.MockServer(env) as server:
        for rnd in range(max(1, ns.rounds)):
            # Rotate the order so neither client always runs right after the other's warm caches.
            shift = rnd % len(clients)
            for client in clients[shift:] + clients[:shift]:
                res = _run(envs[client], cfg, server, client)
                if "error" in res:
                    print(f"round {rnd + 1} {client}: {res['error']}", file=sys.stderr)
                    return 1
                runs[client].append(res)
                rate, cpu = res["value"], res["cpu_us"]
                print(f"round {rnd + 1} {client:<11} {rate:7,.0f} req/s {cpu:6.1f} CPU µs/req", flush=True)
        if ns.profile:
            bench.WORK.mkdir(parents=True, exist_ok=True)
            for client in clients:
                out = bench.WORK / f"profile-{client}-async.txt"
                _run(envs[client], cfg, server, client, cprofile=str(out))
                print(f"profile: {out}")
    sums = {c: _summary(c, rows) for c, rows in runs.items()}
    for name in ("llmkit", BASE):
        if name in sums and "aiohttp" in sums:
            k, a = sums[name], sums["aiohttp"]
            print(
                f"{name} ÷ aiohttp: req/s best {k['rps_best'] / a['rps_best']:.2f}× "
                f"median {k['rps_median'] / a['rps_median']:.2f}×; CPU-time best "
                f"{a['cpu_best'] / k['cpu_best']:.2f}× median {a['cpu_median'] / k['cpu_median']:.2f}×"
            )
    return 0


def _run(
    env: bench.Env, cfg: bench.Config, server: bench.MockServer, client: str, cprofile: str | None = None
) -> dict[str, Any]:
    # llmkit-base is llmkit's worker, found on the other checkout's path.
    worker = "llmkit" if client == BASE else client
    return bench.run_one(env, cfg, server, worker, "async", cprofile=cprofile)


if __name__ == "__main__":
    sys.exit(main())
