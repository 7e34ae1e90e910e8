"""Side-by-side benchmark: llmkit against raw httpx2, raw aiohttp, the openai SDK and LiteLLM.

One run starts one local OpenAI-compatible mock (``mock_server.py``, pinned to
CPU 1), then measures every client in fresh subprocesses (pinned to CPU 0):

* ``import``: wall time of ``python -c "import X"`` (median of several fresh runs)
  and peak RSS after the import;
* ``sync``: sequential chat completions, µs per call;
* ``async``: requests at a fixed concurrency, req/s and CPU µs per request;
* ``stream_sync`` / ``stream_async``: one long SSE stream, µs per chunk.

Each measure is repeated in several rounds of fresh processes; the report gives
medians and the ratios of those medians within this one run. The openai SDK and
LiteLLM live in their own venv (``benchmarks/.venv-peers``), made on first use.

Usage (from the repository root, with ``.venv`` active)::

    python benchmarks/bench.py                 # full run, writes benchmarks/RESULTS.md
    python benchmarks/bench.py --quick         # smoke run, no peers venv
    python benchmarks/bench.py --only llmkit,httpx2,aiohttp

The same file is also the worker run inside each subprocess (``--worker``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Beside this file (the script's directory is on sys.path); standard library only, like the worker.
import first_call

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
WORK = HERE / ".work"
PEERS_VENV = HERE / ".venv-peers"
MAIN_VENV_PY = ROOT / ".venv" / "bin" / "python"

MODEL = "bench-model"
LLMKIT_MODEL = "openai/bench-model"
API_KEY = "sk-bench"
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": "hi"}]
COMPLETION_TEXT = "Hello from the benchmark mock."

CLIENTS = ["llmkit", "llmkit-fn", "httpx2", "aiohttp", "openai", "litellm"]
PEER_CLIENTS = {"openai", "litellm"}
MEASURES = ["sync", "async", "stream_sync", "stream_async"]
SUPPORTED: dict[str, set[str]] = {
    "llmkit": set(MEASURES),
    "llmkit-fn": {"sync"},
    "httpx2": set(MEASURES),
    "aiohttp": {"async", "stream_async"},
    "openai": set(MEASURES),
    "litellm": set(MEASURES),
}
# What each import measure runs; llmkit also gets a row that touches its lazily exported API.
IMPORT_STMT = {
    "llmkit": "import llmkit",
    "llmkit-api": "import llmkit; llmkit.Client; llmkit.AsyncClient; llmkit.complete",
    "httpx2": "import httpx2",
    "aiohttp": "import aiohttp",
    "openai": "import openai",
    "litellm": "import litellm",
}
VERSION_PACKAGES = ["httpx2", "httpcore2", "aiohttp", "openai", "litellm", "httpx", "httpcore", "sniffio"]

DEFAULT_LITELLM = "1.109.1"
DEFAULT_OPENAI = "3.54.0"

# Targets for llmkit: (measure, baseline client, comparison, bound).
TARGETS: list[tuple[str, str, str, float, str]] = [
    ("import_ms", "httpx2", "<=", 1.5, "import wall ≤ 1.5× `import httpx2`"),
    ("rss_mb", "", "<=", 45.0, "peak RSS after import ≤ 45 MB"),
    ("sync", "httpx2", "<=", 1.15, "sync latency ≤ 1.15× raw httpx2"),
    ("async", "aiohttp", ">=", 0.8, "async req/s ≥ 0.8× raw aiohttp"),
    ("stream_sync", "httpx2", "<=", 1.5, "sync stream µs/chunk ≤ 1.5× raw httpx2"),
    ("stream_async", "aiohttp", "<=", 1.5, "async stream µs/chunk ≤ 1.5× raw aiohttp"),
]

# --------------------------------------------------------------------------------------------------
# Worker side: runs inside one fresh subprocess, for one client and one measure.
# Only the standard library is imported at module level, so any venv can run it.
# --------------------------------------------------------------------------------------------------


@dataclass
class WorkerArgs:
    client: str
    measure: str
    base_url: str
    n: int
    concurrency: int
    warmup: int
    budget_s: float
    cprofile: str | None


def _chat_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


def _auth_headers() -> dict[str, str]:
    return {"authorization": f"Bearer {API_KEY}"}


def _body(stream: bool = False, n: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "messages": MESSAGES}
    if stream:
        body["stream"] = True
        body["max_tokens"] = n
    return body


def _raw_chunk_text(payload: bytes | str) -> str | None:
    """Content text of one SSE ``data:`` payload, as a hand-written client would read it."""
    obj = json.loads(payload)
    choices = obj.get("choices")
    if choices:
        content: str | None = choices[0].get("delta", {}).get("content")
        return content
    return None


def _llmkit_text_delta(llmkit: Any) -> type:
    cls = getattr(llmkit, "TextDelta", None)
    if cls is None:
        import llmkit.types as types_mod

        cls = types_mod.TextDelta
    assert isinstance(cls, type)
    return cls


# ---- sync completion: returns a zero-argument call returning the completion text --------------------


def make_sync_call(client: str, base_url: str) -> Callable[[], str]:
    url = _chat_url(base_url)
    if client == "httpx2":
        import httpx2

        hc = httpx2.Client()
        headers = _auth_headers()
        body = _body()

        def call_httpx2() -> str:
            r = hc.post(url, json=body, headers=headers)
            if r.status_code != 200:
                raise RuntimeError(f"status {r.status_code}")
            text: str = json.loads(r.content)["choices"][0]["message"]["content"]
            return text

        return call_httpx2
    if client == "openai":
        import openai

        oc = openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0)

        def call_openai() -> str:
            resp = oc.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            return str(resp.choices[0].message.content)

        return call_openai
    if client == "litellm":
        import litellm

        def call_litellm() -> str:
            resp = litellm.completion(
                model=LLMKIT_MODEL, messages=MESSAGES, api_base=base_url, api_key=API_KEY
            )
            return str(resp.choices[0].message.content)

        return call_litellm
    if client == "llmkit":
        import llmkit

        kc = llmkit.Client(api_key=API_KEY, base_url=base_url, max_retries=0)

        def call_llmkit() -> str:
            return str(kc.complete(LLMKIT_MODEL, MESSAGES).text)

        return call_llmkit
    if client == "llmkit-fn":
        import llmkit

        def call_llmkit_fn() -> str:
            comp = llmkit.complete(LLMKIT_MODEL, MESSAGES, base_url=base_url, api_key=API_KEY, max_retries=0)
            return str(comp.text)

        return call_llmkit_fn
    raise ValueError(f"no sync completion for {client}")


# ---- async completion: returns (one request coroutine factory, async closer) -------------------------


AsyncCall = tuple[Callable[[], Awaitable[str]], Callable[[], Awaitable[None]]]


def make_async_call(client: str, base_url: str) -> AsyncCall:
    url = _chat_url(base_url)
    headers = _auth_headers()
    body = _body()
    if client == "httpx2":
        import httpx2

        hc = httpx2.AsyncClient()

        async def call_httpx2() -> str:
            r = await hc.post(url, json=body, headers=headers)
            if r.status_code != 200:
                raise RuntimeError(f"status {r.status_code}")
            text: str = json.loads(r.content)["choices"][0]["message"]["content"]
            return text

        return call_httpx2, hc.aclose
    if client == "aiohttp":
        import aiohttp

        holder: dict[str, Any] = {}

        async def call_aiohttp() -> str:
            session = holder.get("s")
            if session is None:
                session = holder["s"] = aiohttp.ClientSession()
            async with session.post(url, json=body, headers=headers) as r:
                data = await r.read()
                if r.status != 200:
                    raise RuntimeError(f"status {r.status}")
            text: str = json.loads(data)["choices"][0]["message"]["content"]
            return text

        async def close_aiohttp() -> None:
            session = holder.get("s")
            if session is not None:
                await session.close()

        return call_aiohttp, close_aiohttp
    if client == "openai":
        import openai

        oc = openai.AsyncOpenAI(api_key=API_KEY, base_url=base_url, max_retries=0)

        async def call_openai() -> str:
            resp = await oc.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            return str(resp.choices[0].message.content)

        return call_openai, oc.close
    if client == "litellm":
        import litellm

        async def call_litellm() -> str:
            resp = await litellm.acompletion(
                model=LLMKIT_MODEL, messages=MESSAGES, api_base=base_url, api_key=API_KEY
            )
            return str(resp.choices[0].message.content)

        async def close_nothing() -> None:
            return None

        return call_litellm, close_nothing
    if client == "llmkit":
        import llmkit

        kc = llmkit.AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0)

        async def call_llmkit() -> str:
            comp = await kc.complete(LLMKIT_MODEL, MESSAGES)
            return str(comp.text)

        return call_llmkit, kc.aclose
    raise ValueError(f"no async completion for {client}")


# ---- sync stream: returns a call that reads one stream of n chunks and returns the chunk count -------


def make_sync_stream(client: str, base_url: str) -> Callable[[int], int]:
    url = _chat_url(base_url)
    headers = _auth_headers()
    if client == "httpx2":
        import httpx2

        hc = httpx2.Client()

        def stream_httpx2(n: int) -> int:
            count = 0
            with hc.stream("POST", url, json=_body(True, n), headers=headers) as r:
                if r.status_code != 200:
                    raise RuntimeError(f"status {r.status_code}")
                for line in r.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    payload = line[6:]
                    if payload == "[DONE]":
                        break
                    if _raw_chunk_text(payload):
                        count += 1
            return count

        return stream_httpx2
    if client == "openai":
        import openai

        oc = openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0)

        def stream_openai(n: int) -> int:
            count = 0
            stream = oc.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
                max_tokens=n,
            )
            with stream:
                for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        count += 1
            return count

        return stream_openai
    if client == "litellm":
        import litellm

        def stream_litellm(n: int) -> int:
            count = 0
            resp = litellm.completion(
                model=LLMKIT_MODEL,
                messages=MESSAGES,
                api_base=base_url,
                api_key=API_KEY,
                stream=True,
                max_tokens=n,
            )
            for chunk in resp:
                if chunk.choices and chunk.choices[0].delta.content:
                    count += 1
            return count

        return stream_litellm
    if client == "llmkit":
        import llmkit

        text_delta = _llmkit_text_delta(llmkit)
        kc = llmkit.Client(api_key=API_KEY, base_url=base_url, max_retries=0)

        def stream_llmkit(n: int) -> int:
            count = 0
            with kc.stream(LLMKIT_MODEL, MESSAGES, max_tokens=n) as s:
                for ev in s:
                    if isinstance(ev, text_delta) and ev.text:
                        count += 1
            return count

        return stream_llmkit
    raise ValueError(f"no sync stream for {client}")


def make_async_stream(
    client: str, base_url: str
) -> tuple[Callable[[int], Awaitable[int]], Callable[[], Awaitable[None]]]:
    url = _chat_url(base_url)
    headers = _auth_headers()
    if client == "httpx2":
        import httpx2

        hc = httpx2.AsyncClient()

        async def stream_httpx2(n: int) -> int:
            count = 0
            async with hc.stream("POST", url, json=_body(True, n), headers=headers) as r:
                if r.status_code != 200:
                    raise RuntimeError(f"status {r.status_code}")
                async for line in r.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    payload = line[6:]
                    if payload == "[DONE]":
                        break
                    if _raw_chunk_text(payload):
                        count += 1
            return count

        return stream_httpx2, hc.aclose
    if client == "aiohttp":
        import aiohttp

        holder: dict[str, Any] = {}

        async def stream_aiohttp(n: int) -> int:
            session = holder.get("s")
            if session is None:
                session = holder["s"] = aiohttp.ClientSession()
            count = 0
            async with session.post(url, json=_body(True, n), headers=headers) as r:
                if r.status != 200:
                    raise RuntimeError(f"status {r.status}")
                async for raw in r.content:
                    if not raw.startswith(b"data: "):
                        continue
                    payload = raw[6:].rstrip(b"\r\n")
                    if payload == b"[DONE]":
                        break
                    if _raw_chunk_text(payload):
                        count += 1
            return count

        async def close_aiohttp() -> None:
            session = holder.get("s")
            if session is not None:
                await session.close()

        return stream_aiohttp, close_aiohttp
    if client == "openai":
        import openai

        oc = openai.AsyncOpenAI(api_key=API_KEY, base_url=base_url, max_retries=0)

        async def stream_openai(n: int) -> int:
            count = 0
            stream = await oc.chat.completions.create(
                model=MODEL,
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
                max_tokens=n,
            )
            async with stream:
                async for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content:
                        count += 1
            return count

        return stream_openai, oc.close
    if client == "litellm":
        import litellm

        async def stream_litellm(n: int) -> int:
            count = 0
            resp = await litellm.acompletion(
                model=LLMKIT_MODEL,
                messages=MESSAGES,
                api_base=base_url,
                api_key=API_KEY,
                stream=True,
                max_tokens=n,
            )
            async for chunk in resp:
                if chunk.choices and chunk.choices[0].delta.content:
                    count += 1
            return count

        async def close_nothing() -> None:
            return None

        return stream_litellm, close_nothing
    if client == "llmkit":
        import llmkit

        text_delta = _llmkit_text_delta(llmkit)
        kc = llmkit.AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0)

        async def stream_llmkit(n: int) -> int:
            count = 0
            async with kc.stream(LLMKIT_MODEL, MESSAGES, max_tokens=n) as s:
                async for ev in s:
                    if isinstance(ev, text_delta) and ev.text:
                        count += 1
            return count

        return stream_llmkit, kc.aclose
    raise ValueError(f"no async stream for {client}")


class _Profiler:
    """cProfile around the timed section only, when asked for."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.prof: Any = None

    def __enter__(self) -> _Profiler:
        if self.path:
            import cProfile

            self.prof = cProfile.Profile()
            self.prof.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.prof is None or self.path is None:
            return
        self.prof.disable()
        import pstats

        self.prof.dump_stats(self.path + ".pstats")
        with open(self.path, "w", encoding="utf-8") as fh:
            stats = pstats.Stats(self.prof, stream=fh)
            stats.sort_stats("tottime").print_stats(40)
            stats.sort_stats("cumulative").print_stats(40)


