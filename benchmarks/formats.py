"""Every wire format, side by side: llmkit against the raw client + json decode, the official SDK
and LiteLLM, in one run, against one stdlib mock (``mock_server.py`` + ``wire_formats.py``).

Per format (openai, anthropic, gemini, vertex, bedrock, sagemaker, cohere, ollama) and client
(``llmkit``, ``raw``, ``sdk``, ``litellm``), each in a fresh subprocess pinned to CPU 0 (the mock on
CPU 1):

* ``call``: sequential completions, µs per call (wall and CPU);
* ``async``: requests at concurrency 100, req/s and CPU µs per request;
* ``stream_sync`` / ``stream_async``: µs per content event over long streams;
* ``memory``: peak RSS growth while reading one 200,000-event stream (sync), beside the text size;
* ``first use`` (llmkit and raw only): ``import llmkit`` + the first call in a fresh process,
  modules loaded, whether asyncio/aiohttp got imported, against ``import httpx2`` + one raw call.

Usage (repository root, ``.venv`` active)::

    python benchmarks/formats.py              # full run, writes the formats part of benchmarks/RESULTS.md
    python benchmarks/formats.py --quick      # < 60 s, llmkit and raw only; exit 1 on a regression
    python benchmarks/formats.py --formats bedrock,gemini --clients llmkit,raw

The worker side lives in ``wire_clients.py`` (llmkit, raw) and ``wire_peers.py`` (SDKs, LiteLLM).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wire_clients as wc

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
PEERS_PY = HERE / ".venv-peers" / "bin" / "python"
MAIN_PY = ROOT / ".venv" / "bin" / "python"
CLIENTS = ["llmkit", "raw", "sdk", "litellm"]
PEERS = {"sdk", "litellm"}
MEASURES = ["call", "async", "stream_sync", "stream_async", "memory"]
# The measures with a ÷ raw target: llmkit and raw run them ``Plan.raw_rounds`` times.
RAW_BOUND = ("call", "async", "stream_sync", "stream_async")
SLICES = 3  # each timed loop is cut in three; their spread is the noise the quick check allows


# ---- worker ------------------------------------------------------------------------------------------


def _status_kb(field_name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def _builders(client: str, fmt: str, base: str, is_async: bool) -> Any:
    if client == "llmkit":
        return (wc.llmkit_async if is_async else wc.llmkit_sync)(fmt, base)
    if client == "raw":
        return (wc.raw_async if is_async else wc.raw_sync)(fmt, base)
    import wire_peers as wp

    if client == "sdk":
        return (wp.sdk_async if is_async else wp.sdk_sync)(fmt, base)
    return (wp.litellm_async if is_async else wp.litellm_sync)(fmt, base)


def _slice_result(walls: list[float], cpus: list[float], counts: list[int], unit: str) -> dict[str, Any]:
    n = sum(counts)
    per = [c / k * 1e6 for c, k in zip(cpus, counts, strict=True)]
    return {
        "count": n,
        "wall_us": sum(walls) / n * 1e6,
        "cpu_us": sum(cpus) / n * 1e6,
        "slices_cpu_us": per,
        "unit": unit,
    }


def worker_sync(fmt: str, client: str, measure: str, base: str, n: int, warmup: int) -> dict[str, Any]:
    call, stream = _builders(client, fmt, base, False)
    if measure == "call":
        for _ in range(warmup):
            if call() != wc.COMPLETION_TEXT:
                raise RuntimeError("unexpected completion text")
        walls, cpus, counts = [], [], []
        for _ in range(SLICES):
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n // SLICES):
                call()
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            counts.append(n // SLICES)
        return _slice_result(walls, cpus, counts, "µs/call")
    for _ in range(2):
        if stream(warmup, wc.Tally()) != warmup:
            raise RuntimeError("warmup stream came short")
    if measure == "memory":
        sink = wc.Tally()
        rss0 = _status_kb("VmRSS")
        try:  # reset the high-water mark to the current RSS (Linux >= 4.0)
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
        except OSError:
            pass
        got = stream(n, sink)
        if got != n:
            raise RuntimeError(f"stream gave {got} events, want {n}")
        growth = (_status_kb("VmHWM") - rss0) / 1024.0
        text_mb = sink.chars / (1024.0 * 1024.0)
        return {"count": n, "growth_mb": growth, "text_mb": text_mb, "over_text_mb": growth - text_mb}
    walls, cpus, counts = [], [], []
    for _ in range(SLICES):
        c0, t0 = time.process_time(), time.perf_counter()
        got = stream(n, wc.Tally())
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        if got != n:
            raise RuntimeError(f"stream gave {got} events, want {n}")
        counts.append(got)
    return _slice_result(walls, cpus, counts, "µs/event")


async def worker_async(
    fmt: str, client: str, measure: str, base: str, n: int, warmup: int, conc: int
) -> dict[str, Any]:
    import asyncio

    acall, astream, aclose = _builders(client, fmt, base, True)
    try:
        if measure == "stream_async":
            for _ in range(2):
                if await astream(warmup, wc.Tally()) != warmup:
                    raise RuntimeError("warmup stream came short")
            walls, cpus, counts = [], [], []
            for _ in range(SLICES):
                c0, t0 = time.process_time(), time.perf_counter()
                got = await astream(n, wc.Tally())
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
                if got != n:
                    raise RuntimeError(f"stream gave {got} events, want {n}")
                counts.append(got)
            return _slice_result(walls, cpus, counts, "µs/event")
        if await acall() != wc.COMPLETION_TEXT:
            raise RuntimeError("unexpected completion text")

        async def burst(total: int, marks: list[tuple[float, float]] | None = None) -> None:
            # With ``marks``: the clocks are read at each SLICES-th of ``total`` completions,
            # while all ``conc`` lanes are busy (the lanes run ``conc`` requests past the last
            # mark), so no slice holds the ramp-down of a burst at falling concurrency.
            left, done, every = [total + (conc if marks is not None else 0)], [0], total // SLICES

            async def lane() -> None:
                while left[0] > 0:
                    left[0] -= 1
                    await acall()
                    done[0] += 1
                    if marks is not None and done[0] % every == 0 and len(marks) <= SLICES:
                        marks.append((time.process_time(), time.perf_counter()))

            if marks is not None:
                marks.append((time.process_time(), time.perf_counter()))
            await asyncio.gather(*(lane() for _ in range(min(conc, total))))

        await burst(warmup)
        marks: list[tuple[float, float]] = []
        await burst(n, marks)
        cpus = [b[0] - a[0] for a, b in itertools.pairwise(marks)]
        walls = [b[1] - a[1] for a, b in itertools.pairwise(marks)]
        counts = [n // SLICES] * len(cpus)
        res = _slice_result(walls, cpus, counts, "CPU µs/req")
        res["req_s"] = sum(counts) / sum(walls)
        return res
    finally:
        await aclose()


def _one_measure(
    ns: argparse.Namespace, fmt: str, client: str, measure: str, n: int, warmup: int
) -> dict[str, Any]:
    try:
        if measure in ("async", "stream_async"):
            import asyncio

            return asyncio.run(worker_async(fmt, client, measure, ns.base, n, warmup, ns.concurrency))
        return worker_sync(fmt, client, measure, ns.base, n, warmup)
    except NotImplementedError as exc:
        return {"na": str(exc)[:300]}
    except Exception as exc:  # reported to the parent, which records it and goes on
        return {"error": f"{type(exc).__name__}: {exc}"[:600]}


def worker_main(ns: argparse.Namespace) -> int:
    """One measure, or (quick mode) several in one process: ``--n``/``--warmup`` as lists."""
    fmt, client, measures = ns.worker
    ns_, ws = [int(x) for x in str(ns.n).split(",")], [int(x) for x in str(ns.warmup).split(",")]
    out = [
        dict(_one_measure(ns, fmt, client, m, n, w), measure=m)
        for m, n, w in zip(measures.split(","), ns_, ws, strict=True)
    ]
    print(json.dumps(out), flush=True)
    return 0


# ---- parent ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    formats: list[str]
    clients: list[str]
    measures: list[str]
    rounds: int
    calls: int
    requests: int
    concurrency: int
    events: int
    memory_events: int
    first_runs: int
    quick: bool
    pin: bool
    litellm_all: bool = False
    # Rounds of llmkit's and raw's timed measures (call, async, streams): their ÷ raw bounds
    # (1.15, 0.9) are the tightest, and a short measure run inside one of the host's slow phases
    # (1-2 s at ~1.5x the CPU per request, issue 17) moves a median of three; 0: ``rounds``.
    raw_rounds: int = 0
    jobs: int = 1
    note: str = ""
    save: str = "formats-raw"  # .work/<save>.json (and .partial.json while running)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def n_for(self, measure: str, client: str) -> tuple[int, int]:
        # LiteLLM spends 1-2 ms per stream event and ~10 ms per call here: fewer iterations keep
        # the run short (the figures are per call or event, so the ratios do not change).
        slow = 6 if client == "litellm" else 1
        if measure == "call":
            return max(SLICES, self.calls // slow), max(20, self.calls // 10)
        if measure == "async":
            return max(SLICES, self.requests // max(1, slow // 2)), max(100, self.requests // 10)
        if measure == "memory":
            # The SDKs' streams (50-300 µs an event here) read a tenth of the events: their
            # growth per event is what the report compares.
            return (self.memory_events // 10 if client in PEERS else self.memory_events), 100
        return max(SLICES, self.events // slow), 100


def log(msg: str) -> None:
    print(f"[formats {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for name in list(env):
        if name.startswith(
            ("AWS_", "OPENAI_", "ANTHROPIC_", "GEMINI_", "GOOGLE_", "CO_", "COHERE_", "OLLAMA_")
        ):
            env.pop(name)
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            env.pop(name)
    env.update(wc.WORKER_ENV)
    env.update({"NO_PROXY": "127.0.0.1,localhost", "LITELLM_LOG": "ERROR", "PYTHONPATH": str(ROOT / "src")})
    return env


def pinned(plan: Plan, cpu: int, cmd: list[str]) -> list[str]:
    if plan.pin and (os.cpu_count() or 1) >= 2 and Path("/usr/bin/taskset").exists():
        return ["/usr/bin/taskset", "-c", str(cpu), *cmd]
    return cmd


def _busy_cpu_s() -> float:
    with open("/proc/stat", encoding="ascii") as fh:
        f = [int(x) for x in fh.readline().split()[1:9]]
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / float(os.sysconf("SC_CLK_TCK"))


def run_worker(plan: Plan, base: str, fmt: str, client: str, measures: list[str]) -> list[dict[str, Any]]:
    """One fresh worker process for ``measures`` (one, or all of a format's in quick mode)."""
    sizes = [plan.n_for(m, client) for m in measures]
    py = PEERS_PY if client in PEERS else MAIN_PY
    if not py.exists():
        return [{"na": f"{py} missing (see benchmarks/README.md)", "measure": m} for m in measures]
    cmd = [
        str(py),
        str(Path(__file__).resolve()),
        "--worker",
        fmt,
        client,
        ",".join(measures),
        "--base",
        base,
    ]
    cmd += ["--n", ",".join(str(n) for n, _ in sizes), "--warmup", ",".join(str(w) for _, w in sizes)]
    cmd += ["--concurrency", str(plan.concurrency)]
    busy0, t0 = _busy_cpu_s(), time.perf_counter()
    try:
        proc = subprocess.run(
            pinned(plan, 0, cmd), capture_output=True, text=True, env=base_env(), timeout=600
        )
    except subprocess.TimeoutExpired:
        return [{"error": "timed out after 600 s", "measure": m} for m in measures]
    wall = time.perf_counter() - t0
    lines = proc.stdout.strip().splitlines()
    try:
        results: list[dict[str, Any]] = json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        results = [
            {"error": f"worker failed ({proc.returncode}): {tail[0][:300]}", "measure": m} for m in measures
        ]
    # CPUs busy during the run beyond the one the worker keeps busy: other helpers' load, roughly.
    load = max(0.0, (_busy_cpu_s() - busy0) / wall - 1.0) if wall > 0.05 else None
    for res in results:
        res["machine_load"] = load
    return results


class Mock:
    """The stdlib mock in its own process, pinned to CPU 1."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.proc: subprocess.Popen[str] | None = None
        self.base = ""

    def __enter__(self) -> Mock:
        cmd = pinned(self.plan, 1, [str(MAIN_PY), str(HERE / "mock_server.py"), "--port", "0"])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=base_env())
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.__exit__()
            raise RuntimeError("mock server did not start")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def run_plan(plan: Plan, base: str) -> None:
    tasks: list[tuple[str, str, int, list[str]]] = []
    for rnd in range(max(plan.rounds, plan.raw_rounds)):
        for fmt in plan.formats:
            order = plan.clients[rnd % len(plan.clients) :] + plan.clients[: rnd % len(plan.clients)]
            # Full runs: a fresh process per measure. Quick: one per format and client (process
            # start-up would otherwise be most of the 60 s).
            batches = [plan.measures] if plan.quick else [[m] for m in plan.measures]
            for batch in batches:
                for client in order:
                    # Memory once (round 0): one 200k-event stream per client is long enough to
                    # be steady; LiteLLM's (~2 ms an event) would take minutes per format.
                    todo = [m for m in batch if m != "memory" or (rnd == 0 and client != "litellm")]
                    if client == "litellm" and not plan.litellm_all:
                        todo = [m for m in todo if m in ("call", "stream_sync")]
                    if rnd >= plan.rounds:  # the extra rounds of the ÷ raw measures
                        todo = [m for m in todo if m in RAW_BOUND and client in ("llmkit", "raw")]
                    if todo:
                        tasks.append((fmt, client, rnd, todo))
    # --jobs > 1 runs workers side by side (all on the client CPU): CPU figures hold, wall ones
    # suffer; only for a machine too loaded to finish one after the other in time.
    with ThreadPoolExecutor(max_workers=plan.jobs) as pool:
        futures = {
            pool.submit(run_worker, plan, base, fmt, client, todo): (fmt, client, rnd)
            for fmt, client, rnd, todo in tasks
        }
        for fut in as_completed(futures):
            fmt, client, rnd = futures[fut]
            _record(plan, fmt, client, rnd, fut.result())


def _record(plan: Plan, fmt: str, client: str, rnd: int, results: list[dict[str, Any]]) -> None:
    """Keep one worker's results (called from the collecting thread only)."""
    partial = WORK / f"{plan.save}.partial.json"
    for res in results:
        res.update(fmt=fmt, client=client, round=rnd)
        plan.rows.append(res)
        measure = res["measure"]
        shown = res.get("error") or res.get("na") or f"cpu {res.get('cpu_us', 0):.1f} µs"
        if measure == "memory" and "growth_mb" in res:
            shown = f"+{res['growth_mb']:.1f} MiB (text {res['text_mb']:.1f})"
        log(f"r{rnd} {fmt:9} {measure:12} {client:7} {shown}")
    # Saved as it goes: a run cut short still renders (--report-only) what it measured.
    partial.write_text(json.dumps({"rows": plan.rows, "first_use": {}}, indent=1), encoding="utf-8")


_FIRST_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import wire_clients as wc
fmt, base, who = sys.argv[2], sys.argv[3], sys.argv[4]
t0 = time.perf_counter()
if who == "llmkit":
    import llmkit
    model, kw = wc.llmkit_target(fmt, base)
    text = llmkit.complete(model, wc.MESSAGES, max_tokens=16, max_retries=0, **kw).text
else:
    import httpx2
    req = wc.raw_request(fmt, base, False, 0)
    r = httpx2.post(req.url, content=req.body, headers=wc.signed_headers(fmt, req))
    text = wc.call_text(fmt, json.loads(r.content))
ms = (time.perf_counter() - t0) * 1e3
assert text == wc.COMPLETION_TEXT, text
mods = [m for m in sys.modules if m == "llmkit" or m.startswith("llmkit.")]
print(json.dumps({
    "ms": ms, "modules": len(sys.modules), "llmkit_modules": len(mods),
    "providers": sorted(m.split(".")[2] for m in mods if m.startswith("llmkit.providers.")),
    "dialects": sorted({m.split(".")[2] for m in mods if m.startswith("llmkit.dialects.")}),
    "asyncio": "asyncio" in sys.modules, "aiohttp": "aiohttp" in sys.modules,
}))
"""


def _first_use_one(plan: Plan, base: str, fmt: str, who: str) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    discard = 0 if plan.quick else 1  # quick: one run, kept for the modules, not the time
    for i in range(plan.first_runs + discard):
        cmd = pinned(plan, 0, [str(MAIN_PY), "-c", _FIRST_CHILD, str(HERE), fmt, base, who])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=base_env(), timeout=120)
        if proc.returncode != 0:
            return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:300]}
        if i >= discard:  # the first run warms the bytecode and page caches
            runs.append(json.loads(proc.stdout))
    res = dict(runs[-1])
    res["ms"] = statistics.median(r["ms"] for r in runs)
    return res


def first_use(plan: Plan, base: str) -> dict[str, dict[str, Any]]:
    keys = [(fmt, who) for fmt in plan.formats for who in ("llmkit", "raw")]
    with ThreadPoolExecutor(max_workers=plan.jobs) as pool:
        results = list(pool.map(lambda k: _first_use_one(plan, base, *k), keys))
    out = {f"{fmt}:{who}": res for (fmt, who), res in zip(keys, results, strict=True)}
    for fmt in plan.formats:
        log(f"first use {fmt}: {out[f'{fmt}:llmkit'].get('ms', 'error')} ms")
    return out


def _merge_saved(
    paths: list[str],
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], float, dict[str, Any] | None]:
    """Rows and first-use results of saved runs; a (format, client, measure, round) measured in
    two of them keeps the earlier file's row, unless that one failed and the later did not."""
    rows: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    first: dict[str, dict[str, Any]] = {}
    elapsed = 0.0
    when: dict[str, Any] | None = None  # the last run's stamp (older saves have none)
    for path in paths:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        for r in saved["rows"]:
            key = (r["fmt"], r["client"], r["measure"], r["round"])
            if key not in rows or ("error" in rows[key] and "error" not in r):
                rows[key] = r
        for key, res in saved.get("first_use", {}).items():
            first.setdefault(key, res)
        elapsed = max(elapsed, float(saved.get("elapsed", 0)))
        when = saved.get("stamp") or when
    return list(rows.values()), first, elapsed, when


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="every wire format, side by side (see benchmarks/README.md)")
    p.add_argument("--quick", action="store_true", help="< 60 s, llmkit and raw; exit 1 on a regression")
    p.add_argument("--formats", default=",".join(wc.FORMATS))
    p.add_argument("--clients", default="")
    p.add_argument("--measures", default=",".join(MEASURES))
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument(
        "--raw-rounds",
        type=int,
        default=None,
        help="rounds of llmkit's and raw's call, async and stream measures (3x --rounds)",
    )
    p.add_argument("--scale", type=float, default=1.0, help="multiply every iteration count (not memory)")
    p.add_argument("--no-pin", action="store_true")
    p.add_argument("--note", default="", help="a sentence for the report about how this run was made")
    p.add_argument("--save", default=None, help="name of the raw JSON in .work/ (default formats-raw)")
    p.add_argument("--jobs", type=int, default=1, help="workers side by side (default 1; see README)")
    p.add_argument(
        "--litellm-all", action="store_true", help="LiteLLM on every measure (default: call, stream_sync)"
    )
    p.add_argument("--no-first-use", action="store_true")
    p.add_argument("--results", default=None, help="report path (default RESULTS.md; .work/ for --quick)")
    p.add_argument(
        "--report-only",
        default=None,
        help="re-render the report from saved .work/*.json (comma-separated: merged)",
    )
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--base", default="", help=argparse.SUPPRESS)
    p.add_argument("--n", default="0", help=argparse.SUPPRESS)
    p.add_argument("--warmup", default="0", help=argparse.SUPPRESS)
    p.add_argument("--concurrency", type=int, default=100, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def make_plan(ns: argparse.Namespace) -> Plan:
    quick: bool = ns.quick
    clients = [c for c in (ns.clients or ("llmkit,raw" if quick else ",".join(CLIENTS))).split(",") if c]
    formats = [f for f in ns.formats.split(",") if f]
    measures = [m for m in ns.measures.split(",") if m]
    for kind, got, known in (
        ("client", clients, CLIENTS),
        ("format", formats, wc.FORMATS),
        ("measure", measures, MEASURES),
    ):
        bad = [x for x in got if x not in known]
        if bad:
            raise SystemExit(f"unknown {kind}(s) {', '.join(bad)}; choose from {', '.join(known)}")

    def scaled(full: int, small: int) -> int:
        return max(SLICES, int((small if quick else full) * ns.scale))

    return Plan(
        formats=formats,
        clients=clients,
        measures=measures,
        rounds=(rounds := ns.rounds or (1 if quick else 3)),
        raw_rounds=ns.raw_rounds or (rounds if quick else 3 * rounds),
        calls=scaled(600, 90),
        requests=scaled(1500, 300),
        concurrency=100,
        events=scaled(6000, 900),
        memory_events=20_000 if quick else 200_000,
        first_runs=1 if quick else 5,
        quick=quick,
        pin=not ns.no_pin,
        litellm_all=ns.litellm_all,
        jobs=max(1, min(ns.jobs, 4)),
        save=ns.save or ("formats-quick" if quick else "formats-raw"),
    )


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(argv)
    if ns.worker:
        return worker_main(ns)
    import formats_report as fr

    plan = make_plan(ns)
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if ns.report_only:
        plan.rows, first, elapsed, when = _merge_saved(ns.report_only.split(","))
    else:
        with Mock(plan) as mock:
            log(f"mock at {mock.base}; {len(plan.formats)} formats, clients {','.join(plan.clients)}")
            run_plan(plan, mock.base)
            first = {} if ns.no_first_use else first_use(plan, mock.base)
        elapsed = time.monotonic() - started
        when = fr.stamp()
        saved = {"rows": plan.rows, "first_use": first, "elapsed": elapsed, "stamp": when}
        (WORK / f"{plan.save}.json").write_text(
            json.dumps(saved, indent=1),
            encoding="utf-8",
        )
    summary = fr.summarize(plan.rows)
    verdicts = fr.verdicts(summary, plan.quick, first)
    args = list(argv if argv is not None else sys.argv[1:])
    if ns.report_only:  # the command that measured, not the one that re-rendered
        if "--report-only" in args:  # (its --note stays: the measuring command carried it)
            at = args.index("--report-only")
            del args[at : at + 2]
        if "," in ns.report_only:
            names = ", ".join(Path(p).name for p in ns.report_only.split(","))
            args.append(f"(merged from runs side by side on the same mock code: {names})")
    plan.note = ns.note
    report = fr.render(
        plan,
        summary,
        verdicts,
        first,
        elapsed,
        shlex.join(["python", "benchmarks/formats.py", *args]),
        when,
    )
    out = (
        Path(ns.results) if ns.results else (WORK / "FORMATS.quick.md" if plan.quick else HERE / "RESULTS.md")
    )
    fr.write_section(out, report)
    log(f"report in {out} ({elapsed:.0f} s)")
    failed = [v for v in verdicts if v.status == "REGRESSED"]
    for v in failed:
        log(f"REGRESSED: {v.fmt} {v.label}: {v.shown} (target {v.target}, noise {v.noise:.0%})")
    return 1 if plan.quick and failed else 0


if __name__ == "__main__":
    sys.exit(main())
