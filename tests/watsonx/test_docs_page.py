"""docs/notes/watsonx.md: every python example runs, aimed at the emulator through the
environment only (the variables the page's Configuration table names)."""

from __future__ import annotations

import pytest
from _pages import run_page
from _watsonx_helpers import CANARY_KEY, PROJECT

from llmkit.emulator import Emulator, Script, ScriptedCall


def test_examples_run_against_the_emulator(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATSONX_APIKEY", CANARY_KEY)
    monkeypatch.setenv("WATSONX_URL", emu.base_url("watsonx"))
    monkeypatch.setenv("WATSONX_IAM_URL", f"{emu.url}/watsonx_iam")
    monkeypatch.setenv("WATSONX_PROJECT_ID", PROJECT)
    emu.script(
        Script(text="Ciao!"),
        Script(text="1 2 3 4 5"),
        Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]),
        Script(),  # embeddings (a script may make them fail; this one does not)
        Script(text="deployed hello"),
        Script(text="async hello"),
    )
    ns = run_page("notes/watsonx.md")
    assert ns["reply"].text == "deployed hello"  # the async example's reply is local to main()
    assert ns["result"].usage.input_tokens == 4 and len(ns["result"].vectors) == 2
    assert ns["stream"].completion.text == "1 2 3 4 5"
    paths = [r.path for r in emu.requests if r.profile == "watsonx"]
    assert paths == [
        "/ml/v1/text/chat",
        "/ml/v1/text/chat_stream",
        "/ml/v1/text/chat",
        "/ml/v1/text/embeddings",
        "/ml/v1/deployments/my-deployment/text/chat",
        "/ml/v1/text/chat",
    ]
    assert sum(r.profile == "watsonx_iam" for r in emu.requests) == 1