def _max_rss_mb() -> float:
    """Peak RSS of this process image in MB (VmHWM; ru_maxrss would include the forking parent)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_sync(a: WorkerArgs) -> dict[str, Any]:
    call = make_sync_call(a.client, a.base_url)
    for i in range(a.warmup):
        text = call()
        if i == 0 and text != COMPLETION_TEXT:
            raise RuntimeError(f"unexpected completion text {text!r}")
    deadline = time.monotonic() + a.budget_s
    done = 0
    truncated = False
    with _Profiler(a.cprofile):
        c0, t0 = time.process_time(), time.perf_counter()
        for i in range(a.n):
            call()
            done += 1
            if (i & 63) == 63 and time.monotonic() > deadline:
                truncated = True
                break
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "count": done,
        "wall_s": wall,
        "cpu_s": cpu,
        "value": wall / done * 1e6,
        "cpu_us": cpu / done * 1e6,
        "unit": "µs/call",
        "truncated": truncated,
    }


async def _run_concurrent(
    one: Callable[[], Awaitable[str]], total: int, concurrency: int, deadline: float
) -> tuple[int, bool]:
    remaining = total
    done = 0
    truncated = False

    async def lane() -> None:
        nonlocal remaining, done, truncated
        while remaining > 0:
            if time.monotonic() > deadline:
                truncated = True
                return
            remaining -= 1
            await one()
            done += 1

    budget = max(1.0, deadline - time.monotonic()) + 30.0
    await asyncio.wait_for(asyncio.gather(*(lane() for _ in range(min(concurrency, total)))), budget)
    return done, truncated


async def _worker_async(a: WorkerArgs) -> dict[str, Any]:
    one, close = make_async_call(a.client, a.base_url)
    try:
        text = await asyncio.wait_for(one(), 60)
        if text != COMPLETION_TEXT:
            raise RuntimeError(f"unexpected completion text {text!r}")
        await _run_concurrent(one, a.warmup, a.concurrency, time.monotonic() + a.budget_s)
        deadline = time.monotonic() + a.budget_s
        with _Profiler(a.cprofile):
            c0, t0 = time.process_time(), time.perf_counter()
            done, truncated = await _run_concurrent(one, a.n, a.concurrency, deadline)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        await close()
    return {
        "count": done,
        "wall_s": wall,
        "cpu_s": cpu,
        "value": done / wall,
        "cpu_us": cpu / done * 1e6,
        "unit": "req/s",
        "truncated": truncated,
    }


def worker_stream_sync(a: WorkerArgs) -> dict[str, Any]:
    read = make_sync_stream(a.client, a.base_url)
    for _ in range(2):
        got = read(a.warmup)
        if got != a.warmup:
            raise RuntimeError(f"warmup stream gave {got} chunks, want {a.warmup}")
    with _Profiler(a.cprofile):
        c0, t0 = time.process_time(), time.perf_counter()
        got = read(a.n)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if got != a.n:
        raise RuntimeError(f"stream gave {got} chunks, want {a.n}")
    return {
        "count": got,
        "wall_s": wall,
        "cpu_s": cpu,
        "value": wall / got * 1e6,
        "cpu_us": cpu / got * 1e6,
        "unit": "µs/chunk",
        "truncated": False,
    }


async def _worker_stream_async(a: WorkerArgs) -> dict[str, Any]:
    read, close = make_async_stream(a.client, a.base_url)
    try:
        for _ in range(2):
            got = await asyncio.wait_for(read(a.warmup), 120)
            if got != a.warmup:
                raise RuntimeError(f"warmup stream gave {got} chunks, want {a.warmup}")
        with _Profiler(a.cprofile):
            c0, t0 = time.process_time(), time.perf_counter()
            got = await asyncio.wait_for(read(a.n), a.budget_s)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        await close()
    if got != a.n:
        raise RuntimeError(f"stream gave {got} chunks, want {a.n}")
    return {
        "count": got,
        "wall_s": wall,
        "cpu_s": cpu,
        "value": wall / got * 1e6,
        "cpu_us": cpu / got * 1e6,
        "unit": "µs/chunk",
        "truncated": False,
    }


def run_worker(a: WorkerArgs) -> dict[str, Any]:
    if a.measure == "sync":
        result = worker_sync(a)
    elif a.measure == "async":
        result = asyncio.run(_worker_async(a))
    elif a.measure == "stream_sync":
        result = worker_stream_sync(a)
    elif a.measure == "stream_async":
        result = asyncio.run(_worker_stream_async(a))
    else:
        raise ValueError(f"unknown measure {a.measure}")
    result["rss_mb"] = _max_rss_mb()
    return result


def worker_main(ns: argparse.Namespace) -> int:
    client, measure = ns.worker
    a = WorkerArgs(
        client=client,
        measure=measure,
        base_url=ns.base_url,
        n=ns.n,
        concurrency=ns.concurrency,
        warmup=ns.warmup,
        budget_s=ns.budget,
        cprofile=ns.cprofile,
    )
    try:
        result = run_worker(a)
    except Exception as exc:  # reported to the parent, which records it and goes on
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:2000]}), flush=True)
        return 1
    print(json.dumps(result), flush=True)
    return 0


# --------------------------------------------------------------------------------------------------
# Parent side: peers venv, mock server, subprocess orchestration, report.
# --------------------------------------------------------------------------------------------------


@dataclass
class Config:
    clients: list[str]
    rounds: int
    sync_calls: int
    sync_warmup: int
    async_requests: int
    async_warmup: int
    concurrency: int
    stream_chunks: int
    stream_warmup: int
    import_runs: int
    budget_s: float
    pin: bool
    quick: bool
    litellm_version: str
    openai_version: str
    results_path: Path
    retries: int = 2
    max_foreign: float = 0.25
    quiet_wait_s: float = 60.0
    quiet_until: float = 0.0  # time.monotonic() after which the run neither waits for quiet nor retries
    profile: list[str] = field(default_factory=list)


@dataclass
class Env:
    main_py: Path
    peers_py: Path | None
    taskset: str | None
    base_env: dict[str, str]

    def python_for(self, client: str) -> Path:
        if client in PEER_CLIENTS:
            if self.peers_py is None:
                raise RuntimeError(f"{client} needs the peers venv")
            return self.peers_py
        return self.main_py

    def env_for(self, client: str) -> dict[str, str]:
        env = dict(self.base_env)
        if client not in PEER_CLIENTS:
            env["PYTHONPATH"] = str(SRC) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        return env

    def pinned(self, cpu: int, cmd: list[str]) -> list[str]:
        if self.taskset is None:
            return cmd
        return [self.taskset, "-c", str(cpu), *cmd]


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _run_logged(cmd: list[str], logfile: Path, timeout: float) -> None:
    with logfile.open("a", encoding="utf-8") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n")
        fh.flush()
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}; see {logfile}")


def _requirement_tools() -> tuple[Any, Any]:
    try:
        from packaging.requirements import Requirement
        from packaging.utils import canonicalize_name
    except ImportError:  # pip always carries a copy
        from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
        from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]
    return Requirement, canonicalize_name


def litellm_requirements(wheel: Path) -> tuple[list[str], list[str]]:
    """Runtime requirements of the LiteLLM wheel for this Python, with certifi unpinned.

    Returns (requirements, notes). LiteLLM 1.109.x pins certifi newer than the
    registry here has; any certifi works for a loopback benchmark.
    """
    requirement_cls, canonicalize_name = _requirement_tools()
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = zf.read(meta_name).decode("utf-8")
    reqs: list[str] = []
    notes: list[str] = []
    for line in meta.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        req = requirement_cls(line.split(":", 1)[1].strip())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        if canonicalize_name(req.name) == "certifi":
            notes.append(f"certifi requirement `{req}` relaxed to the newest certifi available")
            reqs.append("certifi")
            continue
        reqs.append(str(req))
    return reqs, notes


def ensure_peers_venv(cfg: Config) -> tuple[Path, list[str]]:
    """Create (or reuse) benchmarks/.venv-peers with the openai SDK and LiteLLM."""
    py = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".bench-stamp"
    want = f"openai=={cfg.openai_version} litellm=={cfg.litellm_version}"
    notes_file = PEERS_VENV / ".bench-notes"
    if py.exists() and stamp.exists() and stamp.read_text(encoding="utf-8").strip() == want:
        notes = notes_file.read_text(encoding="utf-8").splitlines() if notes_file.exists() else []
        return py, notes
    WORK.mkdir(parents=True, exist_ok=True)
    logfile = WORK / "peers-install.log"
    log(f"creating {PEERS_VENV} ({want}); log in {logfile}")
    base_python = getattr(sys, "_base_executable", sys.executable)
    _run_logged([base_python, "-m", "venv", "--clear", str(PEERS_VENV)], logfile, 300)
    pip = [str(py), "-m", "pip", "--disable-pip-version-check"]
    wheels = WORK / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    _run_logged(
        [*pip, "download", "--no-deps", "-d", str(wheels), f"litellm=={cfg.litellm_version}"], logfile, 900
    )
    wheel = next(iter(sorted(wheels.glob("litellm-*"))))
    reqs, notes = litellm_requirements(wheel)
    _run_logged([*pip, "install", f"openai=={cfg.openai_version}", "sniffio", *reqs], logfile, 1800)
    _run_logged([*pip, "install", "--no-deps", str(wheel)], logfile, 600)
    notes.append(f"LiteLLM {cfg.litellm_version} installed with `--no-deps` after its other requirements")
    stamp.write_text(want + "\n", encoding="utf-8")
    notes_file.write_text("\n".join(notes) + "\n", encoding="utf-8")
    return py, notes


def package_versions(py: Path, env: dict[str, str]) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        f"for name in {VERSION_PACKAGES!r}:\n"
        "    try:\n"
        "        out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([str(py), "-c", code], capture_output=True, text=True, env=env, timeout=60)
    if proc.returncode != 0:
        return {}
    versions: dict[str, str] = json.loads(proc.stdout)
    return versions


class MockServer:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> MockServer:
        cmd = self.env.pinned(1, [str(self.env.main_py), str(HERE / "mock_server.py"), "--port", "0"])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=self.env.base_env)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("PORT "):
                self.port = int(line.split()[1])
                return self
            if not line and self.proc.poll() is not None:
                break
        self.__exit__()
        raise RuntimeError("mock server did not start")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


# Peak RSS in KiB as `hwm`: VmHWM belongs to this process image only, whereas ru_maxrss on Linux
# keeps the high-water mark of the parent that forked us before exec.
_HWM_SNIPPET = (
    "hwm = next(int(ln.split()[1]) for ln in open('/proc/self/status') if ln.startswith('VmHWM:'))\n"
)


def measure_import(env: Env, key: str, runs: int) -> dict[str, Any]:
    """Wall time of fresh ``python -c "import X"`` runs, plus in-process import time and peak RSS."""
    client = key.removesuffix("-api")
    code = "import time\nt0 = time.perf_counter()\n" + IMPORT_STMT[key] + "\nt1 = time.perf_counter()\n"
    code += _HWM_SNIPPET + "print(t1 - t0, hwm)\n"
    cmd = env.pinned(0, [str(env.python_for(client)), "-c", code])
    walls: list[float] = []
    inproc: list[float] = []
    rss: list[float] = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env.env_for(client), timeout=120)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
        if i == 0:  # first run warms the bytecode and page caches; not counted
            continue
        imp_s, rss_kb = proc.stdout.split()
        walls.append(wall * 1e3)
        inproc.append(float(imp_s) * 1e3)
        rss.append(int(rss_kb) / 1024.0)
    return {
        "import_ms": statistics.median(walls),
        "import_inproc_ms": statistics.median(inproc),
        "rss_mb": statistics.median(rss),
        "runs": runs,
    }


def baseline_interpreter(env: Env, runs: int) -> dict[str, float]:
    code = _HWM_SNIPPET + "print(hwm)\n"
    cmd = env.pinned(0, [str(env.main_py), "-c", code])
    walls: list[float] = []
    rss: list[float] = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env.base_env, timeout=60)
        if i:
            walls.append((time.perf_counter() - t0) * 1e3)
            rss.append(int(proc.stdout.strip()) / 1024.0)
    return {"import_ms": statistics.median(walls), "rss_mb": statistics.median(rss)}


_CLK_TCK = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0


@dataclass
class _CpuSnapshot:
    wall: float
    busy: float  # all CPUs, seconds (user+nice+system+irq+softirq+steal)
    server: float  # the mock server's CPU seconds
    ours: float  # this process plus its finished children, CPU seconds


def _cpu_snapshot(server_pid: int | None) -> _CpuSnapshot | None:
    """Machine-wide busy CPU time, and our own share of it; None where /proc is missing."""
    import resource

    try:
        with open("/proc/stat", encoding="ascii") as fh:
            f = [int(x) for x in fh.readline().split()[1:9]]
        busy = (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / _CLK_TCK
        server = 0.0
        if server_pid:
            with open(f"/proc/{server_pid}/stat", encoding="ascii") as fh:
                rest = fh.read().rsplit(")", 1)[1].split()
            server = (int(rest[11]) + int(rest[12])) / _CLK_TCK
    except (OSError, ValueError, IndexError):
        return None
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    return _CpuSnapshot(time.perf_counter(), busy, server, ours)


def _foreign_load(a: _CpuSnapshot | None, b: _CpuSnapshot | None) -> float | None:
    """CPUs used on average by processes other than this benchmark between two snapshots."""
    if a is None or b is None or b.wall - a.wall < 0.05:
        return None
    other = (b.busy - a.busy) - (b.server - a.server) - (b.ours - a.ours)
    return max(0.0, other / (b.wall - a.wall))


def measure_params(cfg: Config, measure: str) -> tuple[int, int]:
    if measure == "sync":
        return cfg.sync_calls, cfg.sync_warmup
    if measure == "async":
        return cfg.async_requests, cfg.async_warmup
    return cfg.stream_chunks, cfg.stream_warmup


def run_one(
    env: Env, cfg: Config, server: MockServer, client: str, measure: str, cprofile: str | None = None
) -> dict[str, Any]:
    n, warmup = measure_params(cfg, measure)
    cmd = [
        str(env.python_for(client)),
        str(Path(__file__).resolve()),
        "--worker",
        client,
        measure,
        "--base-url",
        server.base_url,
        "--n",
        str(n),
        "--warmup",
        str(warmup),
        "--concurrency",
        str(cfg.concurrency),
        "--budget",
        str(cfg.budget_s),
    ]
    if cprofile:
        cmd += ["--cprofile", cprofile]
    before = _cpu_snapshot(server.pid)
    try:
        proc = subprocess.run(
            env.pinned(0, cmd),
            capture_output=True,
            text=True,
            env=env.env_for(client),
            timeout=cfg.budget_s * 2 + 120,
        )
    except subprocess.TimeoutExpired:
        return {"error": "worker timed out"}
    foreign = _foreign_load(before, _cpu_snapshot(server.pid))
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.startswith("{")]
    if not lines:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"[:2000]}
    result: dict[str, Any] = json.loads(lines[-1])
    if foreign is not None:
        result["foreign_load"] = round(foreign, 3)
    if "error" in result:
        tail = proc.stderr.strip().splitlines()[-2:]
        if tail:
            result["stderr"] = " | ".join(tail)[:2000]
    return result


def wait_for_quiet(cfg: Config, server_pid: int | None) -> float | None:
    """Wait (at most ``cfg.quiet_wait_s``) until other processes use less than ``cfg.max_foreign`` CPUs.

    Returns the foreign load seen in the last one-second sample.
    """
    deadline = min(time.monotonic() + cfg.quiet_wait_s, cfg.quiet_until)
    load: float | None = None
    waited = False
    while True:
        before = _cpu_snapshot(server_pid)
        time.sleep(1.0)
        load = _foreign_load(before, _cpu_snapshot(server_pid))
        if load is None or load <= cfg.max_foreign or time.monotonic() >= deadline:
            break
        if not waited:
            log(f"  other processes use {load:.2f} CPUs; waiting up to {cfg.quiet_wait_s:.0f} s for quiet")
            waited = True
    return load


def run_measured(env: Env, cfg: Config, server: MockServer, client: str, measure: str) -> dict[str, Any]:
    """run_one after waiting for quiet, repeated (a bounded number of times) while other load persists.

    Keeps the attempt that saw the least foreign load; records how many were made.
    """
    best: dict[str, Any] | None = None
    attempts = 0
    for attempt in range(1 + cfg.retries):
        attempts = attempt + 1
        if cfg.quiet_wait_s > 0 and time.monotonic() < cfg.quiet_until:
            wait_for_quiet(cfg, server.pid)
        res = run_one(env, cfg, server, client, measure)
        if "error" in res:
            res["attempts"] = attempts
            return res
        if best is None or res.get("foreign_load", 0.0) < best.get("foreign_load", 0.0):
            best = res
        load = res.get("foreign_load")
        if load is None or load <= cfg.max_foreign or time.monotonic() >= cfg.quiet_until:
            break
        log(f"  other processes used {load:.2f} CPUs during {client} {measure}; measuring again")
    assert best is not None
    best["attempts"] = attempts
    return best


def _median_field(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [float(r[key]) for r in rows if key in r and "error" not in r]
    return statistics.median(vals) if vals else None


@dataclass
class Summary:
    imports: dict[str, dict[str, Any]]
    runs: dict[str, dict[str, list[dict[str, Any]]]]
    baseline: dict[str, float]
    first_call: dict[str, dict[str, Any]] = field(default_factory=dict)

    def value(self, client: str, measure: str) -> float | None:
        if measure in ("import_ms", "rss_mb", "import_inproc_ms"):
            v = self.imports.get(client, {}).get(measure)
            return float(v) if v is not None else None
        return _median_field(self.runs.get(client, {}).get(measure, []), "value")

    def cpu(self, client: str, measure: str) -> float | None:
        return _median_field(self.runs.get(client, {}).get(measure, []), "cpu_us")

    def errors(self, client: str, measure: str) -> list[str]:
        return [str(r["error"]) for r in self.runs.get(client, {}).get(measure, []) if "error" in r]


def _fmt(v: float | None, digits: int = 0) -> str:
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def verdicts(s: Summary) -> list[tuple[str, str, str, str, str]]:
    """(target, llmkit value, ratio, CPU-time ratio, PASS/MISS/n.a.) per target.

    The verdict uses the measured ratio (wall time, or req/s). The CPU-time ratio is the same
    comparison made on CPU seconds, which other load on the machine disturbs much less: for
    async it is baseline CPU per request / llmkit CPU per request (the req/s one core allows).
    """
    out: list[tuple[str, str, str, str, str]] = []
    for measure, base, op, bound, label in TARGETS:
        mine = s.value("llmkit", measure)
        if mine is None:
            out.append((label, "–", "–", "–", "n/a (no llmkit result)"))
            continue
        if not base:
            ok = mine <= bound if op == "<=" else mine >= bound
            out.append((label, f"{mine:.1f} MB", "–", "–", "PASS" if ok else "MISS"))
            continue
        ref = s.value(base, measure)
        if ref is None:
            out.append((label, _fmt(mine, 1), "–", "–", f"n/a (no {base} result)"))
            continue
        ratio = mine / ref
        ok = ratio <= bound if op == "<=" else ratio >= bound
        cpu_ratio = "–"
        my_cpu, ref_cpu = s.cpu("llmkit", measure), s.cpu(base, measure)
        if my_cpu and ref_cpu:
            cpu_ratio = f"{(ref_cpu / my_cpu if op == '>=' else my_cpu / ref_cpu):.2f}×"
        digits = 2 if measure.startswith("stream") else 0
        out.append((label, _fmt(mine, digits), f"{ratio:.2f}×", cpu_ratio, "PASS" if ok else "MISS"))
    return out


def machine_facts(env: Env) -> list[str]:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [
        f"- date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}",
        f"- nproc: {os.cpu_count()}; CPU: {cpu_model or 'unknown'}",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        "- pinning: " + ("server on CPU 1, clients on CPU 0 (`taskset`)" if env.taskset else "none"),
    ]


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=10)


def llmkit_revision() -> str:
    """The git commit of the llmkit tree measured, and whether it had uncommitted changes (read-only)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "src")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (no git)"
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    suffix = " with uncommitted changes under src/" if dirty.stdout.strip() else ""
    return f"commit {head.stdout.strip()}{suffix}"


