"""Medians, ratios, targets and the markdown of ``formats.py`` (standard library only)."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wire_clients as wc

BEGIN, END = "<!-- formats:begin -->", "<!-- formats:end -->"
TIMED = ("call", "stream_sync", "stream_async")
RAW_BOUND = 1.15  # llmkit CPU ÷ raw CPU, per call or event
SDK_BOUND = 0.5  # llmkit CPU ÷ SDK CPU: at least 2× ahead
ASYNC_BOUND = 0.9  # llmkit throughput per CPU ÷ raw aiohttp's
MEMORY_BOUND_MB = 20.0  # peak growth over the text, 200k events
MEMORY_EVENTS = 200_000
NOISE_FLOOR = 0.05


@dataclass
class Cell:
    cpu_us: float | None = None
    wall_us: float | None = None
    req_s: float | None = None
    spread: float = 0.0  # (max - min) / median of the per-slice CPU figures, all rounds
    over_text_mb: float | None = None
    growth_mb: float | None = None
    text_mb: float | None = None
    count: float | None = None
    note: str = ""  # "n/a ..." or "error ..."
    load: float | None = None
    by_round: dict[int, float] = field(default_factory=dict)  # round -> CPU µs


Summary = dict[tuple[str, str, str], Cell]


def _med(rows: list[dict[str, Any]], key: str) -> float | None:
    vals = [float(r[key]) for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarize(rows: list[dict[str, Any]]) -> Summary:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["fmt"], r["client"], r["measure"]), []).append(r)
    out: Summary = {}
    for key, rs in groups.items():
        good = [r for r in rs if "error" not in r and "na" not in r]
        cell = Cell(load=_med(rs, "machine_load"))
        if not good:
            bad = rs[0]
            cell.note = ("n/a: " + bad["na"]) if "na" in bad else ("error: " + str(bad.get("error")))
            out[key] = cell
            continue
        cell.cpu_us, cell.wall_us, cell.req_s = (
            _med(good, "cpu_us"),
            _med(good, "wall_us"),
            _med(good, "req_s"),
        )
        cell.over_text_mb, cell.growth_mb = _med(good, "over_text_mb"), _med(good, "growth_mb")
        cell.text_mb, cell.count = _med(good, "text_mb"), _med(good, "count")
        timed = [r for r in good if r.get("cpu_us") and "round" in r]
        cell.by_round = {int(r["round"]): float(r["cpu_us"]) for r in timed}
        slices = [s for r in good for s in r.get("slices_cpu_us", ())]
        if len(slices) > 1:
            cell.spread = (max(slices) - min(slices)) / statistics.median(slices)
        out[key] = cell
    return out


@dataclass
class Verdict:
    fmt: str
    label: str
    value: float
    bound: float
    higher_is_better: bool
    noise: float
    status: str  # met / missed / ok (quick, within noise) / REGRESSED (quick)

    @property
    def shown(self) -> str:
        return f"{self.value:.2f}"

    @property
    def target(self) -> str:
        return ("≥ " if self.higher_is_better else "≤ ") + f"{self.bound:g}"


def _judge(
    fmt: str, label: str, value: float, bound: float, higher: bool, noise: float, quick: bool
) -> Verdict:
    met = value >= bound if higher else value <= bound
    if met:
        status = "met"
    elif not quick:
        status = "missed"
    else:
        within = value >= bound * (1 - noise) if higher else value <= bound * (1 + noise)
        status = "ok (within noise)" if within else "REGRESSED"
    return Verdict(fmt, label, value, bound, higher, noise, status)


def paired(num: Cell, den: Cell) -> float:
    """The median over rounds of ``num``'s CPU ÷ ``den``'s, both measured in the same round.

    A round runs a format's clients back to back (their order rotated each round), so both
    figures of a round share the host's state of that moment; the host here has phases of
    1-2 s at ~1.5x the CPU per request (issue 17), which a ratio of two independent medians
    carries into the verdict and a per-round ratio cancels. Without a shared round (a report of
    older rows), the ratio of the medians.
    """
    common = sorted(num.by_round.keys() & den.by_round.keys())
    if not common:
        assert num.cpu_us is not None and den.cpu_us is not None
        return num.cpu_us / den.cpu_us
    return statistics.median(num.by_round[r] / den.by_round[r] for r in common)


def verdicts(s: Summary, quick: bool, first: dict[str, dict[str, Any]] | None = None) -> list[Verdict]:
    out: list[Verdict] = []
    for key, res in sorted((first or {}).items()):
        fmt, who = key.split(":")
        if who == "llmkit" and "error" not in res:
            for mod in ("asyncio", "aiohttp"):
                out.append(
                    _judge(
                        fmt, f"sync first call imports {mod} (1 = yes)", float(res[mod]), 0, False, 0, quick
                    )
                )
    fmts = sorted({k[0] for k in s}, key=lambda f: wc.FORMATS.index(f))
    for fmt in fmts:
        for measure in TIMED:
            mine, raw, sdk = (
                s.get((fmt, "llmkit", measure)),
                s.get((fmt, "raw", measure)),
                s.get((fmt, "sdk", measure)),
            )
            if mine is None or mine.cpu_us is None:
                continue
            if raw is not None and raw.cpu_us:
                noise = max(NOISE_FLOOR, mine.spread + raw.spread)
                out.append(
                    _judge(fmt, f"{measure} CPU ÷ raw", paired(mine, raw), RAW_BOUND, False, noise, quick)
                )
            if sdk is not None and sdk.cpu_us:
                noise = max(NOISE_FLOOR, mine.spread + sdk.spread)
                out.append(
                    _judge(fmt, f"{measure} CPU ÷ SDK", paired(mine, sdk), SDK_BOUND, False, noise, quick)
                )
        mine, raw, sdk = (
            s.get((fmt, "llmkit", "async")),
            s.get((fmt, "raw", "async")),
            s.get((fmt, "sdk", "async")),
        )
        if mine is not None and mine.cpu_us:
            if raw is not None and raw.cpu_us:
                noise = max(NOISE_FLOOR, mine.spread + raw.spread)
                out.append(
                    _judge(
                        fmt,
                        "async c=100 throughput per CPU ÷ raw",
                        paired(raw, mine),
                        ASYNC_BOUND,
                        True,
                        noise,
                        quick,
                    )
                )
            if sdk is not None and sdk.cpu_us:
                noise = max(NOISE_FLOOR, mine.spread + sdk.spread)
                out.append(_judge(fmt, "async CPU ÷ SDK", paired(mine, sdk), SDK_BOUND, False, noise, quick))
        mem = s.get((fmt, "llmkit", "memory"))
        if mem is not None and mem.over_text_mb is not None:
            out.append(
                _judge(
                    fmt, "stream memory over text, MiB", mem.over_text_mb, MEMORY_BOUND_MB, False, 0.1, quick
                )
            )
    return out


def _f(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.2f}×"


def _cell_text(c: Cell | None, measure: str) -> str:
    if c is None:
        return "—"
    if c.note:
        return c.note.split(":", 1)[0]
    if measure == "memory":
        return f"+{_f(c.growth_mb)} MiB"
    if measure == "async":
        return f"{_f(c.req_s, 0)} req/s, {_f(c.cpu_us)} CPU µs"
    return f"{_f(c.wall_us)} / {_f(c.cpu_us)}"


def format_table(s: Summary, fmt: str, clients: list[str]) -> list[str]:
    head = "| measure | " + " | ".join(clients) + " | llmkit ÷ raw (wall / CPU) | llmkit ÷ SDK (wall / CPU) |"
    lines = [head, "|---|" + "---:|" * (len(clients) + 2)]
    for measure in ("call", "async", "stream_sync", "stream_async", "memory"):
        cells = {c: s.get((fmt, c, measure)) for c in clients}
        if all(v is None for v in cells.values()):
            continue
        mine = cells.get("llmkit")

        def both(other: Cell | None, mine: Cell | None = mine, measure: str = measure) -> str:
            if mine is None or other is None or other.note or mine.note:
                return "—"
            if measure == "memory":  # per event: the SDKs read shorter streams
                per_mine = (mine.growth_mb or 0) / (mine.count or 1)
                per_other = (other.growth_mb or 0) / (other.count or 1)
                return f"{(per_mine - per_other) * 1e5:+.1f} MiB per 100k events"
            if measure == "async":
                return f"{_ratio(mine.req_s, other.req_s)} req/s / {_ratio(mine.cpu_us, other.cpu_us)} CPU"
            return f"{_ratio(mine.wall_us, other.wall_us)} / {_ratio(mine.cpu_us, other.cpu_us)}"

        unit = {"call": "µs/call wall / CPU", "async": "c=100", "memory": "peak RSS growth"}.get(
            measure, "µs/event wall / CPU"
        )
        row = [f"{measure} ({unit})", *(_cell_text(cells[c], measure) for c in clients)]
        row += [both(cells.get("raw")), both(cells.get("sdk"))]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def stamp() -> dict[str, Any]:
    """When, at which commit and under what load a run ended: saved with its rows, so a report
    re-rendered later (``--report-only``) states the run's, not the moment of rendering."""
    rev = subprocess.run(
        ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "commit": rev.stdout.strip() or "unknown",
        "loadavg": list(os.getloadavg()),
    }


