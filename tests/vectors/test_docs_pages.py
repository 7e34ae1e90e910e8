"""docs/notes/{voyage,jina_ai,huggingface}.md: their examples run against the emulator, aimed
there through the environment variables only."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator

PAGES = REPO / "docs" / "notes"


def test_voyage_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOYAGE_API_KEY", CANARY_KEY)
    monkeypatch.setenv("VOYAGE_BASE_URL", emu.base_url("voyage"))
    ns = run_page(PAGES / "voyage.md")
    assert ns["ranking"].indices[0] == 0 and len(ns["out"].vectors) == 2


def test_jina_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JINA_API_KEY", CANARY_KEY)
    monkeypatch.setenv("JINA_AI_BASE_URL", emu.base_url("jina_ai"))
    ns = run_page(PAGES / "jina_ai.md")
    assert ns["ranking"].indices[0] == 0 and len(ns["out"].vectors[0]) == 256


def test_huggingface_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGGINGFACE_TEI_BASE_URL", emu.base_url("huggingface_tei"))
    monkeypatch.setenv("HF_TOKEN", CANARY_KEY)
    monkeypatch.setenv("HF_INFERENCE_BASE_URL", emu.base_url("hf_inference"))
    ns = run_page(PAGES / "huggingface.md")
    assert ns["ranking"].results[0].index == 0 and len(ns["hosted"].vectors) == 1