def render_report(
    cfg: Config,
    env: Env,
    s: Summary,
    command: str,
    versions: dict[str, dict[str, str]],
    notes: list[str],
    elapsed_s: float,
) -> str:
    clients = cfg.clients
    lines: list[str] = ["# Benchmark results", ""]
    if cfg.quick:
        lines += ["**Quick smoke run: few iterations, not for quoting.**", ""]
    lines += ["## Machine", "", *machine_facts(env), ""]
    lines += ["Package versions:", ""]
    for where, vers in versions.items():
        pretty = ", ".join(f"{k} {v}" for k, v in sorted(vers.items())) or "(none)"
        lines.append(f"- {where}: {pretty}")
    lines.append(f"- llmkit source: {llmkit_revision()}")
    lines += ["", "## Command", "", "```", command, "```", ""]
    lines += [
        f"Rounds: {cfg.rounds} (each client and measure in a fresh subprocess per round; medians shown). "
        f"Sync: {cfg.sync_calls:,} calls after {cfg.sync_warmup} warmup. "
        f"Async: {cfg.async_requests:,} requests at concurrency {cfg.concurrency} after "
        f"{cfg.async_warmup} warmup. Streams: one {cfg.stream_chunks:,}-chunk stream after two "
        f"{cfg.stream_warmup}-chunk warmup streams. Import: median of {cfg.import_runs} fresh "
        f'`python -c "import X"` after one discarded run. Whole run took {elapsed_s:.0f} s.',
        "",
    ]
    if "llmkit" not in clients:
        lines += ["**llmkit was not part of this run.**", ""]
    header = "| measure | " + " | ".join(clients) + " |"
    sep = "|---|" + "---:|" * len(clients)
    rows: list[tuple[str, str, int, bool]] = [
        ("`import` wall, ms (`python -c`)", "import_ms", 0, False),
        ("import alone in-process, ms", "import_inproc_ms", 0, False),
        ("peak RSS after import, MB", "rss_mb", 1, False),
        ("sync call latency, µs/call", "sync", 0, False),
        ("sync CPU, µs/call", "sync", 0, True),
        ("async throughput, req/s", "async", 0, False),
        ("async CPU, µs/request", "async", 0, True),
        ("sync stream, µs/chunk", "stream_sync", 2, False),
        ("async stream, µs/chunk", "stream_async", 2, False),
        ("peak RSS at end of sync stream run, MB", "stream_sync_rss", 1, False),
        ("peak RSS at end of async stream run, MB", "stream_async_rss", 1, False),
    ]
    lines += ["## Medians", "", header, sep]
    for label, key, digits, cpu in rows:
        cells: list[str] = []
        for c in clients:
            if key.endswith("_rss"):
                v = _median_field(s.runs.get(c, {}).get(key.removesuffix("_rss"), []), "rss_mb")
            elif cpu:
                v = s.cpu(c, key)
            else:
                v = s.value(c, key)
            cells.append(_fmt(v, digits))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Interpreter alone (`python -c pass`): {s.baseline.get('import_ms', 0):.0f} ms, "
        f"{s.baseline.get('rss_mb', 0):.1f} MB peak RSS.",
        "",
    ]
    api = s.imports.get("llmkit-api", {})
    if "import_ms" in api:
        lines += [
            "llmkit exports its API lazily; `import llmkit` followed by touching `llmkit.Client`, "
            f"`llmkit.AsyncClient` and `llmkit.complete`: {api['import_ms']:.0f} ms wall "
            f"({api['import_inproc_ms']:.0f} ms in-process), {api['rss_mb']:.1f} MB peak RSS.",
            "",
        ]
    lines += _first_call_section(cfg, s)
    # ratios
    lines += ["## Ratios vs raw (same run)", "", header, sep]
    ratio_rows = [
        ("import wall / httpx2", "import_ms", "httpx2"),
        ("sync µs / httpx2", "sync", "httpx2"),
        ("async req/s / aiohttp", "async", "aiohttp"),
        ("async req/s / httpx2", "async", "httpx2"),
        ("sync stream µs/chunk / httpx2", "stream_sync", "httpx2"),
        ("async stream µs/chunk / aiohttp", "stream_async", "aiohttp"),
    ]
    for label, key, base in ratio_rows:
        ref = s.value(base, key)
        cells = []
        for c in clients:
            v = s.value(c, key)
            cells.append(f"{v / ref:.2f}×" if v is not None and ref else "–")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## llmkit targets",
        "",
        "Verdicts use the measured ratio; the CPU-time ratio is the same comparison on CPU seconds "
        "(less disturbed by other load; for async: baseline CPU per request / llmkit's).",
        "",
        "| target | llmkit | ratio | CPU-time ratio | verdict |",
        "|---|---:|---:|---:|---|",
    ]
    for label, mine, ratio, cpu_ratio, verdict in verdicts(s):
        lines.append(f"| {label} | {mine} | {ratio} | {cpu_ratio} | {verdict} |")
    kept = [r for per in s.runs.values() for rows in per.values() for r in rows]
    loads = [float(r["foreign_load"]) for r in kept if "foreign_load" in r]
    retried = sum(1 for r in kept if r.get("attempts", 1) > 1)
    if loads:
        lines += [
            "",
            f"Other processes on the machine used a median of {statistics.median(loads):.2f} CPUs "
            f"(max {max(loads):.2f}) during the kept worker runs. Before each run the script waited "
            f"up to {cfg.quiet_wait_s:.0f} s for that load to drop below {cfg.max_foreign:.2f} CPUs; "
            f"{retried} run(s) were measured again because it did not (up to {cfg.retries} retries, "
            "keeping the quietest attempt).",
        ]
    errs: list[str] = []
    for c in clients:
        imp_err = s.imports.get(c, {}).get("error")
        if imp_err:
            errs.append(f"- {c} import: {imp_err}")
        for m in MEASURES:
            for e in sorted(set(s.errors(c, m))):
                errs.append(f"- {c} {m}: {e}")
            trunc = [r for r in s.runs.get(c, {}).get(m, []) if r.get("truncated")]
            if trunc:
                errs.append(f"- {c} {m}: {len(trunc)} round(s) hit the time budget (fewer operations)")
    if errs:
        lines += ["", "## Errors and truncations", "", *errs]
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in notes]
    lines += [
        "- `llmkit` is a reused `llmkit.Client` / `llmkit.AsyncClient`; `llmkit-fn` is the module-level "
        "`llmkit.complete(...)` (sync only).",
        "- Raw httpx2: one `httpx2.Client`/`AsyncClient`, `post` + `json.loads`; streams read with "
        "`iter_lines`/`aiter_lines` and `json.loads` per `data:` line. Raw aiohttp: one `ClientSession`, "
        "`read()` + `json.loads`; streams read line by line from `resp.content`.",
        "- openai SDK: one reused `OpenAI`/`AsyncOpenAI` (max_retries=0). LiteLLM: `litellm.completion` / "
        "`acompletion` with `api_base`, model `openai/bench-model`, `LITELLM_LOCAL_MODEL_COST_MAP=True`.",
        "- The mock streams one SSE event per HTTP chunk (chunked encoding), tokens vary per chunk.",
        "- Run-to-run noise on this kind of machine is about ±20%; only differences near 2× are robust.",
        "",
    ]
    return "\n".join(lines)


