"""docs/caching.md: its examples run against the emulator, aimed there through the environment
variables only (OPENAI_API_KEY, OPENAI_BASE_URL)."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator


def test_page_examples_run(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url())
    ns = run_page(REPO / "docs" / "caching.md")
    assert ns["again"].cached and ns["replay"].cached
    # first, fresh, the per-call answer and the first stream reached the emulator; the rest were hits.
    assert len(emu.requests) == 4
