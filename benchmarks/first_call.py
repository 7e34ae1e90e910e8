"""First call per provider family: ``import llmkit`` plus one ``llmkit.complete()`` in a fresh process.

What a short-lived program (a CLI, a serverless handler, a test) pays before its first answer:
the wall time from ``import llmkit`` to the first completion, and how much of llmkit (and of
httpx2, aiohttp, pydantic, botocore) that call loads. One family per wire format: openai,
anthropic, gemini, bedrock (SigV4 with the emulator's fake credentials).

The server is llmkit's own emulator, started once in another process before anything is timed
(it speaks every family's wire format over loopback; its own start-up is not measured). Each run
is a fresh ``python -c`` pinned like the other clients; the first run of each family is discarded
(it warms the bytecode and page caches), the median of the rest is reported.

Used by ``bench.py`` (a table in RESULTS.md); runnable alone for a quick before/after::

    python benchmarks/first_call.py            # 5 runs per family, prints the table
    python benchmarks/first_call.py --runs 9 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

# The emulator's fake AWS credentials and region (llmkit/emulator/bedrock/_aws.py); no real
# AWS configuration is read (the files point nowhere, instance metadata is off).
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDEMULATOR",
    "AWS_SECRET_ACCESS_KEY": "emulator/FAKE+secret/key/not-a-real-one0",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}
SCRUBBED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class Family:
    name: str  # the emulator profile and the provider prefix
    model: str
    api_key: str | None  # None: credentials come from AWS_ENV


FAMILIES = (
    Family("openai", "openai/gpt-4o-mini", "sk-bench"),
    Family("anthropic", "anthropic/claude-sonnet-4-5", "sk-ant-bench"),
    Family("gemini", "gemini/gemini-2.5-flash", "bench-key"),
    Family("bedrock", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", None),
)
HEAVY = ("httpx2", "aiohttp", "pydantic", "botocore")

# The server: one Emulator, its base URLs printed as one JSON line once it listens.
_SERVER = """
import json, sys
from llmkit.emulator import Emulator
emu = Emulator(port=0).start()
print(json.dumps({name: emu.base_url(name) for name in sys.argv[1:]}), flush=True)
sys.stdin.read()  # serve until the parent closes our stdin
emu.stop()
"""

# The measured child. Only the standard library is imported before the clock starts.
_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import llmkit
t1 = time.perf_counter()
kw = json.loads(sys.argv[2])
answer = llmkit.complete(sys.argv[1], "Say hello.", max_tokens=16, **kw)
t2 = time.perf_counter()
assert answer.text, answer
mods = sorted(m for m in sys.modules if m == "llmkit" or m.startswith("llmkit."))
print(json.dumps({
    "first_ms": (t2 - t0) * 1e3,
    "import_ms": (t1 - t0) * 1e3,
    "llmkit_modules": len(mods),
    "dialect_modules": sum(m.startswith("llmkit.dialects.") for m in mods),
    "provider_modules": sum(m.startswith("llmkit.providers.") for m in mods),
    "all_modules": len(sys.modules),
    "heavy": [name for name in HEAVY if name in sys.modules],
}))
"""


class EmulatorProcess:
    """The emulator in its own process (pinned to the server CPU when ``pin`` is given)."""

    def __init__(self, python: Path, env: dict[str, str], pin: Callable[[list[str]], list[str]]) -> None:
        self.python, self.env, self.pin = python, env, pin
        self.proc: subprocess.Popen[str] | None = None
        self.urls: dict[str, str] = {}

    def __enter__(self) -> EmulatorProcess:
        cmd = self.pin([str(self.python), "-c", _SERVER, *(f.name for f in FAMILIES)])
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=self.env
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("the emulator did not start")
        self.urls = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the server's signal to stop
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(10)


def child_env(base: dict[str, str], family: Family) -> dict[str, str]:
    env = {k: v for k, v in base.items() if k not in SCRUBBED}
    env["PYTHONPATH"] = str(SRC)
    if family.api_key is None:
        env.update(AWS_ENV)
    return env


def measure_family(
    python: Path,
    base_env: dict[str, str],
    pin: Callable[[list[str]], list[str]],
    family: Family,
    base_url: str,
    runs: int,
) -> dict[str, Any]:
    """Medians over ``runs`` fresh processes (after one discarded), or {"error": ...}."""
    kw: dict[str, Any] = {"base_url": base_url}
    if family.api_key is not None:
        kw["api_key"] = family.api_key
    code = _CHILD.replace("HEAVY", repr(HEAVY))
    cmd = pin([str(python), "-c", code, family.model, json.dumps(kw)])
    env = child_env(base_env, family)
    rows: list[dict[str, Any]] = []
    for i in range(runs + 1):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()
            return {"error": tail[-1] if tail else f"exit {proc.returncode}"}
        if i:
            rows.append(json.loads(proc.stdout))
    out: dict[str, Any] = {
        key: statistics.median(float(r[key]) for r in rows)
        for key in (
            "first_ms",
            "import_ms",
            "llmkit_modules",
            "dialect_modules",
            "provider_modules",
            "all_modules",
        )
    }
    out["heavy"] = sorted({name for r in rows for name in r["heavy"]})
    out["runs"] = runs
    return out


Pin = Callable[[list[str]], list[str]]


def measure_all(
    python: Path,
    base_env: dict[str, str],
    client_pin: Pin,
    server_pin: Pin,
    runs: int,
    log: Callable[[str], None],
) -> dict[str, dict[str, Any]]:
    """Every family against one emulator process; the emulator's start-up is not timed."""
    with EmulatorProcess(python, {**base_env, "PYTHONPATH": str(SRC)}, server_pin) as emu:
        results: dict[str, dict[str, Any]] = {}
        for family in FAMILIES:
            results[family.name] = measure_family(
                python, base_env, client_pin, family, emu.urls[family.name], runs
            )
            shown = results[family.name].get("error") or f"{results[family.name]['first_ms']:.0f} ms"
            log(f"first call {family.name:<10} {shown}")
    return results


def render(results: dict[str, dict[str, Any]]) -> list[str]:
    """The RESULTS.md table: one row per family."""
    lines = [
        "| family | import + first `complete()`, ms | of which `import llmkit`, ms | llmkit modules loaded "
        "| of them dialects / providers | all modules | also loaded |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for family in FAMILIES:
        r = results.get(family.name, {})
        if "error" in r or not r:
            lines.append(f"| {family.name} | {r.get('error', 'not run')} | | | | | |")
            continue
        heavy = ", ".join(r["heavy"]) or "none"
        lines.append(
            f"| {family.name} (`{family.model}`) | {r['first_ms']:.0f} | {r['import_ms']:.0f} "
            f"| {r['llmkit_modules']:.0f} | {r['dialect_modules']:.0f} / {r['provider_modules']:.0f} "
            f"| {r['all_modules']:.0f} | {heavy} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=5, help="fresh processes per family (after one discarded)")
    p.add_argument("--json", action="store_true", help="print the raw medians as JSON")
    ns = p.parse_args(argv)

    venv = HERE.parent / ".venv" / "bin" / "python"
    python = venv if venv.exists() else Path(sys.executable)
    proxies = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", *proxies)}
    base["NO_PROXY"] = "127.0.0.1,localhost"

    def same(cmd: list[str]) -> list[str]:
        return cmd

    results = measure_all(python, base, same, same, max(1, ns.runs), lambda m: print(m, file=sys.stderr))
    print(json.dumps(results, indent=1) if ns.json else "\n".join(render(results)))
    return 0


if __name__ == "__main__":
    t0 = time.monotonic()
    code = main()
    print(f"({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    sys.exit(code)
