"""docs/notes/gigachat.md: its examples run against the emulator, aimed there by the
environment only."""

from __future__ import annotations

import pytest
from _pages import run_page

from llmkit.emulator import Emulator


def test_the_page_examples_run(giga: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    ns = run_page("notes/gigachat.md")
    assert ns["reply"].text and ns["out"].vectors
    assert ns["call"].name == "get_weather" and ns["final"].text
    assert "get_weather" in capsys.readouterr().out


def test_the_page_lists_every_option() -> None:
    from _pages import DOCS

    text = (DOCS / "providers" / "gigachat.md").read_text(encoding="utf-8")
    for name in (
        "credentials=",
        "GIGACHAT_CREDENTIALS",
        "scope=",
        "GIGACHAT_SCOPE",
        "auth_url=",
        "GIGACHAT_AUTH_URL",
        "base_url=",
        "GIGACHAT_BASE_URL",
        "verify=",
        "GIGACHAT_CA_BUNDLE_FILE",
    ):
        assert name in text, name