def _machine(when: dict[str, Any] | None) -> list[str]:
    cpu = ""
    try:
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            "",
        )
    except OSError:
        pass
    when = when or stamp()
    load = when["loadavg"]
    return [
        f"- date (UTC): {when['date']}; llmkit commit {when['commit']}",
        f"- nproc: {os.cpu_count()}; CPU: {cpu or 'unknown'}; {platform.platform()}; "
        f"Python {platform.python_version()}",
        f"- load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)",
    ]


def render(
    plan: Any,
    s: Summary,
    vs: list[Verdict],
    first: dict[str, dict[str, Any]],
    elapsed: float,
    command: str,
    when: dict[str, Any] | None = None,
) -> list[str]:
    loads = [c.load for c in s.values() if c.load is not None]
    load = statistics.median(loads) if loads else 0.0
    # Busy CPUs beyond the worker's: the mock's own share is well under 0.1 on its CPU.
    who = (
        "a quiet machine: nothing else ran"
        if load < 0.1
        else "other helpers ran on this 2-CPU machine at the same time: wall figures are noisy, "
        "CPU figures less so; the integrator reruns on a quiet machine"
    )
    extra = getattr(plan, "raw_rounds", 0)
    asyncs = f", {extra} for llmkit's and raw's timed measures" if extra and extra != plan.rounds else ""
    lines = [
        BEGIN,
        "## Every wire format (`formats.py`)",
        "",
        f"Command: `{command}` ({elapsed / 60:.1f} min; {plan.rounds} round(s){asyncs}; calls "
        f"{plan.calls}, async {plan.requests} requests at c={plan.concurrency}, streams {plan.events} "
        f"events, memory stream {plan.memory_events:,} events; medians over rounds).",
        "",
        *([plan.note, ""] if getattr(plan, "note", "") else []),
        *_machine(when),
        f"- other load while measuring: median {load:.2f} busy CPUs beyond the worker's own ({who})",
        "",
        "Clients: `llmkit` (reused Client/AsyncClient), `raw` (pooled httpx2 sync / aiohttp async + "
        "`json.loads`, stdlib SigV4 and CRC-checked event-stream frames for AWS: the limit), `sdk` "
        "(the vendor's official SDK), `litellm`. Cells: wall / CPU µs per call or event; async: "
        "req/s and CPU µs per request; memory: peak RSS growth reading one stream (text pieces "
        "counted, not kept).",
        "",
    ]
    for fmt in plan.formats:
        sdk = wc.SDK_NAME[fmt]
        lines += [f"### {fmt} (SDK: {sdk})", "", *format_table(s, fmt, plan.clients)]
        mem = s.get((fmt, "llmkit", "memory"))
        if mem is not None and mem.text_mb is not None:
            lines.append(
                f"\nText in the memory stream: {mem.text_mb:.1f} MiB; "
                f"llmkit over it: {_f(mem.over_text_mb)} MiB."
            )
        notes = [
            f"{c}: {s[(fmt, c, m)].note}"
            for c in plan.clients
            for m in plan.measures
            if (fmt, c, m) in s and s[(fmt, c, m)].note
        ]
        if notes:
            lines += ["", "Not measured: " + "; ".join(sorted(set(notes)))[:1500]]
        lines.append("")
    lines += [
        "### Targets",
        "",
        "Each value is the median over rounds of that round's ratio (the clients of a format run "
        "back to back within a round, their order rotated), so a slow phase of the host moves "
        "both sides of a ratio together; the columns above are medians of each client's own "
        "figures. Noise: the spread of the per-slice CPU figures of both clients, all rounds.",
        "",
        "| format | measure | value | target | noise | verdict |",
        "|---|---|---:|---:|---:|---|",
    ]
    lines += [f"| {v.fmt} | {v.label} | {v.shown} | {v.target} | {v.noise:.0%} | {v.status} |" for v in vs]
    met = sum(v.status == "met" for v in vs)
    lines += ["", f"{met} of {len(vs)} targets met in this run.", ""]
    if first:
        lines += _first_use_table(plan, first)
    notes = Path(__file__).resolve().with_name("formats_notes.md")
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8").rstrip(), ""]
    lines.append(END)
    return lines