def _first_call_section(cfg: Config, s: Summary) -> list[str]:
    if not s.first_call:
        return []
    return [
        "## First call per provider family (llmkit against raw httpx2)",
        "",
        "A fresh process per run: wall time from `import llmkit` to the first `llmkit.complete()` "
        "answer (module-level function, so the default client and its pool are built too), against "
        "llmkit's emulator started beforehand in another process (pinned like the mock; not timed). "
        f"Median of {cfg.import_runs} runs per family after one discarded run. Modules are counted "
        'in `sys.modules` after the call; "also loaded" names which of httpx2, aiohttp, pydantic '
        "and botocore the call imported. The raw column is the floor: `import httpx2` and the same "
        "request written by hand (SigV4 with the standard library for bedrock) to the same emulator "
        "route, in fresh processes taking turns with llmkit's (`benchmarks/first_call.py`).",
        "",
        *first_call.render(s.first_call),
        "",
    ]


def build_env(cfg: Config, need_peers: bool) -> tuple[Env, list[str]]:
    main_py = MAIN_VENV_PY if MAIN_VENV_PY.exists() else Path(sys.executable)
    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    base_env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    base_env["LITELLM_LOG"] = "ERROR"
    base_env.pop("OPENAI_API_KEY", None)
    base_env.pop("OPENAI_BASE_URL", None)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        base_env.pop(proxy, None)
    base_env["NO_PROXY"] = "127.0.0.1,localhost"
    taskset = shutil.which("taskset") if cfg.pin and (os.cpu_count() or 1) >= 2 else None
    notes: list[str] = []
    peers_py: Path | None = None
    if need_peers:
        peers_py, notes = ensure_peers_venv(cfg)
    return Env(main_py=main_py, peers_py=peers_py, taskset=taskset, base_env=base_env), notes


