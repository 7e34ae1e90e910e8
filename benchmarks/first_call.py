"""First call per provider family: ``import llmkit`` plus one ``llmkit.complete()`` in a fresh process.

What a short-lived program (a CLI, a serverless handler, a test) pays before its first answer:
the wall time from ``import llmkit`` to the first completion, and how much of llmkit (and of
httpx2, aiohttp, pydantic, botocore) that call loads. One family per wire format: openai,
anthropic, gemini, bedrock (SigV4 with the emulator's fake credentials).

Beside it, the floor (issue 17): ``import httpx2`` plus the same request written by hand (the URL,
headers and JSON body llmkit sends, SigV4 signed with the standard library for bedrock), sent with
``httpx2.post`` to the same emulator route and its JSON decoded, in a fresh process too. The
ratio of the two medians is what llmkit's own first use costs over that.

The server is llmkit's own emulator, started once in another process before anything is timed
(it speaks every family's wire format over loopback; its own start-up is not measured). Each run
is a fresh ``python -c`` pinned like the other clients, llmkit's and the raw one taking turns; the
first run of each is discarded (it warms the bytecode and page caches), the median of the rest is
reported.

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


# The floor: ``import httpx2`` and one hand-written request to the same route. The request is what
# llmkit sends (checked against the emulator's request log when this was written); only the
# standard library is imported before the clock starts, the signing modules after it.
_RAW_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import httpx2
t1 = time.perf_counter()
family, base, key = sys.argv[1], sys.argv[2], sys.argv[3]
text = [{"role": "user", "content": "Say hello."}]
headers = {"content-type": "application/json"}
if family == "openai":
    url = base + "/chat/completions"
    body = {"model": "gpt-4o-mini", "messages": text, "max_completion_tokens": 16}
    headers["authorization"] = "Bearer " + key
elif family == "anthropic":
    url = base + "/v1/messages"
    body = {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": text}
    headers.update({"x-api-key": key, "anthropic-version": "2023-06-01"})
elif family == "gemini":
    url = base + "/models/gemini-2.5-flash:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "Say hello."}]}],
            "generationConfig": {"maxOutputTokens": 16}}
    headers["x-goog-api-key"] = key
else:  # bedrock: Converse, SigV4 by hand (what botocore computes)
    import datetime, hashlib, hmac, os
    from urllib.parse import quote, urlsplit
    url = base + "/model/" + quote("anthropic.claude-3-5-sonnet-20240620-v1:0", safe="") + "/converse"
    body = {"messages": [{"role": "user", "content": [{"text": "Say hello."}]}],
            "inferenceConfig": {"maxTokens": 16}}
data = json.dumps(body, separators=(",", ":")).encode()
if family == "bedrock":
    region, secret = os.environ["AWS_REGION"], os.environ["AWS_SECRET_ACCESS_KEY"]
    parts = urlsplit(url)
    now = datetime.datetime.now(datetime.UTC)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    signed = {"content-type": headers["content-type"], "host": parts.netloc, "x-amz-date": stamp}
    names = ";".join(sorted(signed))
    path = "/".join(quote(seg, safe="-_.~") for seg in parts.path.split("/"))  # encoded once more
    canonical = "\\n".join(["POST", path, "", "".join(f"{k}:{signed[k]}\\n" for k in sorted(signed)),
                           names, hashlib.sha256(data).hexdigest()])
    scope = f"{day}/{region}/bedrock/aws4_request"
    to_sign = "\\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, region, "bedrock", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["x-amz-date"] = stamp
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={os.environ['AWS_ACCESS_KEY_ID']}/{scope}, "
        f"SignedHeaders={names}, Signature={sig}")
r = httpx2.post(url, content=data, headers=headers, timeout=120.0)
assert r.status_code == 200, (r.status_code, r.content[:300])
obj = json.loads(r.content)
if family == "openai":
    answer = obj["choices"][0]["message"]["content"]
elif family == "anthropic":
    answer = obj["content"][0]["text"]
elif family == "gemini":
    answer = obj["candidates"][0]["content"]["parts"][0]["text"]
else:
    answer = obj["output"]["message"]["content"][0]["text"]
t2 = time.perf_counter()
assert answer, obj
print(json.dumps({"first_ms": (t2 - t0) * 1e3, "import_ms": (t1 - t0) * 1e3,
                  "all_modules": len(sys.modules)}))
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


def _run_child(cmd: list[str], env: dict[str, str]) -> dict[str, Any] | str:
    """One fresh process's JSON line, or the last line of its stderr when it failed."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()
        return tail[-1] if tail else f"exit {proc.returncode}"
    row: dict[str, Any] = json.loads(proc.stdout)
    return row


def measure_family(
    python: Path,
    base_env: dict[str, str],
    pin: Callable[[list[str]], list[str]],
    family: Family,
    base_url: str,
    runs: int,
) -> dict[str, Any]:
    """Medians over ``runs`` fresh processes (after one discarded), or {"error": ...}; llmkit's and
    the raw floor's runs alternate, so a change in the machine's load falls on both."""
    kw: dict[str, Any] = {"base_url": base_url}
    if family.api_key is not None:
        kw["api_key"] = family.api_key
    code = _CHILD.replace("HEAVY", repr(HEAVY))
    cmd = pin([str(python), "-c", code, family.model, json.dumps(kw)])
    raw_cmd = pin([str(python), "-c", _RAW_CHILD, family.name, base_url, family.api_key or ""])
    env = child_env(base_env, family)
    rows: list[dict[str, Any]] = []
    raw_rows: list[dict[str, Any]] = []
    for i in range(runs + 1):
        for command, kept in ((cmd, rows), (raw_cmd, raw_rows)):
            got = _run_child(command, env)
            if isinstance(got, str):
                who = "llmkit" if kept is rows else "raw"
                return {"error": f"{who}: {got}"}
            if i:
                kept.append(got)
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
    out["raw_first_ms"] = statistics.median(float(r["first_ms"]) for r in raw_rows)
    out["raw_import_ms"] = statistics.median(float(r["import_ms"]) for r in raw_rows)
    out["raw_all_modules"] = statistics.median(float(r["all_modules"]) for r in raw_rows)
    out["ratio"] = out["first_ms"] / out["raw_first_ms"]
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
        "| family | import + first `complete()`, ms | of which `import llmkit`, ms "
        "| raw: `import httpx2` + one call, ms | llmkit ÷ raw | llmkit modules loaded "
        "| of them dialects / providers | all modules (raw) | also loaded |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for family in FAMILIES:
        r = results.get(family.name, {})
        if "error" in r or not r:
            lines.append(f"| {family.name} | {r.get('error', 'not run')} | | | | | | | |")
            continue
        heavy = ", ".join(r["heavy"]) or "none"
        raw = f"{r['raw_first_ms']:.0f}" if "raw_first_ms" in r else "n/a"
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "n/a"
        raw_mods = f" ({r['raw_all_modules']:.0f})" if "raw_all_modules" in r else ""
        lines.append(
            f"| {family.name} (`{family.model}`) | {r['first_ms']:.0f} | {r['import_ms']:.0f} | {raw} "
            f"| {ratio} | {r['llmkit_modules']:.0f} "
            f"| {r['dialect_modules']:.0f} / {r['provider_modules']:.0f} "
            f"| {r['all_modules']:.0f}{raw_mods} | {heavy} |"
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
