"""Yandex Foundation Models end to end over loopback, sync and async, through the public API:
the native body (modelUri from the folder id, maxTokens as a string), cumulative NDJSON streams
read as deltas, tool calls and the tool-result turn, structured output, both credentials, the
error shape (also mid-stream), stream faults, and the configuration rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _regional_helpers import CANARY_KEY, FOLDER, last_body, run, sent, yandex_options

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import Finish, Message, TextDelta, Tool, ToolCall, ToolCallDelta, UsageUpdate

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
MODEL = "yandex/yandexgpt"
WEATHER = Tool(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def y(emu: Emulator) -> Any:
    return last_body(emu, "yandex")


@MODES
def test_complete_sends_the_native_body_and_reads_string_counts(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Привет!", input_tokens=15, output_tokens=8))
    c = run(mode, "complete", MODEL, "hello", max_tokens=50, temperature=0.2, **yandex_options(emu))
    assert (c.text, c.finish_reason, c.raw_finish_reason) == ("Привет!", "stop", "ALTERNATIVE_STATUS_FINAL")
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (15, 8, 23)
    assert (c.provider, c.model) == ("yandex", "yandexgpt")
    assert y(emu) == {
        "modelUri": f"gpt://{FOLDER}/yandexgpt/latest",
        "completionOptions": {"stream": False, "temperature": 0.2, "maxTokens": "50"},
        "messages": [{"role": "user", "text": "hello"}],
    }
    (req,) = sent(emu, "yandex")
    assert req.path == "/foundationModels/v1/completion"
    assert req.headers["authorization"] == f"Api-Key {CANARY_KEY}"
    assert req.headers["x-folder-id"] == FOLDER


@MODES
def test_model_version_and_whole_uri(mode: str, emu: Emulator) -> None:
    run(mode, "complete", "yandex/yandexgpt-lite/rc", "hi", **yandex_options(emu))
    assert y(emu)["modelUri"] == f"gpt://{FOLDER}/yandexgpt-lite/rc"
    run(mode, "complete", "yandex/gpt://b1gother0000/llama/latest", "hi", **yandex_options(emu))
    assert y(emu)["modelUri"] == "gpt://b1gother0000/llama/latest"


@MODES
def test_stream_turns_cumulative_results_into_deltas(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta", input_tokens=5, output_tokens=4, chunk_chars=4))
    events, c = run(mode, "stream", MODEL, "hi", **yandex_options(emu))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == "alpha beta gamma delta" and len(deltas) > 3
    assert [e.usage.total_tokens for e in events if isinstance(e, UsageUpdate)] == [9]
    assert [e.reason for e in events if isinstance(e, Finish)] == ["stop"]
    assert (c.text, c.usage.output_tokens) == ("alpha beta gamma delta", 4)
    assert y(emu)["completionOptions"]["stream"] is True


@MODES
def test_tool_calls_and_the_tool_result_turn(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]))
    c = run(
        mode, "complete", MODEL, "Weather?", tools=[WEATHER], tool_choice="required", **yandex_options(emu)
    )
    assert c.tool_calls == [ToolCall("call_0", "get_weather", {"city": "Paris"})]
    assert c.finish_reason == "tool_calls"
    body = y(emu)
    assert body["tools"] == [
        {
            "function": {
                "name": "get_weather",
                "description": "The weather in a city",
                "parameters": dict(WEATHER.parameters),
            }
        }
    ]
    assert body["toolChoice"] == {"mode": "REQUIRED"}
    emu.script(
        Script(
            tool_calls=[
                ScriptedCall("get_weather", {"city": "Oslo"}),
                ScriptedCall("get_weather", {"city": "Rome"}),
            ]
        )
    )
    events, s = run(mode, "stream", MODEL, "Two?", tools=[WEATHER], **yandex_options(emu))
    assert [e.index for e in events if isinstance(e, ToolCallDelta)] == [0, 1]
    assert [t.arguments for t in s.tool_calls] == [{"city": "Oslo"}, {"city": "Rome"}]
    history = [
        Message("user", "Weather?"),
        Message(
            "assistant",
            "",
            tool_calls=(
                ToolCall("a", "get_weather", {"city": "Oslo"}),
                ToolCall("b", "get_weather", {"city": "Rome"}),
            ),
        ),
        Message("tool", "sunny", tool_call_id="a"),
        Message("tool", "rain", tool_call_id="b"),
    ]
    answer = run(mode, "complete", MODEL, history, tools=[WEATHER], **yandex_options(emu))
    assert "get_weather answered: sunny" in answer.text and "rain" in answer.text
    sent_history = y(emu)["messages"]
    assert sent_history[1] == {
        "role": "assistant",
        "toolCallList": {
            "toolCalls": [
                {"functionCall": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
                {"functionCall": {"name": "get_weather", "arguments": {"city": "Rome"}}},
            ]
        },
    }
    assert sent_history[2] == {
        "role": "user",
        "toolResultList": {
            "toolResults": [
                {"functionResult": {"name": "get_weather", "content": "sunny"}},
                {"functionResult": {"name": "get_weather", "content": "rain"}},
            ]
        },
    }


@MODES
def test_forced_tool_and_structured_output_and_reasoning(mode: str, emu: Emulator) -> None:
    run(mode, "complete", MODEL, "x", tools=[WEATHER], tool_choice="get_weather", **yandex_options(emu))
    assert y(emu)["toolChoice"] == {"functionName": "get_weather"}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    c = run(
        mode,
        "complete",
        MODEL,
        "x",
        response_format={"type": "json_schema", "json_schema": {"name": "n", "schema": schema}},
        reasoning_mode="enabled_hidden",
        **yandex_options(emu),
    )
    assert isinstance(json.loads(c.text)["n"], int)
    body = y(emu)
    assert body["jsonSchema"] == {"schema": schema}
    assert body["completionOptions"]["reasoningOptions"] == {"mode": "ENABLED_HIDDEN"}


@MODES
def test_iam_token_is_sent_as_bearer_with_the_folder(mode: str, emu: Emulator, monkeypatch: Any) -> None:
    kw = yandex_options(emu)
    del kw["api_key"]
    run(mode, "complete", MODEL, "hi", iam_token=CANARY_KEY, **kw)
    req = sent(emu, "yandex")[-1]
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}" and req.headers["x-folder-id"] == FOLDER
    monkeypatch.setenv("YC_IAM_TOKEN", CANARY_KEY)
    monkeypatch.setenv("YC_FOLDER_ID", FOLDER)
    del kw["folder_id"]
    run(mode, "complete", MODEL, "hi", **kw)
    assert sent(emu, "yandex")[-1].headers["authorization"] == f"Bearer {CANARY_KEY}"


@MODES
def test_errors_are_typed(mode: str, emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match="YC_API_KEY") as bad:
        run(mode, "complete", MODEL, "hi", **yandex_options(emu, api_key="wrong-key"))
    assert bad.value.status_code == 401 and bad.value.error_code == "16"
    emu.script(Script(error=ScriptedError(429, "too many requests", headers={"retry-after": "3"})))
    with pytest.raises(RateLimitError) as limited:
        run(mode, "complete", MODEL, "hi", **yandex_options(emu))
    assert limited.value.retry_after == 3
    emu.script(Script(error=ScriptedError(500, "internal")))
    with pytest.raises(ServerError):
        run(mode, "complete", MODEL, "hi", **yandex_options(emu))
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        run(mode, "complete", MODEL, "hi", **yandex_options(emu))


@MODES
def test_stream_faults_keep_what_arrived(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three four five", chunk_chars=4, fault="cut", after=2))
    with pytest.raises(StreamInterruptedError) as cut:
        run(mode, "stream", MODEL, "hi", **yandex_options(emu))
    assert cut.value.partial is not None and cut.value.partial.text == "one two "
    emu.script(
        Script(
            text="one two three four five",
            chunk_chars=4,
            fault="stream_error",
            after=2,
            error=ScriptedError(429, "quota"),
        )
    )
    with pytest.raises(RateLimitError) as mid:
        run(mode, "stream", MODEL, "hi", **yandex_options(emu))
    assert mid.value.partial is not None and mid.value.partial.text == "one two "
    emu.script(Script(text="one two three four five", chunk_chars=4, fault="no_terminator", after=2))
    with pytest.raises(StreamInterruptedError):
        run(mode, "stream", MODEL, "hi", **yandex_options(emu))
    emu.script(Script(text="one two three four five", chunk_chars=4, fault="malformed", after=2))
    with pytest.raises(ResponseDecodeError) as broken:
        run(mode, "stream", MODEL, "hi", **yandex_options(emu))
    assert broken.value.partial is not None and broken.value.partial.text == "one two "


def test_configuration_errors_name_the_keyword_and_the_variable(emu: Emulator) -> None:
    kw = yandex_options(emu)
    del kw["folder_id"]
    with pytest.raises(ConfigurationError, match=r"folder_id=.*YC_FOLDER_ID"):
        llmkit.complete(MODEL, "hi", **kw)
    kw = yandex_options(emu)
    del kw["api_key"]
    with pytest.raises(ConfigurationError, match=r"api_key=.*YC_API_KEY.*iam_token=.*YC_IAM_TOKEN"):
        llmkit.complete(MODEL, "hi", **kw)
    with pytest.raises(ConfigurationError, match="folder_id"):
        llmkit.complete(MODEL, "hi", **yandex_options(emu, folder_id="../evil"))
    with pytest.raises(ConfigurationError, match="model"):
        llmkit.complete("yandex/a b", "hi", **yandex_options(emu))
    with pytest.raises(ConfigurationError, match="stop"):
        llmkit.complete(MODEL, "hi", stop=["x"], **yandex_options(emu))
    with pytest.raises(ConfigurationError, match="reasoning_mode"):
        llmkit.complete(MODEL, "hi", reasoning_mode="loud", **yandex_options(emu))
    assert sent(emu, "yandex") == []
