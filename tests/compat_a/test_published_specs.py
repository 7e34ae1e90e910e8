"""Sail's published OpenAPI description (tests/fixtures/sail/sail_openapi.json, see its .source.md)
holds llmkit's chat requests and the emulator's ``sail`` answers: a body llmkit sends for a plain
call, a streamed call, a tool loop and a JSON-schema call validates against
``CreateChatCompletionRequest``; the profile's reply against ``ChatCompletionResponse`` and each
stream chunk against ``ChatCompletionChunk``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.types import Message, Tool

SPEC = json.loads((Path(__file__).parents[1] / "fixtures" / "sail" / "sail_openapi.json").read_text())
CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"
WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}
    )


def _check(name: str, instance: Any) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_the_spec_is_the_sail_api() -> None:
    assert SPEC["servers"] == [{"url": "https://api.sailresearch.com/v1"}]
    assert "/chat/completions" in SPEC["paths"]
    jsonschema.Draft202012Validator.check_schema({"components": SPEC["components"]})


def test_a_plain_request_and_its_answer(emu: Emulator) -> None:
    emu.script(Script(text="Three bullets.", input_tokens=12, output_tokens=3))
    c = llmkit.complete(
        "sail/zai-org/GLM-5.2-FP8",
        [Message("system", "You are concise."), Message("user", "Summarize RAG")],
        max_tokens=300,
        temperature=0.2,
        metadata={"completion_window": "asap"},
        api_key=CANARY_KEY,
        base_url=emu.base_url("sail"),
    )
    assert c.text == "Three bullets."
    body = emu.requests[-1].json()
    assert body["max_completion_tokens"] == 300 and "max_tokens" not in body
    _check("CreateChatCompletionRequest", body)


def test_the_answer_matches_the_response_schema(emu: Emulator) -> None:
    import httpx2

    emu.script(Script(text="Hello.", input_tokens=4, output_tokens=2))
    r = httpx2.post(
        emu.base_url("sail") + "/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        headers={"authorization": f"Bearer {CANARY_KEY}"},
    )
    assert r.status_code == 200
    _check("ChatCompletionResponse", r.json())


def test_stream_request_and_chunks(emu: Emulator) -> None:
    import httpx2

    emu.script(Script(text="one two three", input_tokens=4, output_tokens=3))
    with llmkit.stream("sail/m", "Count", api_key=CANARY_KEY, base_url=emu.base_url("sail")) as s:
        list(s)
        assert s.completion.text == "one two three"
    _check("CreateChatCompletionRequest", emu.requests[-1].json())

    emu.script(Script(text="one two three", input_tokens=4, output_tokens=3))
    r = httpx2.post(
        emu.base_url("sail") + "/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True,
              "stream_options": {"include_usage": True}},
        headers={"authorization": f"Bearer {CANARY_KEY}"},
    )  # fmt: skip
    chunks = [
        json.loads(line[6:])
        for line in r.text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    assert chunks
    # The emulator's generic OpenAI chunks carry three fields Sail's closed chunk schema does not
    # list (OpenAI's own chunks have them); anything else would be a disagreement to fix.
    known = {"system_fingerprint", "refusal", "usage"}
    for chunk in chunks:
        for e in validator("ChatCompletionChunk").iter_errors(chunk):
            assert set(e.path) & known or "system_fingerprint" in e.message, e.message
        trimmed = {k: v for k, v in chunk.items() if k != "system_fingerprint" and v is not None}
        for choice in trimmed.get("choices", []):
            choice["delta"] = {k: v for k, v in choice["delta"].items() if v is not None}
        _check("ChatCompletionChunk", trimmed)


def test_llmkit_decodes_chunks_written_to_the_schema() -> None:
    """A stream as Sail's schema describes it (no system_fingerprint, reasoning_content deltas, a
    usage chunk with empty choices), decoded by llmkit with the sail spec."""
    from llmkit._stream import Accumulator
    from llmkit.dialects.base import CallContext, ChatRequest
    from llmkit.dialects.openai_chat import DIALECT
    from llmkit.providers import get_spec

    base = {"id": "chatcmpl-s1", "object": "chat.completion.chunk", "created": 1767225600, "model": "m"}
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "reasoning_content": "think"}}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "Hi "}}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "there"}, "finish_reason": "stop"}]},
        {**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}},
    ]
    for chunk in chunks:
        _check("ChatCompletionChunk", chunk)
    data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n"
    ctx = CallContext(get_spec("sail"), "m", "https://provider.invalid/v1")
    req = ChatRequest("m", [Message("user", "Hi")], stream=True)
    decoder = DIALECT.stream_decoder(req, ctx)
    acc = Accumulator()
    for ev in decoder.feed(data):
        acc.add(ev)
    c = acc.build(decoder, "sail", "m")
    assert (c.text, c.message.reasoning, c.usage.input_tokens, c.usage.output_tokens) == (
        "Hi there",
        "think",
        5,
        2,
    )


@pytest.mark.parametrize("kind", ["tools", "json_schema"])
def test_tool_loop_and_json_schema_requests(emu: Emulator, kind: str) -> None:
    call = ScriptedCall("get_weather", {"city": "Oslo"}, id="call_sail_1")
    if kind == "tools":
        emu.script(Script(tool_calls=[call]), Script(text="Sunny."))
        first = llmkit.complete(
            "sail/m", "Weather?", tools=[WEATHER], api_key=CANARY_KEY, base_url=emu.base_url("sail")
        )
        _check("CreateChatCompletionRequest", emu.requests[-1].json())
        messages = [
            Message("user", "Weather?"),
            first.message,
            Message("tool", "Sunny", tool_call_id="call_sail_1"),
        ]
        llmkit.complete(
            "sail/m", messages, tools=[WEATHER], api_key=CANARY_KEY, base_url=emu.base_url("sail")
        )
    else:
        emu.script(Script(json={"city": "Oslo"}))
        llmkit.complete(
            "sail/m",
            "City?",
            response_format={"type": "object", "properties": {"city": {"type": "string"}}},
            api_key=CANARY_KEY,
            base_url=emu.base_url("sail"),
        )
    _check("CreateChatCompletionRequest", emu.requests[-1].json())
