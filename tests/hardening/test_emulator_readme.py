"""The README's code blocks run, against the emulator, and print what their comments say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llmkit.emulator import Emulator

README = Path(__file__).resolve().parents[2] / "README.md"
CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


def _blocks() -> dict[str, str]:
    """Each ```python block, named by the heading above it."""
    text = README.read_text(encoding="utf-8")
    out: dict[str, str] = {}
    heading = ""
    for part in re.split(r"^(## .+)$", text, flags=re.M):
        if part.startswith("## "):
            heading = part[3:].strip()
            continue
        for i, code in enumerate(re.findall(r"^```python\n(.*?)^```", part, flags=re.S | re.M)):
            out[heading if i == 0 else f"{heading} {i + 1}"] = code
    return out


def _printed_comments(code: str) -> list[str]:
    """The ``# expected output`` comment after each ``print(...)`` line of a block."""
    return [m.strip() for m in re.findall(r"^\s*print\(.*\)\s+#\s*(.+)$", code, flags=re.M)]


def test_the_readme_has_the_blocks_this_file_runs() -> None:
    assert {"Quick start", "The emulator"} <= set(_blocks())


def test_the_emulator_block_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    code = _blocks()["The emulator"]
    exec(compile(code, f"{README}:The emulator", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out.splitlines()
    assert printed == _printed_comments(code)
    assert printed == ["scripted answer", "answered on the second attempt", "429 0.1"]


def test_the_quick_start_runs_against_the_emulator(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The block calls OpenAI by name; the provider's *_BASE_URL variable sends it here instead.
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url("openai"))
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("COHERE_BASE_URL", emu.base_url("cohere"))  # the rerank line
    monkeypatch.setenv("CO_API_KEY", CANARY_KEY)
    exec(compile(_blocks()["Quick start"], f"{README}:Quick start", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "Say hello in French" in out  # the emulator's default answer echoes the prompt
    paths = [r.path for r in emu.requests]
    assert paths.count("/v1/chat/completions") == 4 and paths.count("/v1/embeddings") == 1
