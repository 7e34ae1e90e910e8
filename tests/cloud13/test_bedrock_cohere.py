"""Cohere Command R on Bedrock with its native InvokeModel body (``bedrock_cohere``) over loopback
through the public API, sync and async: chat, tools and tool results, the event-stream (cut midway
keeps what arrived), errors; requests SigV4-verified by the emulator. The body is checked against
AWS's documented Command R request (tests/fixtures/cloud13/bedrock_cohere_chat_request.json)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cloud13._helpers import aws_env, run

import llmkit
from llmkit.dialects.base import ChatRequest
from llmkit.dialects.bedrock_cohere import chat_body
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.errors import AuthenticationError, NotSupportedError, RateLimitError, StreamInterruptedError
from llmkit.types import Message, TextDelta, Tool, ToolCall

MODEL = "bedrock_cohere/cohere.command-r-plus-v1:0"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloud13"
WEATHER = Tool(
    "get_weather",
    "Current weather for a city",
    {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City"}},
        "required": ["city"],
    },
)


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"base_url": emu.base_url("bedrock_cohere"), "max_retries": 0, **extra}


def test_chat_with_history_and_options(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Paris is the capital."))
    messages = [
        Message("system", "Be brief."),
        Message("user", "Hi"),
        Message("assistant", "Hello!"),
        Message("user", "Capital of France?"),
    ]
    docs = [{"title": "France", "snippet": "Paris is the capital of France."}]
    c = run(mode, "complete", MODEL, messages, max_tokens=50, documents=docs, seed=7, **kw(emu))
    assert c.text == "Paris is the capital." and c.usage.input_tokens > 0 and c.usage.output_tokens > 0
    req = emu.requests[-1]
    assert req.path == "/model/cohere.command-r-plus-v1%3A0/invoke"
    assert req.json() == {
        "message": "Capital of France?",
        "chat_history": [{"role": "USER", "message": "Hi"}, {"role": "CHATBOT", "message": "Hello!"}],
        "preamble": "Be brief.",
        "max_tokens": 50,
        "documents": docs,
        "seed": 7,
    }


def test_tools_and_results(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]))
    c = run(mode, "complete", MODEL, "Weather in Paris?", tools=[WEATHER], **kw(emu))
    assert c.tool_calls[0].name == "get_weather" and c.tool_calls[0].arguments == {"city": "Paris"}
    assert c.finish_reason == "tool_calls"
    tools = emu.requests[-1].json()["tools"]
    assert tools == [
        {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameter_definitions": {"city": {"type": "str", "description": "City", "required": True}},
        }
    ]
    messages = [
        Message("user", "Weather in Paris?"),
        Message("assistant", "", (ToolCall("call_0", "get_weather", {"city": "Paris"}),)),
        Message("tool", '{"temperature": "18C"}', tool_call_id="call_0"),
    ]
    emu.script(Script(text="It is 18C."))
    c = run(mode, "complete", MODEL, messages, tools=[WEATHER], **kw(emu))
    body = emu.requests[-1].json()
    assert c.text == "It is 18C." and body["message"] == ""
    assert body["tool_results"] == [
        {
            "call": {"name": "get_weather", "parameters": {"city": "Paris"}},
            "outputs": [{"temperature": "18C"}],
        }
    ]


def stream(mode: str, emu: Emulator, **extra: Any) -> tuple[list[Any], Any]:
    if mode == "sync":
        with llmkit.Client() as client, client.stream(MODEL, "Hi", **kw(emu, **extra)) as s:
            return list(s), s.completion

    async def go() -> tuple[list[Any], Any]:
        async with llmkit.AsyncClient() as client:
            s = client.stream(MODEL, "Hi", **kw(emu, **extra))
            async with s:
                return [e async for e in s], s.completion

    return asyncio.run(go())


def test_stream(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three"))
    events, completion = stream(mode, emu)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two three"
    assert completion.text == "one two three" and completion.usage.output_tokens > 0
    assert emu.requests[-1].path.endswith("/invoke-with-response-stream")
    emu.script(Script(text="one two three four five", fault="cut", after=3))
    with pytest.raises(StreamInterruptedError) as info:
        stream(mode, emu)
    assert info.value.partial is not None and info.value.partial.text == "one two "


def test_errors(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.script(Script(error=ScriptedError(429, "Too many requests")))
    with pytest.raises(RateLimitError):
        run(mode, "complete", MODEL, "Hi", **kw(emu))
    with pytest.raises(NotSupportedError, match="text only"):
        run(
            mode,
            "complete",
            MODEL,
            [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}],
                }
            ],
            **kw(emu),
        )
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-0000000000000000000000000000")
    with pytest.raises(AuthenticationError):
        run(mode, "complete", MODEL, "Hi", **kw(emu))


def test_documented_request() -> None:
    doc = json.loads((FIXTURES / "bedrock_cohere_chat_request.json").read_text())
    req = ChatRequest(
        "cohere.command-r-plus-v1:0",
        [
            Message("user", m["message"]) if m["role"] == "USER" else Message("assistant", m["message"])
            for m in doc["chat_history"]
        ]
        + [Message("user", doc["message"])],
        max_tokens=doc["max_tokens"],
        temperature=doc["temperature"],
        options={"top_p": doc["p"], "top_k": doc["k"]},
    )
    assert chat_body(req) == doc
