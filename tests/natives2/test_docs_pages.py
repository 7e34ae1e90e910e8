"""docs/notes/nlp_cloud.md: every python example runs, aimed at the emulator through the
environment only (the variables the page names)."""

from __future__ import annotations

import pytest
from _natives2_helpers import KEY, sent
from _pages import run_page

from llmkit.emulator import Emulator, Script


def test_nlp_cloud_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLPCLOUD_API_KEY", emu.api_key or KEY)
    monkeypatch.setenv("NLP_CLOUD_BASE_URL", emu.base_url("nlp_cloud"))
    emu.script(
        Script(text="Try Seville."), Script(text="there was a fox", output_tokens=4), Script(text="A joke.")
    )
    ns = run_page("notes/nlp_cloud.md")
    assert ns["reply"].text == "Try Seville." and ns["story"].usage.output_tokens == 4
    assert ns["stream"].completion.text == "A joke."
    assert [r.path for r in sent(emu)] == [
        "/v1/gpu/chatdolphin/chatbot", "/v1/gpu/dolphin/generation", "/v1/gpu/chatdolphin/chatbot",
    ]  # fmt: skip