def _formats_section(path: Path) -> str:
    """The every-format section ``formats.py`` wrote into the same file, kept across rewrites."""
    begin, end = "<!-- formats:begin -->", "<!-- formats:end -->"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    if begin not in text or end not in text:
        return ""
    return "\n" + text[text.index(begin) : text.index(end) + len(end)] + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="llmkit side-by-side benchmark (see benchmarks/README.md)")
    p.add_argument("--quick", action="store_true", help="few iterations, one round, no peers venv")
    p.add_argument("--only", default="", help=f"comma-separated clients from {','.join(CLIENTS)}")
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--sync-calls", type=int, default=None)
    p.add_argument("--async-requests", type=int, default=None)
    p.add_argument("--concurrency", type=int, default=100)
    p.add_argument("--stream-chunks", type=int, default=None)
    p.add_argument("--import-runs", type=int, default=None)
    p.add_argument("--budget", type=float, default=120.0, help="seconds per timed loop before it stops early")
    p.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    p.add_argument("--retries", type=int, default=2, help="extra tries while other processes load the CPUs")
    p.add_argument("--max-foreign", type=float, default=0.25, help="foreign CPUs that trigger a retry")
    p.add_argument("--quiet-wait", type=float, default=60.0, help="max seconds to wait for quiet per run")
    p.add_argument("--quiet-budget", type=float, default=1200.0, help="s after start when waits/retries end")
    p.add_argument("--litellm-version", default=DEFAULT_LITELLM)
    p.add_argument("--openai-version", default=DEFAULT_OPENAI)
    p.add_argument("--results", default=None, help="report path (default RESULTS.md; .work/ for --quick)")
    p.add_argument(
        "--profile",
        default="",
        help="comma-separated clients to run once more per measure under cProfile (.work/profile-*.txt)",
    )
    # worker mode
    p.add_argument("--worker", nargs=2, metavar=("CLIENT", "MEASURE"), help=argparse.SUPPRESS)
    p.add_argument("--base-url", default="", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--warmup", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--cprofile", default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def make_config(ns: argparse.Namespace) -> Config:
    quick: bool = ns.quick
    clients = [c.strip() for c in ns.only.split(",") if c.strip()] if ns.only else list(CLIENTS)
    unknown = [c for c in clients if c not in CLIENTS]
    if unknown:
        raise SystemExit(f"unknown client(s): {', '.join(unknown)}; choose from {', '.join(CLIENTS)}")
    if quick and not ns.only:
        clients = [c for c in clients if c not in PEER_CLIENTS]
    default_results = WORK / "RESULTS.quick.md" if quick else HERE / "RESULTS.md"
    results = Path(ns.results) if ns.results else default_results

    def pick(v: int | None, full: int, small: int) -> int:
        chosen = v if v is not None else (small if quick else full)
        return max(1, min(chosen, 1_000_000))

    return Config(
        clients=clients,
        rounds=pick(ns.rounds, 3, 1),
        sync_calls=pick(ns.sync_calls, 2000, 300),
        sync_warmup=50 if quick else 200,
        async_requests=pick(ns.async_requests, 2000, 400),
        async_warmup=100 if quick else 200,
        concurrency=max(1, min(ns.concurrency, 1000)),
        stream_chunks=pick(ns.stream_chunks, 20_000, 2000),
        stream_warmup=150,
        import_runs=pick(ns.import_runs, 10, 3),
        budget_s=max(5.0, min(float(ns.budget), 600.0)),
        pin=not ns.no_pin,
        quick=quick,
        litellm_version=ns.litellm_version,
        openai_version=ns.openai_version,
        results_path=results,
        retries=max(0, min(ns.retries, 5)),
        max_foreign=max(0.0, float(ns.max_foreign)),
        quiet_wait_s=max(0.0, min(float(ns.quiet_wait), 600.0)),
        profile=[c.strip() for c in ns.profile.split(",") if c.strip()],
    )


def measure_first_calls(env: Env, cfg: Config) -> dict[str, dict[str, Any]]:
    """``import llmkit`` plus a first call per provider family, each in a fresh process, the client
    on one CPU and the emulator on another."""
    if cfg.quiet_wait_s > 0 and time.monotonic() < cfg.quiet_until:
        wait_for_quiet(cfg, None)

    def client_cpu(cmd: list[str]) -> list[str]:
        return env.pinned(0, cmd)

    def server_cpu(cmd: list[str]) -> list[str]:
        return env.pinned(1, cmd)

    return first_call.measure_all(env.main_py, env.base_env, client_cpu, server_cpu, cfg.import_runs, log)


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(argv)
    if ns.worker:
        return worker_main(ns)

    def on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds: the worker and the mock server get stopped

    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    cfg = make_config(ns)
    cfg.quiet_until = time.monotonic() + max(0.0, min(float(ns.quiet_budget), 7200.0))
    env, notes = build_env(cfg, need_peers=any(c in PEER_CLIENTS for c in cfg.clients))
    WORK.mkdir(parents=True, exist_ok=True)
    command = "python " + " ".join(
        [os.path.relpath(Path(__file__).resolve(), Path.cwd()), *(argv if argv is not None else sys.argv[1:])]
    )
    log(f"clients: {', '.join(cfg.clients)}; rounds: {cfg.rounds}; pinning: {bool(env.taskset)}")

    versions: dict[str, dict[str, str]] = {"main venv": package_versions(env.main_py, env.env_for("httpx2"))}
    if env.peers_py is not None:
        versions["peers venv"] = package_versions(env.peers_py, env.env_for("openai"))

    imports: dict[str, dict[str, Any]] = {}
    baseline = baseline_interpreter(env, cfg.import_runs)
    for key in IMPORT_STMT:
        if key.removesuffix("-api") in cfg.clients:
            if cfg.quiet_wait_s > 0 and time.monotonic() < cfg.quiet_until:
                wait_for_quiet(cfg, None)
            log(f"import {key}")
            imports[key] = measure_import(env, key, cfg.import_runs)

    first = measure_first_calls(env, cfg) if "llmkit" in cfg.clients else {}

    runs: dict[str, dict[str, list[dict[str, Any]]]] = {c: {m: [] for m in MEASURES} for c in cfg.clients}
    with MockServer(env) as server:
        log(f"mock server on {server.base_url}")
        for rnd in range(cfg.rounds):
            for measure in MEASURES:
                order = [c for c in cfg.clients if measure in SUPPORTED[c]]
                shift = rnd % len(order) if order else 0
                for client in order[shift:] + order[:shift]:
                    res = run_measured(env, cfg, server, client, measure)
                    runs[client][measure].append(res)
                    shown = res.get("error") or (
                        f"{res['value']:,.1f} {res['unit']} (cpu {res['cpu_us']:,.0f} µs)"
                    )
                    log(f"round {rnd + 1}/{cfg.rounds} {measure:<12} {client:<10} {shown}")
        for client in cfg.profile:
            for measure in MEASURES:
                if client in cfg.clients and measure in SUPPORTED[client]:
                    out = WORK / f"profile-{client}-{measure}.txt"
                    res = run_one(env, cfg, server, client, measure, cprofile=str(out))
                    log(f"profiled {client} {measure} -> {out} ({res.get('error', 'ok')})")

    summary = Summary(imports=imports, runs=runs, baseline=baseline, first_call=first)
    report = render_report(cfg, env, summary, command, versions, notes, time.monotonic() - started)
    cfg.results_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.results_path.write_text(report + _formats_section(cfg.results_path), encoding="utf-8")
    raw = {"imports": imports, "runs": runs, "baseline": baseline, "versions": versions, "first_call": first}
    raw_path = WORK / ("raw.quick.json" if cfg.quick else "raw.json")
    raw_path.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(report)
    log(f"wrote {cfg.results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
