"""The official ``ollama`` Python SDK (test-only) as the third party, both directions:

* SDK -> emulator: the SDK's own client sends chat (whole, streamed, with thinking and tools),
  generate and embed to the emulator, and its pydantic models (``ChatResponse``,
  ``GenerateResponse``, ``EmbedResponse``) parse every answer and stream line;
* llmkit -> SDK: the bodies llmkit sends validate as the SDK's request models, and for the same
  call the SDK and llmkit send the same JSON body.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from _ollama_helpers import MODEL, options, run, sent

import ollama
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.types import Message, Tool, ToolCall
from ollama import _types as sdk

WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = Tool("get_weather", "The weather in a city", WEATHER_SCHEMA)
SDK_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
            "parameters": WEATHER_SCHEMA}}  # fmt: skip


def _bodies(emu: Emulator) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in sent(emu)]


def test_sdk_chat_whole_and_streamed_parses_the_emulators_answers(emu: Emulator) -> None:
    client = ollama.Client(host=emu.base_url("ollama_chat"))
    emu.script(Script(text="Hello there", reasoning="Greeting.", input_tokens=9, output_tokens=2))
    r = client.chat(model="llama3.2", messages=[{"role": "user", "content": "hi"}], think=True)
    assert isinstance(r, sdk.ChatResponse)
    assert (r.message.content, r.message.thinking, r.done, r.done_reason) == (
        "Hello there",
        "Greeting.",
        True,
        "stop",
    )
    assert (r.prompt_eval_count, r.eval_count, r.total_duration) == (9, 2, 5_043_500_667)
    emu.script(Script(text="one two three", chunk_chars=4))
    parts = list(client.chat(model="llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert all(isinstance(p, sdk.ChatResponse) for p in parts) and parts[-1].done
    assert "".join(p.message.content or "" for p in parts) == "one two three"


def test_sdk_tool_calls_generate_embed_and_errors(emu: Emulator) -> None:
    client = ollama.Client(host=emu.base_url("ollama_chat"))
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]))
    r = client.chat(model="llama3.2", messages=[{"role": "user", "content": "w?"}], tools=[SDK_TOOL])
    (call,) = r.message.tool_calls or ()
    assert (call.function.name, dict(call.function.arguments)) == ("get_weather", {"city": "Paris"})
    emu.script(Script(text="Once upon a time"))
    g = client.generate(model="llama3.2", prompt="Tell a story")
    assert isinstance(g, sdk.GenerateResponse) and g.response == "Once upon a time" and g.done
    emu.script(Script(text="streamed story", chunk_chars=5))
    assert "".join(p.response for p in client.generate(model="llama3.2", prompt="s", stream=True)) == (
        "streamed story"
    )
    e = client.embed(model="all-minilm", input=["a", "b"], dimensions=12)
    assert isinstance(e, sdk.EmbedResponse) and [len(v) for v in e.embeddings] == [12, 12]
    with pytest.raises(ollama.ResponseError) as info:
        client.chat(model="missing-model", messages=[{"role": "user", "content": "hi"}])
    assert info.value.status_code == 404 and "not found" in info.value.error
    emu.script(Script(text="a b c d", chunk_chars=2, fault="stream_error", after=2,
                      error=ScriptedError(500, "runner crashed")))  # fmt: skip
    with pytest.raises(ollama.ResponseError, match="runner crashed"):
        list(client.chat(model="llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True))


def test_sdk_async_client_streams_from_the_emulator(emu: Emulator) -> None:
    async def main() -> str:
        client = ollama.AsyncClient(host=emu.base_url("ollama_chat"))
        stream = await client.chat(
            model="llama3.2", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return "".join([p.message.content or "" async for p in stream])

    emu.script(Script(text="async words here", chunk_chars=3))
    assert asyncio.run(main()) == "async words here"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llmkit_and_the_sdk_send_the_same_chat_body(mode: str, emu: Emulator) -> None:
    history = [
        Message("system", "Be brief."),
        Message("user", "Weather in Paris?"),
        Message("assistant", "", tool_calls=(ToolCall("c1", "get_weather", {"city": "Paris"}),)),
        Message("tool", "sunny", tool_call_id="c1"),
    ]
    emu.script(Script(text="It is sunny."), Script(text="It is sunny."))
    run(mode, "complete", MODEL, history, tools=[WEATHER], temperature=0.1, max_tokens=64, seed=7,
        think=False, keep_alive="5m", **options(emu))  # fmt: skip
    ollama.Client(host=emu.base_url("ollama_chat")).chat(
        model="llama3.2",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}],
            },
            {"role": "tool", "content": "sunny", "tool_name": "get_weather"},
        ],
        tools=[SDK_TOOL],
        options={"temperature": 0.1, "num_predict": 64, "seed": 7},
        think=False,
        keep_alive="5m",
        stream=False,
    )
    ours, theirs = _bodies(emu)[-2:]
    # The one difference: the SDK leaves out an empty content; llmkit sends it, as Ollama's OpenAPI
    # document requires (ChatMessage: required [role, content]).
    assert ours["messages"][2].pop("content") == "" and "content" not in theirs["messages"][2]
    assert ours == theirs
    # And llmkit's body is a valid request for the SDK's own model.
    assert sdk.ChatRequest.model_validate(ours).model_dump(exclude_none=True)["messages"][3]["tool_name"] == (
        "get_weather"
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_llmkit_and_the_sdk_send_the_same_embed_body(mode: str, emu: Emulator) -> None:
    run(mode, "embed", "ollama_chat/all-minilm", ["x", "y"], dimensions=8, truncate=True, **options(emu))
    ollama.Client(host=emu.base_url("ollama_chat")).embed(
        model="all-minilm", input=["x", "y"], dimensions=8, truncate=True
    )
    ours, theirs = _bodies(emu)[-2:]
    assert ours == theirs
    sdk.EmbedRequest.model_validate(ours)
