"""docs/notes/cohere.md: its examples run against the emulator, aimed there through the
environment variables only (CO_API_KEY, COHERE_BASE_URL)."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator


def test_page_examples_run(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CO_API_KEY", CANARY_KEY)
    monkeypatch.setenv("COHERE_BASE_URL", emu.base_url("cohere"))
    ns = run_page(REPO / "docs" / "notes" / "cohere.md")
    assert ns["call"].name == "get_weather"
    assert [r.path for r in emu.requests] == ["/v2/chat"] * 3 + ["/v2/embed", "/v2/rerank"]