def _first_use_table(plan: Any, first: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "### First use",
        "",
        f"A fresh process: `import llmkit` + one sync `llmkit.complete()` against the mock, against "
        f"`import httpx2` + one raw call (median of {plan.first_runs} after one discarded run).",
        "",
        "| format | llmkit ms | raw ms | ratio | modules (all / llmkit) | providers loaded "
        "| dialects loaded | asyncio | aiohttp |",
        "|---|---:|---:|---:|---:|---|---|---|---|",
    ]
    for fmt in plan.formats:
        mine, raw = first.get(f"{fmt}:llmkit", {}), first.get(f"{fmt}:raw", {})
        if "error" in mine:
            lines.append(f"| {fmt} | error: {mine['error'][:120]} | | | | | | | |")
            continue
        if not mine:
            continue
        asy = "yes" if mine.get("asyncio") else "no"
        asy += " (raw: yes)" if raw.get("asyncio") else ""
        lines.append(
            f"| {fmt} | {mine['ms']:.0f} | {_f(raw.get('ms'), 0)} | {_ratio(mine['ms'], raw.get('ms'))} | "
            f"{mine['modules']} / {mine['llmkit_modules']} | {', '.join(mine['providers'])} | "
            f"{', '.join(mine['dialects'])} | {asy} | {'yes' if mine.get('aiohttp') else 'no'} |"
        )
    return [*lines, ""]


def write_section(path: Path, lines: list[str]) -> None:
    """Replace the formats section of ``path`` (between the markers), or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = "\n".join(lines) + "\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", lambda _m: block, text, flags=re.S)
    else:
        text = (text.rstrip() + "\n\n" if text else "") + block
    path.write_text(text, encoding="utf-8")
