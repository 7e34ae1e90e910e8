"""The Cortex OpenAI- and Anthropic-compatible routes held to the official SDKs, both ways: each
SDK calls the emulator's Snowflake routes (with a Snowflake token and its type header), and the
bodies llmkit sends on those routes are read with the SDKs' own request types."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from anthropic.types import MessageParam
from openai.types.chat import ChatCompletionMessageParam

import anthropic
import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.emulator import snowflake as emu_snowflake
from llmkit.types import Tool

from .conftest import SnowflakeUser

TOKEN = "pat-sdk-check-0001"
HEADERS = {"X-Snowflake-Authorization-Token-Type": "PROGRAMMATIC_ACCESS_TOKEN"}
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})
pytestmark = pytest.mark.usefixtures("sf_env")


@pytest.fixture
def pat(emu: Emulator) -> str:
    emu_snowflake.register_token(emu, TOKEN, "PROGRAMMATIC_ACCESS_TOKEN")
    return TOKEN


def test_openai_sdk_against_the_chat_completions_route(emu: Emulator, pat: str) -> None:
    base = emu.base_url("snowflake") + "/api/v2/cortex/v1"
    client = openai.OpenAI(base_url=base, api_key=pat, default_headers=HEADERS, max_retries=0)
    emu.script(Script(text="Hello there"))
    done = client.chat.completions.create(
        model="mistral-large2", messages=[{"role": "user", "content": "hi"}]
    )
    assert done.choices[0].message.content == "Hello there"
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"})]))
    chunks = list(
        client.chat.completions.create(
            model="mistral-large2",
            messages=[{"role": "user", "content": "weather?"}],
            tools=[
                {
                    "type": "function",
                    "function": {"name": "get_weather", "parameters": dict(WEATHER.parameters)},
                }
            ],
            stream=True,
        )
    )
    args = "".join(
        c.choices[0].delta.tool_calls[0].function.arguments or ""
        for c in chunks
        if c.choices and c.choices[0].delta.tool_calls
    )
    assert json.loads(args) == {"city": "Oslo"}
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=base, api_key="pat-wrong", default_headers=HEADERS, max_retries=0
        ).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_anthropic_sdk_against_the_messages_route(emu: Emulator, pat: str) -> None:
    # The SDK appends /v1/messages; Authorization: Bearer is its auth_token.
    base = emu.base_url("snowflake") + "/api/v2/cortex"
    client = anthropic.Anthropic(base_url=base, auth_token=pat, default_headers=HEADERS, max_retries=0)
    emu.script(Script(text="Hello there"))
    done = client.messages.create(
        model="claude-3-5-sonnet", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    )
    assert done.content[0].type == "text" and done.content[0].text == "Hello there"
    emu.script(Script(text="streamed words here"))
    with client.messages.stream(
        model="claude-3-5-sonnet", max_tokens=64, messages=[{"role": "user", "content": "hi"}]
    ) as s:
        assert "".join(s.text_stream) == "streamed words here"


def _typed(kind: Any, value: Any) -> Any:
    """``value`` checked against a TypedDict the SDK publishes for request bodies (pydantic)."""
    import pydantic

    return pydantic.TypeAdapter(kind).validate_python(value, strict=False)


def test_llmkit_bodies_read_as_the_sdks_request_types(emu: Emulator, sf_user: SnowflakeUser) -> None:
    call = llmkit.ToolCall("toolu_1", "get_weather", {"city": "Oslo"})
    history: list[Any] = [
        {"role": "user", "content": "weather?"},
        llmkit.Message("assistant", "", (call,)),
        {"role": "tool", "tool_call_id": "toolu_1", "content": "-3 C"},
    ]
    emu.script(Script(text="ok"), Script(text="ok"))
    llmkit.complete("snowflake/mistral-large2", history, tools=[WEATHER], **sf_user.options)
    chat = json.loads(emu.requests[-1].body)
    llmkit.complete("snowflake/claude-3-5-sonnet", history, tools=[WEATHER], **sf_user.options)
    messages = json.loads(emu.requests[-1].body)
    assert emu.requests[-1].headers["anthropic-version"] == "2023-06-01"
    _typed(list[ChatCompletionMessageParam], chat["messages"])
    _typed(list[MessageParam], messages["messages"])
    assert (
        chat["messages"][-1]["role"] == "tool"
        and messages["messages"][-1]["content"][0]["type"] == "tool_result"
    )
    assert messages["max_tokens"] > 0 and messages["model"] == "claude-3-5-sonnet"
