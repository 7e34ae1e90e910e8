"""The examples of docs/observability.md and docs/routing.md, run against the emulator."""

from __future__ import annotations

import pytest
from tests.docs._pages import run_page

from llmkit.emulator import Emulator, Script


def test_observability_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("opentelemetry.sdk")
    monkeypatch.setenv("OPENAI_API_KEY", emu.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url("openai"))
    emu.script(Script(text="hi"), Script(text="1 2 3"), Script(text="hi", output_tokens=2))
    ns = run_page("observability.md")
    assert ns["span"].attributes["gen_ai.usage.output_tokens"] == 2


def test_routing_page() -> None:
    ns = run_page("routing.md")
    assert len(ns["new_id"]) == 9
