"""Ollama's native API end to end over loopback, sync and async, through the public API: /api/chat
(whole and NDJSON-streamed), thinking, tool calls with object arguments and the tool-result turn,
format, options, images, keep_alive, /api/embed, the {"error": ...} shape (also mid-stream),
stream faults, and the configuration rules."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from _ollama_helpers import MODEL, last_body, options, run, sent

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import (
    Finish,
    ImagePart,
    Message,
    ReasoningDelta,
    TextDelta,
    TextPart,
    Tool,
    ToolCall,
    ToolCallDelta,
    UsageUpdate,
)

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
WEATHER = Tool(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


@MODES
def test_complete_sends_the_native_body_and_reads_counts_and_durations(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Hello from Ollama", input_tokens=7, output_tokens=3))
    c = run(
        mode, "complete", MODEL, "hi", max_tokens=50, temperature=0.2, stop=["\n\n"], seed=42,
        num_ctx=8192, keep_alive="10m", **options(emu),
    )  # fmt: skip
    assert (c.text, c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (
        "Hello from Ollama", 7, 3, 10,
    )  # fmt: skip
    assert (c.provider, c.model, c.finish_reason, c.raw_finish_reason) == (
        "ollama_chat", "llama3.2", "stop", "stop",
    )  # fmt: skip
    # Durations (nanoseconds) are kept as the server sent them, in raw.
    assert c.raw["total_duration"] == 5_043_500_667 and c.raw["eval_duration"] == 4_709_213_000
    (req,) = sent(emu)
    assert req.path == "/api/chat" and "authorization" not in req.headers
    assert last_body(emu) == {
        "model": "llama3.2",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": False,
        "keep_alive": "10m",
        "options": {"temperature": 0.2, "num_predict": 50, "stop": ["\n\n"], "seed": 42, "num_ctx": 8192},
    }


@MODES
def test_stream_is_ndjson_text_then_usage_and_finish(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma", input_tokens=5, output_tokens=3, chunk_chars=3))
    events, c = run(mode, "stream", MODEL, "hi", **options(emu))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "alpha beta gamma"
    assert len([e for e in events if isinstance(e, TextDelta)]) > 3
    assert [e.usage.total_tokens for e in events if isinstance(e, UsageUpdate)] == [8]
    assert [e.reason for e in events if isinstance(e, Finish)] == ["stop"]
    assert (c.text, c.finish_reason, c.usage.output_tokens) == ("alpha beta gamma", "stop", 3)
    assert last_body(emu)["stream"] is True
    assert sent(emu)[-1].headers["accept"] == "application/x-ndjson"


@MODES
def test_think_gives_reasoning_whole_and_streamed(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="42", reasoning="Let me count."), Script(text="42", reasoning="Counting."))
    c = run(mode, "complete", MODEL, "answer?", think=True, **options(emu))
    assert (c.reasoning, c.text) == ("Let me count.", "42")
    assert last_body(emu)["think"] is True
    events, s = run(mode, "stream", MODEL, "answer?", think="high", **options(emu))
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "Counting."
    assert (s.reasoning, s.text) == ("Counting.", "42") and last_body(emu)["think"] == "high"
    with pytest.raises(ConfigurationError, match="think="):
        run(mode, "complete", MODEL, "x", think="extreme", **options(emu))


@MODES
def test_tool_calls_with_object_arguments_and_the_tool_result_turn(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"})]))
    c = run(mode, "complete", MODEL, "Weather?", tools=[WEATHER], **options(emu))
    assert c.tool_calls == [ToolCall("call_0", "get_weather", {"city": "Paris"})]
    assert c.finish_reason == "tool_calls"
    tool = last_body(emu)["tools"][0]
    assert tool == {"type": "function", "function": {"name": "get_weather", "description":
                    "The weather in a city", "parameters": dict(WEATHER.parameters)}}  # fmt: skip
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}),
                                  ScriptedCall("get_weather", {"city": "Rome"})]))  # fmt: skip
    events, streamed = run(mode, "stream", MODEL, "Two?", tools=[WEATHER], **options(emu))
    assert [e.index for e in events if isinstance(e, ToolCallDelta)] == [0, 1]
    assert [t.arguments for t in streamed.tool_calls] == [{"city": "Oslo"}, {"city": "Rome"}]
    assert streamed.finish_reason == "tool_calls"
    history = [
        Message("user", "Weather?"),
        Message("assistant", "", tool_calls=(ToolCall("call-1", "get_weather", {"city": "Paris"}),)),
        Message("tool", "sunny", tool_call_id="call-1"),
    ]
    answer = run(mode, "complete", MODEL, history, tools=[WEATHER], **options(emu))
    assert answer.text == "Thanks, get_weather answered: sunny"
    turns = last_body(emu)["messages"]
    assert turns[1]["tool_calls"] == [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]
    assert turns[2] == {"role": "tool", "content": "sunny", "tool_name": "get_weather"}


@MODES
def test_tool_choice_none_sends_no_tools_and_forcing_is_refused(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="no tools"))
    c = run(mode, "complete", MODEL, "hi", tools=[WEATHER], tool_choice="none", **options(emu))
    assert c.text == "no tools" and "tools" not in last_body(emu)
    for choice in ("required", "get_weather"):
        with pytest.raises(ConfigurationError, match="tool_choice"):
            run(mode, "complete", MODEL, "hi", tools=[WEATHER], tool_choice=choice, **options(emu))


@MODES
def test_format_json_schema_and_json_object(mode: str, emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    emu.script(Script(json={"n": 3}), Script(json={"ok": True}))
    c = run(mode, "complete", MODEL, "n?", response_format=schema, **options(emu))
    assert c.parsed == {"n": 3} and last_body(emu)["format"] == schema
    run(mode, "complete", MODEL, "json", response_format={"type": "json_object"}, **options(emu))
    assert last_body(emu)["format"] == "json"


@MODES
def test_images_go_inline_as_base64(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="a picture"))
    msg = Message("user", (TextPart("what is this?"), ImagePart(data=PNG, media_type="image/png")))
    assert run(mode, "complete", MODEL, [msg], **options(emu)).text == "a picture"
    assert last_body(emu)["messages"] == [{"role": "user", "content": "what is this?", "images": [PNG]}]
    url = Message("user", (ImagePart(url="https://example.com/cat.png"),))
    with pytest.raises(ConfigurationError, match="base64"):
        run(mode, "complete", MODEL, [url], **options(emu))


@MODES
def test_embed_sends_input_list_truncate_dimensions(mode: str, emu: Emulator) -> None:
    e = run(mode, "embed", MODEL.replace("llama3.2", "all-minilm"), ["a", "b"], dimensions=16,
            truncate=False, keep_alive=0, **options(emu))  # fmt: skip
    assert len(e.vectors) == 2 and len(e.vectors[0]) == 16 and e.usage.input_tokens > 0
    assert (e.model, e.provider, e.raw["total_duration"]) == ("all-minilm", "ollama_chat", 14_143_917)
    assert sent(emu)[-1].path == "/api/embed"
    assert last_body(emu) == {"model": "all-minilm", "input": ["a", "b"], "dimensions": 16,
                              "truncate": False, "keep_alive": 0}  # fmt: skip


@MODES
@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (429, RateLimitError), (500, ServerError), (503, ServerError)],
)
def test_error_bodies_are_typed_by_status(mode: str, status: int, cls: type, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(status, "server says no")))
    with pytest.raises(cls) as info:
        run(mode, "complete", MODEL, "hi", **options(emu))
    assert "server says no" in str(info.value) and info.value.status_code == status


@MODES
def test_a_model_not_pulled_is_not_found_with_a_hint(mode: str, emu: Emulator) -> None:
    with pytest.raises(NotFoundError, match="ollama pull") as info:
        run(mode, "complete", "ollama_chat/missing-model", "hi", **options(emu))
    assert "model 'missing-model' not found" in str(info.value)


@MODES
def test_a_wrong_key_is_refused_and_a_right_one_sent_as_bearer(mode: str, emu: Emulator) -> None:
    with pytest.raises(AuthenticationError):
        run(mode, "complete", MODEL, "hi", api_key="wrong-key", **options(emu))
    emu.script(Script(text="ok"))
    assert run(mode, "complete", MODEL, "hi", api_key=emu.api_key, **options(emu)).text == "ok"
    assert sent(emu)[-1].headers["authorization"] == f"Bearer {emu.api_key}"


@MODES
def test_malformed_bodies_and_lines_are_decode_errors(mode: str, emu: Emulator) -> None:
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        run(mode, "complete", MODEL, "hi", **options(emu))
    emu.script(Script(text="one two three four", chunk_chars=4, fault="malformed", after=2))
    with pytest.raises(ResponseDecodeError) as info:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert info.value.partial.text == "one two "  # type: ignore[attr-defined]


@MODES
def test_a_mid_stream_error_line_raises_with_what_arrived(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three four", chunk_chars=4, fault="stream_error", after=2,
                      error=ScriptedError(500, "model runner crashed")))  # fmt: skip
    with pytest.raises(ServerError, match="model runner crashed") as info:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert info.value.partial is not None and info.value.partial.text == "one two "


@MODES
def test_a_stream_cut_midway_keeps_what_arrived(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three four", chunk_chars=4, fault="no_terminator", after=2))
    with pytest.raises(StreamInterruptedError) as info:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert info.value.partial.text == "one two "


def test_host_comes_from_the_keyword_or_the_sdk_and_litellm_variables(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu.script(Script(text="via OLLAMA_HOST"), Script(text="via OLLAMA_API_BASE"))
    monkeypatch.setenv("OLLAMA_HOST", emu.base_url("ollama_chat"))
    assert llmkit.complete(MODEL, "hi", max_retries=0).text == "via OLLAMA_HOST"
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:1")
    monkeypatch.setenv("OLLAMA_API_BASE", emu.base_url("ollama_chat"))
    assert llmkit.complete(MODEL, "hi", max_retries=0).text == "via OLLAMA_API_BASE"


def test_host_is_validated_and_a_model_is_one_value(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError):
        llmkit.complete(MODEL, "hi", host="http://evil.example/x?y=1#", max_retries=0)
    body: dict[str, Any] = {}
    emu.script(Script(text="ok"))
    llmkit.complete("ollama_chat/library/qwen3:8b", "hi", **options(emu))
    body = last_body(emu)
    assert body["model"] == "library/qwen3:8b" and sent(emu)[-1].path == "/api/chat"
