"""docs/embeddings.md: its examples run against the emulator, aimed there through the environment
variables only (OPENAI_API_KEY, OPENAI_BASE_URL)."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator


def test_page_examples_run(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url("openai"))
    ns = run_page(REPO / "docs" / "embeddings.md")
    assert len(ns["many"].vectors) == 5000 and len(ns["many"].raw) == 3
    assert all(isinstance(x, float) for x in ns["packed"].vectors[0])
