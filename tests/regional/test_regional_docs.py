"""docs/notes/{yandex,github_copilot,naver_clova}.md: every python example runs, aimed at the
emulator through the environment only (the variables each page's Configuration table names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pages import run_page
from _regional_helpers import CANARY_KEY, FOLDER, sent

from llmkit.emulator import Emulator, Script, ScriptedCall

DOCS = Path(__file__).resolve().parents[2] / "docs" / "notes"


def test_yandex_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YANDEX_BASE_URL", emu.base_url("yandex"))
    monkeypatch.setenv("YC_API_KEY", CANARY_KEY)
    monkeypatch.setenv("YC_FOLDER_ID", FOLDER)
    emu.script(
        Script(text="Привет"),
        Script(text="one, two, three", chunk_chars=4),
        Script(tool_calls=[ScriptedCall("get_weather", {"city": "Moscow"})]),
        Script(text="It is -3 °C and snowing in Moscow."),
    )
    ns = run_page(DOCS / "yandex.md")
    assert ns["reply"].text == "Привет"
    assert ns["stream"].completion.text == "one, two, three"
    assert ns["final"].text.startswith("It is -3")
    assert len(sent(emu, "yandex")) == 4


def test_copilot_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_COPILOT_BASE_URL", emu.base_url("github_copilot"))
    monkeypatch.setenv("GITHUB_COPILOT_API_URL", emu.base_url("github_oauth"))
    monkeypatch.setenv("COPILOT_GITHUB_TOKEN", CANARY_KEY)
    emu.script(Script(text="Conflict markers bloom"), Script(text="git add, git commit, git push"))
    ns = run_page(DOCS / "github_copilot.md")
    assert ns["reply"].text == "Conflict markers bloom"
    assert ns["text"] == "git add, git commit, git push"


def test_naver_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAVER_CLOVA_BASE_URL", emu.base_url("naver_clova"))
    monkeypatch.setenv("CLOVASTUDIO_API_KEY", CANARY_KEY)
    emu.script(Script(text="안녕하세요"))
    ns = run_page(DOCS / "naver_clova.md")
    assert ns["reply"].text == "안녕하세요"
