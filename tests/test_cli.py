"""The ``llmkit`` command: the demo runs offline, the provider listing comes from the registry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from llmkit.cli import main, render_docs
from llmkit.providers import all_specs

REPO = Path(__file__).resolve().parents[1]


def test_demo_runs_against_the_emulator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("OPENAI_API_KEY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "1. A completion" in out and "You said: What is llmkit?" in out
    assert "the model asks: get_weather({'city': 'Lisbon'})" in out
    assert "parsed: {'city': 'Lisbon', 'population': 545923}" in out
    assert "2 vectors of 4 floats" in out
    assert "RateLimitError after 3 attempts" in out


def test_providers_json_lists_every_registered_provider(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [s.name for s in all_specs()]
    openai = next(r for r in rows if r["name"] == "openai")
    assert openai["env"] == ["OPENAI_API_KEY"]
    assert openai["dialect"] == "openai_chat"
    assert "tools" in openai["capabilities"]


def test_generated_docs_are_up_to_date() -> None:
    for path, text in render_docs(REPO).items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `llmkit docs`"


def test_chat_reports_a_missing_key_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in __import__("os").environ.items() if k != "OPENAI_API_KEY"}
    proc = subprocess.run(
        [sys.executable, "-m", "llmkit.cli", "chat", "-m", "openai/gpt-4o-mini", "hello"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "OPENAI_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_import_llmkit_stays_light() -> None:
    code = (
        "import sys, llmkit; "
        "heavy = [m for m in ('httpx2', 'aiohttp', 'pydantic', 'llmkit.providers', 'llmkit.dialects') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip() == "[]"
