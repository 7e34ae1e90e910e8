"""docs/notes/ollama.md: every python example runs, aimed at the emulator through the
environment only (``OLLAMA_HOST``, which the page's Configuration table names)."""

from __future__ import annotations

import pytest
from _ollama_helpers import sent
from _pages import run_page

from llmkit.emulator import Emulator, Script, ScriptedCall


def test_examples_run_against_the_emulator(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", emu.base_url("ollama_chat"))
    emu.script(
        Script(text="Ciao!"),
        Script(text="42", reasoning="Six times seven."),
        Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]),
        Script(text="It is sunny in Paris."),
        Script(json={"age": 22}),
        Script(),  # embeddings
        Script(text="async hello"),
    )
    ns = run_page("notes/ollama.md")
    assert ns["reply"].parsed == {"age": 22}
    assert ns["stream"].completion.reasoning == "Six times seven."
    assert ns["final"].text == "It is sunny in Paris."
    assert len(ns["result"].vectors) == 2
    paths = [r.path for r in sent(emu)]
    assert paths == ["/api/chat"] * 5 + ["/api/embed", "/api/chat"]
