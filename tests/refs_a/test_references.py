"""Rows held against bodies their own projects printed (refs_a, issue 14): each documented response
is decoded through llmkit's OpenAI dialect with the row's own spec and once more through the public
API with the emulator replaying the bytes verbatim over loopback. The ``.source.md`` beside each
fixture names the repo@commit:path it was copied from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.test_fixtures import decode, usage
from tests.fleet.test_fleet import CANARY_KEY

import llmkit
from llmkit._stream import Accumulator
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator, Script
from llmkit.providers import get_spec
from llmkit.types import Completion, FinishReason, Message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMERICK = (
    "There once was a programmer named Mike\nWho wrote code that would often choke\n"
    "He used try and except\nTo handle each step\nAnd his program ran without any hike."
)
LEMONADE_TEXT = "Paris has a population of approximately 2.2 million people in the city proper."


def _frame_sse(*payloads: bytes) -> bytes:
    """Server-sent events around JSON payloads a page printed without their framing."""
    events = [b"data: " + json.dumps(json.loads(p), separators=(",", ":")).encode() for p in payloads]
    return b"\n\n".join([*events, b"data: [DONE]"]) + b"\n\n"


def _decode_stream(provider: str, data: bytes) -> Completion:
    ctx = CallContext(get_spec(provider), "m", "https://provider.invalid/v1")
    req = ChatRequest("m", [Message("user", "Hi")], stream=True)
    decoder = DIALECT.stream_decoder(req, ctx)
    acc = Accumulator()
    for i in range(0, len(data), 37):  # events split across reads
        for ev in decoder.feed(data[i : i + 37]):
            acc.add(ev)
    return acc.build(decoder, provider, "m")


# ---------------------------------------------------------------- llamafile (its README)


def test_llamafile_readme_completion() -> None:
    c = decode("llamafile", "chat_readme.json")
    assert c.text == LIMERICK
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (78, 38, 116)
    assert (c.id, c.model) == ("chatcmpl-Dt16ugf3vF8btUZj9psG7To5tc4murBU", "LLaMA_CPP")
    assert not c.tool_calls


# ---------------------------------------------------------------- LM Studio (lmstudio-ai/docs)


def test_lm_studio_documented_tool_call() -> None:
    c = decode("lm_studio", "chat_tool_call_docs.json")
    [call] = c.tool_calls
    assert (call.id, call.name) == ("365174485", "search_products")
    assert call.arguments == {"query": "dell", "category": "electronics", "max_price": 50}
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert usage(c) == (263, 34, 297)
    assert c.text == ""  # the message has no content key at all
    assert c.model == "lmstudio-community/qwen2.5-7b-instruct"


def test_lm_studio_tool_call_goes_back_as_the_documented_assistant_message(emu: Emulator) -> None:
    """The documented call replayed into the next turn: llmkit sends the assistant message with
    LM Studio's bare-digit id and the tool result under the same id (the docs' multi-turn flow)."""
    c = decode("lm_studio", "chat_tool_call_docs.json")
    emu.script(Script(text="Dell has two products under $50."))
    messages = [
        Message("user", "What dell products do you have under $50 in electronics?"),
        c.message,
        Message("tool", '{"results": []}', tool_call_id=c.tool_calls[0].id),
    ]
    done = llmkit.complete(
        "lm_studio/lmstudio-community/qwen2.5-7b-instruct",
        messages,
        base_url=emu.base_url("lm_studio"),
        api_key=CANARY_KEY,
        max_retries=0,
    )
    assert done.text == "Dell has two products under $50."
    sent = emu.requests[-1].json()["messages"]
    assert sent[1]["tool_calls"][0]["id"] == "365174485"
    assert sent[1]["tool_calls"][0]["function"]["name"] == "search_products"
    assert json.loads(sent[1]["tool_calls"][0]["function"]["arguments"]) == {
        "query": "dell",
        "category": "electronics",
        "max_price": 50,
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "365174485", "content": '{"results": []}'}


# ---------------------------------------------------------------- Lemonade (its server spec)


def test_lemonade_documented_completion_without_usage() -> None:
    c = decode("lemonade", "chat_completion_docs.json")
    assert c.text == LEMONADE_TEXT
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (0, 0, 0)  # the body has no usage object
    assert (c.id, c.model) == ("0", "Qwen3-0.6B-GGUF")


def test_lemonade_documented_stream_chunk() -> None:
    chunk = (FIXTURES / "lemonade" / "chat_stream_chunk_docs.json").read_bytes()
    c = _decode_stream("lemonade", _frame_sse(chunk))
    assert c.text == "Paris"
    assert usage(c) == (0, 0, 0)
    # The documented chunk carries no finish_reason key; a stream ending at [DONE] without one is
    # reported as OTHER (never invented as STOP).
    assert c.finish_reason is FinishReason.OTHER


# ---------------------------------------------------------------- the same bytes over loopback


@pytest.mark.parametrize(
    ("fixture", "text"),
    [
        ("llamafile/chat_readme.json", LIMERICK),
        ("lm_studio/chat_tool_call_docs.json", ""),
        ("lemonade/chat_completion_docs.json", LEMONADE_TEXT),
    ],
)
def test_documented_bodies_through_the_public_api(replay: dict[str, Any], fixture: str, text: str) -> None:
    """The documented bytes served verbatim by the emulator, decoded by the public API with the
    row's own spec (its quirks and auth), equal to the direct decode."""
    provider, name = fixture.split("/")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    direct = decode(provider, name, "m")
    assert done.text == text and done.provider == provider
    assert (done.usage, done.finish_reason, done.tool_calls) == (
        direct.usage,
        direct.finish_reason,
        direct.tool_calls,
    )
