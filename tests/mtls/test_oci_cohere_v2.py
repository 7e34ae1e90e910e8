"""OCI Generative AI's COHEREV2 format (Cohere v2 messages, tools, streams) through the public API
over loopback, sync and async, against the emulator (which checks every request's OCI signature);
held against the oci SDK both ways: the SDK's own client sends a CohereChatRequestV2 to the
emulator and reads its CohereChatResponseV2, and llmkit's chatRequest equals the one the SDK's
models serialize for the same conversation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.oci import COMPARTMENT, TENANCY, USER, new_api_key
from llmkit.emulator.oci_auth import OciTestCredentials
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    ConfigurationError,
    NotSupportedError,
    RateLimitError,
    ResponseDecodeError,
    StreamInterruptedError,
)
from llmkit.types import FinishReason, Message

MODEL = "oci/cohere.command-a-03-2025"
V2 = {"api_format": "COHEREV2"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def oci_creds(tmp_path_factory: pytest.TempPathFactory) -> OciTestCredentials:
    return new_api_key(tmp_path_factory.mktemp("oci"))


@pytest.fixture(autouse=True)
def oci_env(oci_creds: OciTestCredentials, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OCI_PROFILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH", "OCI_REGION", "OCI_CLI_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OCI_CONFIG_FILE", oci_creds.config_file)
    monkeypatch.setenv("OCI_BASE_URL", emu.base_url("oci"))
    monkeypatch.setenv("OCI_COMPARTMENT_ID", COMPARTMENT)
    yield


def _chat_request(emu: Emulator) -> dict[str, Any]:
    return json.loads(emu.requests[-1].body)["chatRequest"]


def _complete(mode: str, messages: Any, **kw: Any) -> llmkit.Completion:
    if mode == "sync":
        return llmkit.complete(MODEL, messages, **V2, **kw)

    async def main() -> llmkit.Completion:
        async with llmkit.AsyncClient() as client:
            return await client.complete(MODEL, messages, **V2, **kw)

    return asyncio.run(main())


def _stream(mode: str, messages: Any, **kw: Any) -> tuple[list[Any], llmkit.Completion]:
    if mode == "sync":
        s = llmkit.stream(MODEL, messages, **V2, **kw)
        events = list(s)
        return events, s.completion

    async def main() -> tuple[list[Any], llmkit.Completion]:
        async with llmkit.AsyncClient() as client:
            s = client.stream(MODEL, messages, **V2, **kw)
            events = [e async for e in s]
            return events, s.completion

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_completion_in_v2_messages(emu: Emulator, mode: str) -> None:
    emu.script(Script(text="Hello from Command A", input_tokens=5, output_tokens=4))
    c = _complete(mode, [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hi"}])
    assert c.text == "Hello from Command A" and c.finish_reason is FinishReason.STOP
    assert (c.usage.input_tokens, c.usage.output_tokens) == (5, 4)
    chat = _chat_request(emu)
    assert chat["apiFormat"] == "COHEREV2" and "message" not in chat
    assert chat["messages"] == [
        {"role": "SYSTEM", "content": [{"type": "TEXT", "text": "Be terse."}]},
        {"role": "USER", "content": [{"type": "TEXT", "text": "hi"}]},
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_text_and_usage(emu: Emulator, mode: str) -> None:
    emu.script(Script(text="one two three", n_chunks=3, input_tokens=2, output_tokens=3))
    events, c = _stream(mode, "hi")
    assert "".join(e.text for e in events if isinstance(e, llmkit.TextDelta)) == "one two three"
    assert c.text == "one two three" and c.usage.output_tokens == 3
    assert _chat_request(emu)["isStream"] is True


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tool_call_round_trip(emu: Emulator, mode: str) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Austin"}, id="call_7")]))
    c = _complete(mode, "weather in Austin?", tools=[WEATHER], tool_choice="required")
    (call,) = c.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_7", "get_weather", {"city": "Austin"})
    assert c.finish_reason is FinishReason.TOOL_CALLS and c.raw_finish_reason == "TOOL_CALL"
    chat = _chat_request(emu)
    assert chat["toolsChoice"] == "REQUIRED"
    assert chat["tools"][0] == {
        "type": "FUNCTION",
        "function": {
            "name": "get_weather",
            "description": "Current weather",
            "parameters": WEATHER["function"]["parameters"],  # JSON Schema, not v1's Python types
        },
    }
    emu.script(Script(text="It is sunny."))
    history = [Message("user", "weather in Austin?"), c.message]
    history.append(Message("tool", '{"sky": "sunny"}', tool_call_id="call_7"))
    assert _complete(mode, history, tools=[WEATHER]).text == "It is sunny."
    sent = _chat_request(emu)["messages"]
    assert sent[1]["toolCalls"] == [
        {
            "id": "call_7",
            "type": "FUNCTION",
            "function": {"name": "get_weather", "arguments": '{"city":"Austin"}'},
        }
    ]
    assert sent[2] == {
        "role": "TOOL",
        "content": [{"type": "TEXT", "text": '{"sky": "sunny"}'}],
        "toolCallId": "call_7",
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_streamed_tool_call(emu: Emulator, mode: str) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="call_1")]))
    _, c = _stream(mode, "weather?", tools=[WEATHER])
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("call_1", "get_weather", {"city": "Oslo"})
    ]
    assert c.finish_reason is FinishReason.TOOL_CALLS


def test_errors_are_typed(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "slow down", code="TooManyRequests")))
    with pytest.raises(RateLimitError):
        llmkit.complete(MODEL, "hi", max_retries=0, **V2)
    with pytest.raises(NotSupportedError, match="COHEREV2"):
        llmkit.complete(
            MODEL,
            "hi",
            tools=[WEATHER],
            tool_choice={"type": "function", "function": {"name": "get_weather"}},
            **V2,
        )
    with pytest.raises(ConfigurationError, match="preamble_override"):
        llmkit.complete(MODEL, "hi", preamble_override="x", **V2)


def test_a_malformed_chunk_is_a_decode_error(emu: Emulator) -> None:
    emu.script(Script(text="one two three", fault="malformed", after=1))
    with pytest.raises(ResponseDecodeError):
        list(llmkit.stream(MODEL, "hi", max_retries=0, **V2))


def test_a_cut_stream_keeps_what_arrived(emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="cut", after=2))
    with pytest.raises(StreamInterruptedError) as info:
        list(llmkit.stream(MODEL, "hi", max_retries=0, **V2))
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"


# -- against the oci SDK --------------------------------------------------------------------------

oci = pytest.importorskip("oci")
models = oci.generative_ai_inference.models


def _client(emu: Emulator, creds: OciTestCredentials) -> Any:
    config = {
        "tenancy": TENANCY,
        "user": USER,
        "fingerprint": creds.fingerprint,
        "key_file": creds.key_file,
        "region": "us-chicago-1",
    }
    return oci.generative_ai_inference.GenerativeAiInferenceClient(
        config, service_endpoint=emu.base_url("oci"), retry_strategy=oci.retry.NoneRetryStrategy()
    )


def _sdk_request() -> Any:
    return models.CohereChatRequestV2(
        messages=[
            models.CohereSystemMessageV2(content=[models.CohereTextContentV2(text="Be terse.")]),
            models.CohereUserMessageV2(content=[models.CohereTextContentV2(text="weather?")]),
            models.CohereAssistantMessageV2(
                content=[],
                tool_calls=[
                    models.CohereToolCallV2(
                        id="call_1",
                        type="FUNCTION",
                        function={"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    )
                ],
            ),
            models.CohereToolMessageV2(
                content=[models.CohereTextContentV2(text='{"t": 3}')], tool_call_id="call_1"
            ),
        ],
        tools=[
            models.CohereToolV2(
                type="FUNCTION",
                function=models.Function(
                    name="get_weather",
                    description="Current weather",
                    parameters=WEATHER["function"]["parameters"],
                ),
            )
        ],
        tools_choice="REQUIRED",
        max_tokens=50,
        temperature=0.2,
        stop_sequences=["END"],
        top_p=0.9,
        safety_mode="CONTEXTUAL",
    )


def test_the_sdk_client_against_the_emulator(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="call_9")]))
    details = models.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id="cohere.command-a-03-2025"),
        chat_request=models.CohereChatRequestV2(
            messages=[models.CohereUserMessageV2(content=[models.CohereTextContentV2(text="weather?")])],
            tools=_sdk_request().tools,
        ),
    )
    answer = _client(emu, oci_creds).chat(details).data.chat_response
    assert isinstance(answer, models.CohereChatResponseV2) and answer.finish_reason == "TOOL_CALL"
    (call,) = answer.message.tool_calls
    assert call.id == "call_9" and json.loads(call.function["arguments"]) == {"city": "Oslo"}
    assert answer.usage.total_tokens > 0


def test_llmkit_sends_what_the_sdk_models_serialize(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    sdk = _client(emu, oci_creds).base_client.sanitize_for_serialization(_sdk_request())
    emu.script(Script(text="3 degrees"))
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"t": 3}'},
    ]
    llmkit.complete(
        MODEL,
        messages,
        tools=[WEATHER],
        tool_choice="required",
        max_tokens=50,
        temperature=0.2,
        stop=["END"],
        top_p=0.9,
        safety_mode="CONTEXTUAL",
        **V2,
    )
    assert _chat_request(emu) == sdk


def test_a_streamed_answer_parses_with_the_sdk_models(emu: Emulator, oci_creds: OciTestCredentials) -> None:
    emu.script(Script(text="a b", n_chunks=2))
    details = models.ChatDetails(
        compartment_id=COMPARTMENT,
        serving_mode=models.OnDemandServingMode(model_id="cohere.command-a-03-2025"),
        chat_request=models.CohereChatRequestV2(
            messages=[models.CohereUserMessageV2(content=[models.CohereTextContentV2(text="hi")])],
            is_stream=True,
        ),
    )
    events = [e.data for e in _client(emu, oci_creds).chat(details).data.events()]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    texts = [c["message"]["content"][0]["text"] for c in chunks if "message" in c]
    assert "".join(texts) == "a b" and chunks[-1]["finishReason"] == "COMPLETE"


def test_a_drifted_v2_answer_is_a_decode_error() -> None:
    from llmkit.dialects.oci import _cohere_v2

    with pytest.raises(ResponseDecodeError, match="not a list"):
        _cohere_v2.answer({"message": {"content": "flat"}})
    with pytest.raises(ResponseDecodeError, match="no function object"):
        _cohere_v2.answer({"message": {"toolCalls": [{"id": "x", "name": "flat"}]}})


def test_v2_stream_thinking_and_pieced_calls_decode() -> None:
    from llmkit.dialects.base import CallContext
    from llmkit.dialects.oci import OciStreamDecoder
    from llmkit.providers import get_spec

    d = OciStreamDecoder(
        CallContext(get_spec("oci"), "cohere.command-a-reasoning", "https://h"), False, v2=True
    )
    chunks = [
        {"message": {"role": "ASSISTANT", "content": [{"type": "THINKING", "thinking": "hmm"}]}},
        {
            "message": {
                "toolCalls": [
                    {"id": "c1", "type": "FUNCTION", "function": {"name": "f", "arguments": '{"a"'}}
                ]
            }
        },
        {"message": {"toolCalls": [{"type": "FUNCTION", "function": {"arguments": ": 1}"}}]}},
        {"finishReason": "TOOL_CALL", "usage": {"promptTokens": 1, "completionTokens": 2, "totalTokens": 3}},
    ]
    data = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    events = d.feed(data)
    assert isinstance(events[0], llmkit.ReasoningDelta) and events[0].text == "hmm"
    calls = [e for e in events if isinstance(e, llmkit.ToolCallDelta)]
    assert [(c.index, c.id, c.name, c.arguments_delta) for c in calls] == [
        (0, "c1", "f", '{"a"'),
        (0, None, None, ": 1}"),
    ]
    assert d.done
