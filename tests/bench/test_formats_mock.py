"""The benchmark's mock speaks each wire format as the official SDKs read it, and every client the
benchmark times gets the same answer from it (no timings here: correctness of the measure).

The SDKs (openai, anthropic, google-genai, boto3/botocore, cohere, ollama) are the reference: the
mock's bytes come from ``benchmarks/wire_formats.py`` (written from the vendors' API references),
and a format counts only when the SDK decodes them to the expected text and event count. The AWS
event-stream frames are thereby checked by botocore's parser (prelude and message CRC32s).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import formats_report as fr  # noqa: E402
import wire_clients as wc  # noqa: E402
import wire_formats  # noqa: E402

N = 7


@pytest.fixture(scope="module")
def mock_base(monkeypatch_module: pytest.MonkeyPatch) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "mock_server.py"), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("PORT "), line
    for name, value in wc.WORKER_ENV.items():
        monkeypatch_module.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch_module.delenv(name, raising=False)
    monkeypatch_module.setenv("NO_PROXY", "127.0.0.1,localhost")
    try:
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _sync(builder: Any, fmt: str, base: str) -> None:
    call, stream = builder(fmt, base)
    assert call() == wc.COMPLETION_TEXT
    sink = wc.Tally()
    assert stream(N, sink) == N
    assert sink.chars == sum(len(wire_formats.token(i)) for i in range(N))


def _async(builder: Any, fmt: str, base: str) -> None:
    async def main() -> None:
        acall, astream, aclose = builder(fmt, base)
        try:
            assert await acall() == wc.COMPLETION_TEXT
            sink = wc.Tally()
            assert await astream(N, sink) == N
            assert sink.chars == sum(len(wire_formats.token(i)) for i in range(N))
        finally:
            await aclose()

    asyncio.run(main())


@pytest.mark.parametrize("fmt", wc.FORMATS)
def test_official_sdk_reads_the_mock(mock_base: str, fmt: str) -> None:
    import wire_peers

    _sync(wire_peers.sdk_sync, fmt, mock_base)
    if fmt not in ("bedrock", "sagemaker"):  # boto3 has no async client
        _async(wire_peers.sdk_async, fmt, mock_base)


@pytest.mark.parametrize("fmt", wc.FORMATS)
@pytest.mark.parametrize("client", ["llmkit", "raw"])
def test_llmkit_and_raw_read_the_mock(mock_base: str, fmt: str, client: str) -> None:
    _sync(wc.llmkit_sync if client == "llmkit" else wc.raw_sync, fmt, mock_base)
    _async(wc.llmkit_async if client == "llmkit" else wc.raw_async, fmt, mock_base)


def test_eventstream_frames_round_trip_through_botocore() -> None:
    from botocore.eventstream import EventStreamBuffer

    buf = EventStreamBuffer()
    buf.add_data(wire_formats.eventstream_frame("contentBlockDelta", b'{"delta":{"text":" t0"}}'))
    (msg,) = list(buf)
    assert msg.headers[":event-type"] == "contentBlockDelta"
    assert msg.payload == b'{"delta":{"text":" t0"}}'


def _row(client: str, measure: str, cpu: float, slices: list[float]) -> dict[str, Any]:
    return {"fmt": "openai", "client": client, "measure": measure, "cpu_us": cpu, "slices_cpu_us": slices}


def test_quick_check_fails_only_past_target_plus_noise() -> None:
    rows = [
        _row("raw", "call", 100.0, [100.0, 100.0, 100.0]),
        _row("llmkit", "call", 125.0, [110.0, 125.0, 140.0]),  # 1.25 > 1.15, noise 24%: within
        _row("raw", "stream_sync", 10.0, [10.0, 10.0, 10.0]),
        _row("llmkit", "stream_sync", 20.0, [20.0, 20.0, 20.0]),  # 2.0, noise 5%: regressed
    ]
    verdicts = {v.label: v.status for v in fr.verdicts(fr.summarize(rows), quick=True)}
    assert verdicts["call CPU ÷ raw"] == "ok (within noise)"
    assert verdicts["stream_sync CPU ÷ raw"] == "REGRESSED"
    full = {v.label: v.status for v in fr.verdicts(fr.summarize(rows), quick=False)}
    assert full["call CPU ÷ raw"] == "missed"


def test_verdicts_use_the_median_of_per_round_ratios() -> None:
    # Slow phases of the host hit llmkit in rounds 0 and 1, raw in rounds 2 and 3: the medians of
    # each client's own figures give 15 / 10.5 = 1.43, while most rounds' own ratios are near 1.
    llmkit, raw = [15.0, 15.0, 10.0, 10.0, 15.0], [15.0, 14.0, 10.0, 10.5, 10.0]
    rows = [
        {**_row(client, "stream_async", cpu, [cpu] * 3), "round": rnd}
        for rnd in range(5)
        for client, cpu in (("llmkit", llmkit[rnd]), ("raw", raw[rnd]))
    ]
    (verdict,) = [v for v in fr.verdicts(fr.summarize(rows), quick=False) if "raw" in v.label]
    assert verdict.value == pytest.approx(1.0)  # ratios 1, 1.07, 1, 0.95, 1.5
    assert verdict.status == "met"
    # Rows from before rounds were kept: the ratio of the medians, as before.
    unrounded = [{k: v for k, v in r.items() if k != "round"} for r in rows]
    (old,) = [v for v in fr.verdicts(fr.summarize(unrounded), quick=False) if "raw" in v.label]
    assert old.value == pytest.approx(15.0 / 10.5)
