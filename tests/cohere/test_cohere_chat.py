"""Cohere v2 chat through the public API over loopback, sync and async: text, citations over
documents (non-streamed and streamed), tool plan and tool calls (sync, async, streamed), a
tool result sent back, structured output, errors (wrong key, 429, 5xx, malformed body), and
streams that break (cut midway keeps what arrived, a malformed event, an in-stream error)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    LLMKitError,
    NotSupportedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.types import CitationsUpdate, FinishReason, TextDelta

MODEL = "cohere/command-a-03-2025"
DOCS = [{"id": "d1", "data": {"title": "Penguins", "snippet": "Emperor penguins are the tallest."}}]
WEATHER = llmkit.Tool(
    "get_weather", "Weather in a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("cohere"), "max_retries": 0, **extra}


def test_complete_sync(emu: Emulator) -> None:
    out = llmkit.complete(MODEL, "Hi there", max_tokens=20, **kw(emu))
    req = emu.requests[-1]
    assert req.path == "/v2/chat" and req.json()["messages"] == [{"role": "user", "content": "Hi there"}]
    assert req.json()["max_tokens"] == 20 and req.json()["stream"] is False
    assert out.text == "Hello from the llmkit emulator! You said: Hi there"
    assert out.finish_reason is FinishReason.STOP and out.raw_finish_reason == "COMPLETE"
    assert out.usage.input_tokens > 0 and out.usage.output_tokens > 0 and out.id


def test_complete_async(emu: Emulator) -> None:
    out = asyncio.run(llmkit.acomplete(MODEL, "Hi async", **kw(emu)))
    assert out.text.endswith("Hi async")


def test_citations_over_documents(emu: Emulator) -> None:
    out = llmkit.complete(MODEL, "tallest penguins?", documents=DOCS, **kw(emu))
    assert emu.requests[-1].json()["documents"] == DOCS
    [cite] = out.citations
    assert cite.sources == ("d1",) and cite.title == "Penguins" and cite.url == ""
    assert cite.text == out.text[cite.start : cite.end]


def test_streamed_citations(emu: Emulator) -> None:
    with llmkit.stream(MODEL, "tallest penguins?", documents=["Emperor penguins are tall."], **kw(emu)) as s:
        events = list(s)
    assert any(isinstance(e, CitationsUpdate) for e in events)
    assert s.completion.citations[0].sources == ("doc:0",)
    assert s.completion.text.startswith("Hello")


def test_scripted_citations_pass_through(emu: Emulator) -> None:
    cite = {"start": 0, "end": 2, "text": "He", "sources": [{"type": "tool", "id": "t1", "tool_output": {}}]}
    emu.script(Script(text="Hello", extra={"citations": [cite]}))
    out = llmkit.complete(MODEL, "x", **kw(emu))
    assert out.citations[0].sources == ("t1",) and out.citations[0].title is None


def test_tool_call_sync_and_round_trip(emu: Emulator) -> None:
    emu.script(
        Script(
            tool_calls=[ScriptedCall("get_weather", {"city": "Paris"}, id="call_9")], reasoning="Look it up."
        )
    )
    out = llmkit.complete(MODEL, "weather in Paris?", tools=[WEATHER], **kw(emu))
    assert out.finish_reason is FinishReason.TOOL_CALLS
    [call] = out.message.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_9", "get_weather", {"city": "Paris"})
    assert out.message.reasoning == "Look it up."
    sent = emu.requests[-1].json()["tools"]
    assert sent == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": WEATHER.parameters,
                "description": "Weather in a city",
            },
        }
    ]
    follow = [
        llmkit.Message("user", "weather in Paris?"),
        out.message,
        llmkit.Message("tool", "sunny", tool_call_id="call_9"),
    ]
    final = llmkit.complete(MODEL, follow, tools=[WEATHER], tool_choice="none", **kw(emu))
    body = emu.requests[-1].json()
    assert body["tool_choice"] == "NONE"
    assert body["messages"][1]["tool_plan"] == "Look it up." and "content" not in body["messages"][1]
    assert body["messages"][2] == {"role": "tool", "content": "sunny", "tool_call_id": "call_9"}
    assert final.text and not final.message.tool_calls


def test_tool_call_async_streamed(emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="c1")]))

    async def go() -> Any:
        async with llmkit.astream(MODEL, "weather in Oslo?", tools=[WEATHER], **kw(emu)) as s:
            async for _ in s:
                pass
        return s.completion

    out = asyncio.run(go())
    assert out.message.tool_calls[0].arguments == {"city": "Oslo"} and out.message.tool_calls[0].id == "c1"
    assert (
        out.finish_reason is FinishReason.TOOL_CALLS and out.message.reasoning == "I will call get_weather."
    )


def test_forced_tool_is_refused_before_sending(emu: Emulator) -> None:
    with pytest.raises(NotSupportedError, match="REQUIRED or NONE"):
        llmkit.complete(MODEL, "x", tools=[WEATHER], tool_choice="get_weather", **kw(emu))
    assert emu.requests == []


def test_structured_output(emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    out = llmkit.complete(MODEL, "a number", response_format=schema, **kw(emu))
    assert emu.requests[-1].json()["response_format"] == {"type": "json_object", "json_schema": schema}
    assert type(out.parsed["n"]) is int


def test_stream_text_sync(emu: Emulator) -> None:
    with llmkit.stream(MODEL, "one two three", **kw(emu)) as s:
        deltas = [e.text for e in s if isinstance(e, TextDelta)]
    assert len(deltas) > 3 and "".join(deltas) == s.completion.text
    assert s.completion.usage.output_tokens > 0 and s.completion.finish_reason is FinishReason.STOP


def test_wrong_key(emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match="CO_API_KEY"):
        llmkit.complete(MODEL, "x", **kw(emu, api_key="nope"))


@pytest.mark.parametrize(("status", "cls"), [(429, RateLimitError), (500, ServerError), (503, ServerError)])
def test_error_statuses(emu: Emulator, status: int, cls: type[Exception]) -> None:
    emu.script(Script(error=ScriptedError(status, "too much", headers={"retry-after": "0"})))
    with pytest.raises(cls, match="too much"):
        llmkit.complete(MODEL, "x", **kw(emu))


def test_malformed_body(emu: Emulator) -> None:
    emu.script(Script(extra={"body": {"message": "not an object"}}))
    with pytest.raises(ResponseDecodeError):
        llmkit.complete(MODEL, "x", **kw(emu))


def test_stream_cut_midway_keeps_what_arrived(emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta epsilon", fault="cut", after=4))
    got: list[str] = []
    with pytest.raises(LLMKitError) as info:
        with llmkit.stream(MODEL, "x", **kw(emu)) as s:
            for e in s:
                if isinstance(e, TextDelta):
                    got.append(e.text)
    assert got and "".join(got).startswith("alpha")
    partial = getattr(info.value, "partial", None)
    assert partial is not None and partial.text == "".join(got)


def test_stream_malformed_event(emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma", fault="malformed", after=3))
    with pytest.raises(ResponseDecodeError):
        with llmkit.stream(MODEL, "x", **kw(emu)) as s:
            list(s)


def test_stream_in_stream_error(emu: Emulator) -> None:
    emu.script(
        Script(
            text="alpha beta gamma", fault="stream_error", after=3, error=ScriptedError(500, "model crashed")
        )
    )
    with pytest.raises(ServerError, match="model crashed"):
        with llmkit.stream(MODEL, "x", **kw(emu)) as s:
            list(s)


def test_stream_async_text(emu: Emulator) -> None:
    async def go() -> str:
        async with llmkit.astream(MODEL, "async words here", **kw(emu)) as s:
            return "".join([t async for t in s.text_stream()])

    assert asyncio.run(go()).endswith("async words here")
