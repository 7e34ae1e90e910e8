"""Providers held against replies their vendors recorded or published (refs_i, issue 14): each
fixture is decoded through llmkit's OpenAI dialect with the row's own spec, and once more through
the public API with the emulator replaying the bytes verbatim over loopback. The ``.source.md``
beside each fixture names the repo@commit:path it was copied from."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.fleet.test_fixtures import FIXTURES, decode, decode_error, usage

import llmkit
from llmkit import errors
from llmkit.types import FinishReason

COMPLETIONS = [
    "upstage/cookbook_solar_mini_chat.json",
    "poe/ai_sdk_snapshot_kimi_k2_5_tool_call.json",
    "poe/ai_sdk_snapshot_kimi_k2_thinking.json",
    "tensormesh/ai_sdk_provider_test_chat.json",
]
STREAMS = ["tensormesh/ai_sdk_provider_test_stream.sse"]


def test_upstage_cookbook_reply() -> None:
    """A reply Upstage's cookbook recorded: a bare-UUID id, a dated model name, null token details."""
    c = decode("upstage", "cookbook_solar_mini_chat.json", "solar-1-mini-chat")
    assert c.text == "I'm not sure, but I'll try to find out."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (55, 16, 71)
    assert (c.id, c.model) == ("df1979da-b0e3-4456-8759-edfd22ff72a6", "solar-mini-240612")
    assert not c.tool_calls and not c.message.reasoning


# ------------------------------------------------- Poe (poe-platform/ai-sdk-provider-poe snapshots)


def test_poe_tool_call_keeps_its_non_call_id() -> None:
    """Poe's Kimi-K2.5 answers text beside a tool call whose id is ``getWeather:0``: both kept."""
    c = decode("poe", "ai_sdk_snapshot_kimi_k2_5_tool_call.json", "Kimi-K2.5")
    assert c.text == "I'll get the current weather for San Francisco using the getWeather tool."
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("getWeather:0", "getWeather", {"location": "San Francisco"})
    ]
    assert usage(c) == (14, 15, 29)
    assert (c.id, c.model) == ("chatcmpl-5a5a14dbc76337a12ee72ae2", "Kimi-K2.5")


def test_poe_reasoning_sent_twice_is_reported_once() -> None:
    """The reply carries its reasoning as both ``reasoning_content`` and ``reasoning``."""
    body = json.loads((FIXTURES / "poe" / "ai_sdk_snapshot_kimi_k2_thinking.json").read_bytes())
    sent = body["choices"][0]["message"]
    assert sent["reasoning"] == sent["reasoning_content"]
    c = decode("poe", "ai_sdk_snapshot_kimi_k2_thinking.json", "kimi-k2-thinking")
    assert c.text == "Hello to you"
    assert c.message.reasoning == sent["reasoning"]
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (7, 3, 10)
    assert not c.tool_calls


def test_poe_unsupported_tools_error_is_typed() -> None:
    err = decode_error("poe", "ai_sdk_snapshot_error_400_tools_unsupported.json", 400, "application/json")
    assert isinstance(err, errors.BadRequestError)
    assert err.status_code == 400 and err.provider == "poe"
    assert (err.error_type, err.error_code) == ("invalid_request_error", "unsupported_feature_for_model")
    assert "does not support tool calling" in str(err)


# ------------------------------------ Tensormesh (Tensormesh-Production/tensormesh-ai-sdk-provider)


def test_tensormesh_sdk_test_reply_without_object_created_or_index() -> None:
    """The reply its SDK's tests answer with lacks ``object``, ``created`` and ``choices[].index``."""
    c = decode("tensormesh", "ai_sdk_provider_test_chat.json", "m")
    assert c.text == "Hello from Tensormesh."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (4, 4, 8)
    assert (c.id, c.model) == ("chatcmpl-test", "mistralai/Devstral-2-123B-Instruct-2512")


def test_tensormesh_sdk_test_stream_usage_on_the_finish_chunk() -> None:
    """Usage rides on the chunk that carries ``finish_reason``; no chunk names a model."""
    c = decode("tensormesh", "ai_sdk_provider_test_stream.sse", "requested")
    assert c.text == "1, 2, 3, 4, 5"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (6, 8, 14)
    assert (c.id, c.model) == ("chatcmpl-test", "requested")
    assert not c.tool_calls


@pytest.mark.parametrize("fixture", COMPLETIONS)
def test_public_api_decodes_replayed_completion(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert done.provider == provider
    assert (done.id, done.model) == (direct.id, direct.model)
    assert (done.text, done.tool_calls, done.usage, done.finish_reason) == (
        direct.text,
        direct.tool_calls,
        direct.usage,
        direct.finish_reason,
    )


@pytest.mark.parametrize("fixture", STREAMS)
def test_public_api_decodes_replayed_stream(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    with llmkit.stream(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay) as s:
        done = s.completion
    assert done.provider == provider
    assert (done.text, done.tool_calls, done.usage, done.finish_reason) == (
        direct.text,
        direct.tool_calls,
        direct.usage,
        direct.finish_reason,
    )
