"""NLP Cloud's wire format held against its official Python client (``nlpcloud`` 1.1.47,
test-only), both ways: the client reads the emulator's answers, and llmkit sends the bodies the
client sends (the client sends every optional field, null when unset; the service reads null as
absent). The stream framing (a NUL after each piece) is from nlpcloud-go's README, whose sample
reads pieces with ``ReadBytes('\\x00')`` (tests/fixtures/nlp_cloud/stream_framing.source.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _natives2_helpers import KEY, options, run, sent

from llmkit.emulator import Emulator, Script
from llmkit.types import Message

nlpcloud = pytest.importorskip("nlpcloud")


def _client(emu: Emulator, monkeypatch: pytest.MonkeyPatch, model: str) -> Any:
    # The client builds its URL from the module's BASE_URL: aim it at the emulator's profile root.
    monkeypatch.setattr(nlpcloud, "BASE_URL", emu.url + "/nlp_cloud")
    return nlpcloud.Client(model, emu.api_key or KEY, gpu=True)


def _without_nulls(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_chatbot_bodies_match_the_client(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    history = [{"input": "Hi", "response": "Hello! Where to?"}]
    emu.script(Script(text="Paris it is."), Script(text="Paris it is."))
    answer = _client(emu, monkeypatch, "chatdolphin").chatbot(
        "Paris", context="You are a travel agent.", history=history
    )
    assert answer == {
        "response": "Paris it is.",
        "history": [*history, {"input": "Paris", "response": "Paris it is."}],
    }
    theirs = json.loads(sent(emu)[-1].body)
    turns = [Message("system", "You are a travel agent."), Message("user", "Hi"),
             Message("assistant", "Hello! Where to?"), Message("user", "Paris")]  # fmt: skip
    c = run(mode, "complete", "nlp_cloud/chatdolphin", turns, **options(emu))
    assert c.text == answer["response"]
    ours = sent(emu)[-1]
    assert json.loads(ours.body) == _without_nulls(theirs)
    assert ours.path == sent(emu)[-2].path == "/v1/gpu/chatdolphin/chatbot"
    assert ours.headers["authorization"] == sent(emu)[-2].headers["authorization"]


def test_generation_bodies_match_the_client(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.script(
        Script(text="a fox", input_tokens=4, output_tokens=2),
        Script(text="a fox", input_tokens=4, output_tokens=2),
    )
    answer = _client(emu, monkeypatch, "dolphin").generation(
        "Once upon a time", max_length=30, end_sequence="###", temperature=0.7, top_p=0.9, remove_input=True
    )
    assert answer == {"generated_text": "a fox", "nb_input_tokens": 4, "nb_generated_tokens": 2}
    theirs = _without_nulls(json.loads(sent(emu)[-1].body))
    c = run("sync", "complete", "nlp_cloud/dolphin", "Once upon a time", endpoint="generation", max_tokens=30,
            stop=["###"], temperature=0.7, top_p=0.9, remove_input=True, **options(emu))  # fmt: skip
    assert (c.text, c.usage.input_tokens, c.usage.output_tokens) == ("a fox", 4, 2)
    assert json.loads(sent(emu)[-1].body) == theirs
    assert sent(emu)[-1].path == "/v1/gpu/dolphin/generation"
