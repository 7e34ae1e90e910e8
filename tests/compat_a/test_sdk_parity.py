"""Sarvam's and ZeroGPU's official SDKs (sarvamai, zerogpu-api; test-only) against this slice's rows,
in both directions: the SDK calls the emulator profile and parses its answers with its own models
(path, key header and reply shape as the vendor's client has them), and llmkit's request is read
with the SDK's request models and sent where, and with the header, the SDK sends it."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.types import Tool

sarvamai = pytest.importorskip("sarvamai")
sarvam_env = pytest.importorskip("sarvamai.environment")
sarvam_errors = pytest.importorskip("sarvamai.core.api_error")
zerogpu_errors = pytest.importorskip("zerogpu.core.api_error")
zerogpu = pytest.importorskip("zerogpu")

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
HI = [{"role": "user", "content": "Namaste"}]
WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def _sarvam(emu: Emulator, key: str = CANARY_KEY) -> Any:
    # The SDK appends v1/chat/completions to its environment's base (https://api.sarvam.ai).
    base = f"{emu.url}/sarvam"
    env = sarvam_env.SarvamAIEnvironment(base=base, creative=base, production=base)
    return sarvamai.SarvamAI(api_subscription_key=key, environment=env)


def test_sarvam_sdk_reads_the_profile(emu: Emulator) -> None:
    emu.script(Script(text="Namaste from Sarvam", input_tokens=6, output_tokens=4))
    r = _sarvam(emu).chat.completions(model="sarvam-m", messages=HI)
    assert isinstance(r, sarvamai.CreateChatCompletionResponse)
    assert r.choices[0].message.content == "Namaste from Sarvam"
    assert r.usage is not None and (r.usage.prompt_tokens, r.usage.completion_tokens) == (6, 4)
    sdk_request = emu.requests[-1]
    assert sdk_request.full_path == "/sarvam/v1/chat/completions"
    assert sdk_request.headers["api-subscription-key"] == CANARY_KEY


def test_sarvam_sdk_stream_and_rejected_key(emu: Emulator) -> None:
    emu.script(Script(text="one two three", input_tokens=3, output_tokens=3))
    chunks = list(_sarvam(emu).chat.completions(model="sarvam-m", messages=HI, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"
    with pytest.raises(sarvam_errors.ApiError) as info:
        _sarvam(emu, key="wrong-key-0000").chat.completions(model="sarvam-m", messages=HI)
    assert info.value.status_code == 401


def test_llmkit_sends_what_the_sarvam_sdk_sends(emu: Emulator) -> None:
    call = ScriptedCall("get_weather", {"city": "Pune"}, id="call_sv_1")
    emu.script(Script(text="sdk"), Script(tool_calls=[call]))
    _sarvam(emu).chat.completions(model="sarvam-m", messages=HI)
    sdk_request = emu.requests[-1]
    c = llmkit.complete(
        "sarvam/sarvam-m",
        "Weather in Pune?",
        tools=[WEATHER],
        api_key=CANARY_KEY,
        base_url=emu.base_url("sarvam"),
    )
    assert c.tool_calls[0].arguments == {"city": "Pune"}
    ours = emu.requests[-1]
    assert ours.full_path == sdk_request.full_path
    assert ours.headers["api-subscription-key"] == CANARY_KEY and "authorization" not in ours.headers
    body = ours.json()
    # The body reads as the SDK's own request models.
    messages = pydantic.TypeAdapter(list[sarvamai.ChatCompletionRequestMessage]).validate_python(
        body["messages"]
    )
    assert messages[0].content == "Weather in Pune?"
    tools = pydantic.TypeAdapter(list[sarvamai.ChatCompletionTool]).validate_python(body["tools"])
    assert tools[0].function.name == "get_weather"


def test_llmkit_reads_a_reply_built_with_the_sarvam_models(emu: Emulator) -> None:
    reply = sarvamai.CreateChatCompletionResponse(
        id="chatcmpl-sv-1",
        created=1767225600,
        model="sarvam-m",
        choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Haan"}}],
        usage={"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
    )
    from llmkit.dialects.base import CallContext, ChatRequest
    from llmkit.dialects.openai_chat import DIALECT
    from llmkit.providers import get_spec
    from llmkit.types import Message
    from llmkit.wire import HttpResponse

    data = json.dumps(reply.model_dump(mode="json", exclude_none=True)).encode()
    ctx = CallContext(get_spec("sarvam"), "sarvam-m", "https://provider.invalid/v1")
    c = DIALECT.parse_chat(
        HttpResponse(200, {"content-type": "application/json"}, data),
        ChatRequest("sarvam-m", [Message("user", "x")]),
        ctx,
    )
    assert (c.text, c.usage.input_tokens, c.usage.output_tokens, c.id) == ("Haan", 5, 1, "chatcmpl-sv-1")


def _zerogpu(emu: Emulator, key: str = CANARY_KEY) -> Any:
    return zerogpu.ZerogpuApi(api_key=key, project_id="proj-123", base_url=f"{emu.url}/zerogpu/v1")


def test_zerogpu_sdk_reads_the_profile_and_llmkit_matches_it(emu: Emulator) -> None:
    emu.script(Script(text="classified: greeting", input_tokens=4, output_tokens=3), Script(text="same"))
    r = _zerogpu(emu).chat.create_chat_completion(
        model="zlm-v1", messages=[zerogpu.ChatMessage(role="user", content="Hello there")]
    )
    assert r.choices is not None and r.choices[0]["message"]["content"] == "classified: greeting"
    assert r.usage is not None
    sdk_request = emu.requests[-1]
    assert (
        sdk_request.headers["x-api-key"] == CANARY_KEY and sdk_request.headers["x-project-id"] == "proj-123"
    )

    c = llmkit.complete(
        "zerogpu/zlm-v1",
        "Hello there",
        project_id="proj-123",
        api_key=CANARY_KEY,
        base_url=emu.base_url("zerogpu"),
    )
    assert c.text == "same"
    ours = emu.requests[-1]
    assert ours.full_path == sdk_request.full_path
    assert (ours.headers["x-api-key"], ours.headers["x-project-id"]) == (CANARY_KEY, "proj-123")
    assert "authorization" not in ours.headers
    [message] = pydantic.TypeAdapter(list[zerogpu.ChatMessage]).validate_python(ours.json()["messages"])
    assert (message.role, message.content) == ("user", "Hello there")


def test_zerogpu_rejected_key_for_the_sdk_and_for_llmkit(emu: Emulator) -> None:
    with pytest.raises(zerogpu_errors.ApiError) as info:
        _zerogpu(emu, key="wrong-key-0000").chat.create_chat_completion(
            model="zlm-v1", messages=[zerogpu.ChatMessage(role="user", content="x")]
        )
    assert info.value.status_code == 401
    with pytest.raises(errors.AuthenticationError):
        llmkit.complete("zerogpu/zlm-v1", "x", api_key="wrong-key-0000", base_url=emu.base_url("zerogpu"))


def test_the_custom_key_headers_are_redacted() -> None:
    from llmkit._redact import redact_headers

    # An arbitrary value: the header name alone marks it secret (nothing registered it).
    shown = redact_headers({"api-subscription-key": "plain-value-123", "x-api-key": "other-value-456"})
    assert "plain-value-123" not in str(shown) and "other-value-456" not in str(shown)
