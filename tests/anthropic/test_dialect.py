"""The Anthropic Messages dialect, pure: literal bodies and bytes in, llmkit types out."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llmkit
from llmkit._stream import Accumulator
from llmkit.auth.base import AuthInputs
from llmkit.dialects import operation, require
from llmkit.dialects.anthropic import DIALECT, AnthropicStreamDecoder
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContextWindowExceededError,
    NotFoundError,
    NotSupportedError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.providers.anthropic import SPECS, anthropic_auth
from llmkit.types import (
    AudioPart,
    Citation,
    CitationsUpdate,
    Completion,
    DocumentPart,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    ReasoningDelta,
    ReasoningPart,
    ResponseFormat,
    StreamEvent,
    TextDelta,
    TextPart,
    Tool,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpRequest, HttpResponse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "anthropic"
WEATHER = Tool(
    "get_weather",
    "Current weather",
    {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def body_of(ctx: CallContext, messages: list[Message], **kw: Any) -> dict[str, Any]:
    req = ChatRequest(kw.pop("model", "claude-sonnet-4-5"), messages, **kw)
    http = DIALECT.build_chat(req, ctx)
    assert http.body is not None
    assert json.loads(http.body) == http.json  # the bytes sent are the body inspected
    body: dict[str, Any] = http.json
    return body


def decode(data: bytes, *, chunk: int | None = None) -> tuple[list[StreamEvent], AnthropicStreamDecoder]:
    dec = AnthropicStreamDecoder("anthropic", "claude-sonnet-4-5")
    events: list[StreamEvent] = []
    step = chunk or len(data) or 1
    for i in range(0, len(data), step):
        events.extend(dec.feed(data[i : i + step]))
    if not data.endswith(b"\n\n"):
        # Some recorded fixtures stop right after the last data line. The official SDK dispatches such a
        # trailing event when the connection closes; a blank line does the same here.
        events.extend(dec.feed(b"\n\n"))
    return events, dec


def fold(events: list[StreamEvent], dec: AnthropicStreamDecoder) -> Completion:
    acc = Accumulator()
    for ev in events:
        acc.add(ev)
    return acc.build(dec, "anthropic", "claude-sonnet-4-5")


def response(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers or {}, raw)


# ---------------------------------------------------------------- request: messages


def test_minimal_request(ctx: CallContext) -> None:
    req = ChatRequest("claude-sonnet-4-5", [Message("user", "Hello")])
    http = DIALECT.build_chat(req, ctx)
    assert http.method == "POST"
    assert http.url == "https://api.anthropic.com/v1/messages"
    assert http.headers == {"content-type": "application/json"}
    assert http.json == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": "Hello"}],
    }


def test_base_url_with_path_and_trailing_slash(ctx: CallContext) -> None:
    ctx.base_url = "https://api.minimax.io/anthropic/"
    http = DIALECT.build_chat(ChatRequest("MiniMax-M2", [Message("user", "hi")]), ctx)
    assert http.url == "https://api.minimax.io/anthropic/v1/messages"


def test_system_and_developer_are_lifted_out(ctx: CallContext) -> None:
    body = body_of(ctx, [Message("system", "Be brief."), Message("user", "hi")])
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "hi"}]

    body = body_of(
        ctx,
        [
            Message("system", "One."),
            Message("user", "hi"),
            Message("developer", (TextPart("Two.", cache_control={"type": "ephemeral"}),)),
        ],
    )
    assert body["system"] == [
        {"type": "text", "text": "One."},
        {"type": "text", "text": "Two.", "cache_control": {"type": "ephemeral"}},
    ]
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_consecutive_same_role_turns_are_merged(ctx: CallContext) -> None:
    body = body_of(
        ctx,
        [
            Message("user", "one"),
            Message("user", (TextPart("two"),)),
            Message("assistant", "three"),
            Message("assistant", "four"),
            Message("user", "five"),
        ],
    )
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "three"}, {"type": "text", "text": "four"}],
        },
        {"role": "user", "content": "five"},
    ]


def test_images_by_url_base64_and_data_url(ctx: CallContext) -> None:
    parts = (
        TextPart("What is in these?"),
        ImagePart(url="https://example.com/cat.jpg"),
        ImagePart(data="iVBORw0KGgo=", media_type="image/png"),
        ImagePart(url="data:image/jpeg;base64,/9j/4AAQ"),
        ImagePart(url="https://example.com/dog.webp", cache_control={"type": "ephemeral"}),
    )
    body = body_of(ctx, [Message("user", parts)])
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "What is in these?"},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
        {
            "type": "image",
            "source": {"type": "url", "url": "https://example.com/dog.webp"},
            "cache_control": {"type": "ephemeral"},
        },
    ]


def test_documents_pdf_by_url_and_base64_and_plain_text(ctx: CallContext) -> None:
    text = base64.b64encode(b"Grass is green.").decode()
    parts = (
        DocumentPart(url="https://example.com/paper.pdf", title="Paper"),
        DocumentPart(data="JVBERi0xLjQ=", cache_control={"type": "ephemeral", "ttl": "1h"}),
        DocumentPart(data=text, media_type="text/plain"),
    )
    body = body_of(ctx, [Message("user", parts)])
    assert body["messages"][0]["content"] == [
        {
            "type": "document",
            "source": {"type": "url", "url": "https://example.com/paper.pdf"},
            "title": "Paper",
        },
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ="},
            "cache_control": {"type": "ephemeral", "ttl": "1h"},
        },
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "Grass is green."},
        },
    ]


def test_unsupported_inputs_fail_before_any_io(ctx: CallContext) -> None:
    with pytest.raises(NotSupportedError):
        body_of(ctx, [Message("user", (AudioPart("UklGRg=="),))])
    with pytest.raises(NotSupportedError):
        body_of(ctx, [Message("user", (DocumentPart(data="AAAA", media_type="application/zip"),))])
    with pytest.raises(ConfigurationError):
        body_of(ctx, [Message("user", (ImagePart(),))])
    with pytest.raises(ConfigurationError):
        body_of(ctx, [Message("tool", "42")])  # no tool_call_id


def test_tool_round_trip_messages(ctx: CallContext) -> None:
    call = ToolCall("toolu_1", "get_weather", {"location": "Paris"})
    body = body_of(
        ctx,
        [
            Message("user", "Weather in Paris and Rome?"),
            Message(
                "assistant",
                "Let me check.",
                (call, ToolCall("toolu_2", "get_weather", '{"location":"Rome"}')),
            ),
            Message("tool", "18C, sunny", tool_call_id="toolu_1"),
            Message(
                "tool",
                (TextPart("21C"), ImagePart(url="https://example.com/map.png")),
                tool_call_id="toolu_2",
            ),
            Message("user", "Thanks!"),
        ],
    )
    assert body["messages"][1:] == [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"location": "Rome"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": [
                        {"type": "text", "text": "21C"},
                        {"type": "image", "source": {"type": "url", "url": "https://example.com/map.png"}},
                    ],
                },
                {"type": "text", "text": "Thanks!"},
            ],
        },
    ]


def test_malformed_tool_arguments_cannot_be_sent_back(ctx: CallContext) -> None:
    bad = ToolCall("toolu_1", "f", "{not json")
    with pytest.raises(ConfigurationError, match="toolu_1"):
        body_of(ctx, [Message("user", "x"), Message("assistant", "", (bad,))])


def test_reasoning_is_sent_back_signed_or_redacted_only(ctx: CallContext) -> None:
    assistant = Message(
        "assistant",
        (
            ReasoningPart("Let me think.", signature="c2lnbmF0dXJl"),
            ReasoningPart(redacted_data="cmVkYWN0ZWQ="),
            ReasoningPart("someone else's unsigned reasoning"),
            TextPart("Calling the tool."),
        ),
        (ToolCall("toolu_9", "get_weather", {"location": "Oslo"}),),
    )
    body = body_of(
        ctx, [Message("user", "Oslo?"), assistant, Message("tool", "rain", tool_call_id="toolu_9")]
    )
    assert body["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": "c2lnbmF0dXJl"},
        {"type": "redacted_thinking", "data": "cmVkYWN0ZWQ="},
        {"type": "text", "text": "Calling the tool."},
        {"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {"location": "Oslo"}},
    ]
    # Reasoning on a user turn is never sent.
    body = body_of(ctx, [Message("user", (ReasoningPart("x", signature="s"), TextPart("hi")))])
    assert body["messages"][0]["content"] == [{"type": "text", "text": "hi"}]


# ---------------------------------------------------------------- request: parameters


def test_tools_and_every_tool_choice(ctx: CallContext) -> None:
    strict = Tool(
        "lookup", "", {"type": "object", "properties": {}}, strict=True, cache_control={"type": "ephemeral"}
    )
    body = body_of(ctx, [Message("user", "hi")], tools=[WEATHER, strict])
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Current weather",
            "input_schema": {
                "type": "object",
                "properties": {"location": {"type": "string"}},
                "required": ["location"],
            },
        },
        {
            "name": "lookup",
            "input_schema": {"type": "object", "properties": {}},
            "strict": True,
            "cache_control": {"type": "ephemeral"},
        },
    ]
    assert "tool_choice" not in body
    cases: list[tuple[Any, dict[str, Any]]] = [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        (ForcedTool("get_weather"), {"type": "tool", "name": "get_weather"}),
    ]
    for choice, wire in cases:
        assert (
            body_of(ctx, [Message("user", "hi")], tools=[WEATHER], tool_choice=choice)["tool_choice"] == wire
        )
    with pytest.raises(ConfigurationError):
        body_of(ctx, [Message("user", "hi")], tools=[WEATHER], tool_choice="sometimes")


def test_parallel_tool_use_switch(ctx: CallContext) -> None:
    one = body_of(ctx, [Message("user", "hi")], tools=[WEATHER], options={"parallel_tool_calls": False})
    assert one["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    forced = body_of(
        ctx,
        [Message("user", "hi")],
        tools=[WEATHER],
        tool_choice="required",
        options={"disable_parallel_tool_use": True},
    )
    assert forced["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
    none = body_of(
        ctx,
        [Message("user", "hi")],
        tools=[WEATHER],
        tool_choice="none",
        options={"parallel_tool_calls": False},
    )
    assert none["tool_choice"] == {"type": "none"}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("claude-sonnet-4-5", 8192),
        ("claude-3-5-haiku-latest", 8192),
        ("claude-3-7-sonnet-latest", 8192),
        ("claude-3-haiku-20240307", 4096),
        ("claude-3-opus-20240229", 4096),
    ],
)
def test_max_tokens_default(ctx: CallContext, model: str, expected: int) -> None:
    assert body_of(ctx, [Message("user", "hi")], model=model)["max_tokens"] == expected


def test_max_tokens_given_wins_and_thinking_budget_gets_room(ctx: CallContext) -> None:
    assert body_of(ctx, [Message("user", "hi")], max_tokens=100)["max_tokens"] == 100
    body = body_of(ctx, [Message("user", "hi")], options={"thinking": 16000})
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 16000}
    assert body["max_tokens"] > 16000


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        (2048, {"type": "enabled", "budget_tokens": 2048}),
        ("adaptive", {"type": "adaptive"}),
        (False, {"type": "disabled"}),
        ("disabled", {"type": "disabled"}),
        ({"type": "enabled", "budget_tokens": 1024, "display": "omitted"}, None),
    ],
)
def test_thinking_option(ctx: CallContext, value: Any, wire: dict[str, Any] | None) -> None:
    body = body_of(ctx, [Message("user", "hi")], options={"thinking": value})
    assert body["thinking"] == (wire if wire is not None else value)


def test_thinking_option_rejects_nonsense(ctx: CallContext) -> None:
    for bad in (True, "lots", 1.5):
        with pytest.raises(ConfigurationError):
            body_of(ctx, [Message("user", "hi")], options={"thinking": bad})


def test_sampling_stop_metadata_cache_and_extra_body(ctx: CallContext) -> None:
    body = body_of(
        ctx,
        [Message("user", "hi")],
        temperature=0.2,
        stop=["\n\nHuman:", "END"],
        options={
            "top_p": 0.9,
            "top_k": 40,
            "metadata": {"user_id": "user-1234"},
            "cache_control": True,
            "service_tier": "standard_only",
            "effort": "low",
        },
        extra_body={"inference_geo": "us"},
    )
    assert body == {
        "model": "claude-sonnet-4-5",
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "service_tier": "standard_only",
        "metadata": {"user_id": "user-1234"},
        "stop_sequences": ["\n\nHuman:", "END"],
        "cache_control": {"type": "ephemeral"},
        "output_config": {"effort": "low"},
        "inference_geo": "us",
    }
    ttl = body_of(ctx, [Message("user", "hi")], options={"cache_control": {"type": "ephemeral", "ttl": "1h"}})
    assert ttl["cache_control"] == {"type": "ephemeral", "ttl": "1h"}


def test_structured_output(ctx: CallContext) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    body = body_of(ctx, [Message("user", "hi")], response_format=ResponseFormat("json_schema", schema))
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    with pytest.raises(NotSupportedError):
        body_of(ctx, [Message("user", "hi")], response_format=ResponseFormat("json_object"))


def test_stream_flag_and_beta_headers(ctx: CallContext) -> None:
    req = ChatRequest(
        "claude-sonnet-4-5",
        [Message("user", "hi")],
        stream=True,
        options={"anthropic_beta": ["context-1m-2025-08-07", "files-api-2025-04-14"]},
    )
    http = DIALECT.build_chat(req, ctx)
    assert http.json["stream"] is True
    assert http.headers["accept"] == "text/event-stream"
    assert http.headers["anthropic-beta"] == "context-1m-2025-08-07,files-api-2025-04-14"
    ctx.headers["anthropic-beta"] = "files-api-2025-04-14,extra-beta"
    req.options = {"anthropic_beta": "context-1m-2025-08-07"}
    merged = DIALECT.build_chat(req, ctx).headers["anthropic-beta"]
    assert merged == "files-api-2025-04-14,extra-beta,context-1m-2025-08-07"


def test_options_declared_by_the_dialect() -> None:
    assert {"thinking", "cache_control", "metadata", "top_k", "top_p", "anthropic_beta"} <= DIALECT.options


# ---------------------------------------------------------------- count_tokens and embeddings


def test_count_tokens_request_and_answer(ctx: CallContext) -> None:
    req = ChatRequest(
        "claude-sonnet-4-5",
        [Message("system", "Be brief."), Message("user", "hi")],
        tools=[WEATHER],
        temperature=0.5,
        stop=["x"],
        stream=True,
        options={"thinking": 2048, "metadata": {"user_id": "u"}, "top_k": 3},
    )
    http = DIALECT.build_count_tokens(req, ctx)
    assert http.url == "https://api.anthropic.com/v1/messages/count_tokens"
    assert http.json == {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": "hi"}],
        "system": "Be brief.",
        "tools": [
            {
                "name": "get_weather",
                "description": "Current weather",
                "input_schema": dict(WEATHER.parameters),
            }
        ],
        "thinking": {"type": "enabled", "budget_tokens": 2048},
    }
    count = DIALECT.parse_count_tokens(response(200, {"input_tokens": 2095}), ctx)
    assert (count.input_tokens, count.exact) == (2095, True)
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_count_tokens(response(200, {"tokens": 3}), ctx)


def test_embeddings_are_not_supported(ctx: CallContext) -> None:
    # The format has no embeddings: the dialect does not implement EmbedDialect at all, and asking
    # for the operation is a NotSupportedError (the registry test holds specs to the same rule).
    assert operation(DIALECT, "embeddings") is None
    with pytest.raises(NotSupportedError):
        require(DIALECT, "embeddings").build_embed(EmbedRequest("claude-sonnet-4-5", ["x"]), ctx)
    with pytest.raises(NotSupportedError):
        llmkit.embed("anthropic/claude-sonnet-4-5", "x", api_key="k", base_url="http://127.0.0.1:9")


# ---------------------------------------------------------------- responses (docs fixtures)


def test_parse_structured_output_fixture(ctx: CallContext) -> None:
    c = DIALECT.parse_chat(
        HttpResponse(200, {}, fixture("message_structured.json")), ChatRequest("m", []), ctx
    )
    assert c.id == "msg_01T4jd6NyD9xGGtTPDC4ogy5"
    assert c.model == "claude-sonnet-4-5-20250929"
    assert c.provider == "anthropic"
    assert json.loads(c.text)["total"] == 14.0
    assert c.finish_reason is FinishReason.STOP and c.raw_finish_reason == "end_turn"
    assert c.usage == Usage(input_tokens=406, output_tokens=50, total_tokens=456)
    assert c.tool_calls == []


def test_parse_tool_use_fixture(ctx: CallContext) -> None:
    c = DIALECT.parse_chat(HttpResponse(200, {}, fixture("message_tool_use.json")), ChatRequest("m", []), ctx)
    assert c.text == "I'll check the current weather."
    assert c.tool_calls == [
        ToolCall(
            "toolu_01A09q90qw90lq917835lq9",
            "get_weather",
            {"location": "San Francisco, CA", "unit": "celsius"},
        )
    ]
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert c.usage == Usage()


def test_parse_thinking_fixture_keeps_blocks_for_the_next_turn(ctx: CallContext) -> None:
    c = DIALECT.parse_chat(HttpResponse(200, {}, fixture("message_thinking.json")), ChatRequest("m", []), ctx)
    thinking, redacted, text = c.message.parts
    assert isinstance(thinking, ReasoningPart) and thinking.text == "Let me analyze this step by step..."
    assert thinking.signature is not None and thinking.signature.startswith("WaUjzkyp")
    assert isinstance(redacted, ReasoningPart) and redacted.redacted_data is not None
    assert text == TextPart("Based on my analysis...")
    assert c.reasoning == "Let me analyze this step by step..."
    # Sent back unchanged on the next turn.
    body = body_of(ctx, [Message("user", "q"), c.message, Message("user", "and?")])
    assert body["messages"][1]["content"] == json.loads(fixture("message_thinking.json"))["content"]


def test_parse_cached_usage_fixture(ctx: CallContext) -> None:
    c = DIALECT.parse_chat(HttpResponse(200, {}, fixture("message_cached.json")), ChatRequest("m", []), ctx)
    # input_tokens is the whole prompt; the cache write and read are parts of it.
    assert c.usage == Usage(
        input_tokens=21 + 188086,
        output_tokens=393,
        total_tokens=21 + 188086 + 393,
        cached_input_tokens=0,
        cache_creation_input_tokens=188086,
    )
    read = {"content": [], "usage": {"input_tokens": 3, "cache_read_input_tokens": 2000, "output_tokens": 5}}
    c = DIALECT.parse_chat(response(200, read), ChatRequest("m", []), ctx)
    assert (c.usage.input_tokens, c.usage.cached_input_tokens, c.usage.total_tokens) == (2003, 2000, 2008)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("end_turn", FinishReason.STOP),
        ("stop_sequence", FinishReason.STOP),
        ("max_tokens", FinishReason.LENGTH),
        ("model_context_window_exceeded", FinishReason.LENGTH),
        ("tool_use", FinishReason.TOOL_CALLS),
        ("refusal", FinishReason.CONTENT_FILTER),
        ("pause_turn", FinishReason.OTHER),
        ("something_new", FinishReason.OTHER),
        (None, FinishReason.OTHER),
    ],
)
def test_stop_reasons(ctx: CallContext, raw: str | None, reason: FinishReason) -> None:
    c = DIALECT.parse_chat(response(200, {"content": [], "stop_reason": raw}), ChatRequest("m", []), ctx)
    assert c.finish_reason is reason and c.raw_finish_reason == raw


def test_citations_and_server_tool_blocks(ctx: CallContext) -> None:
    body = {
        "content": [
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "x"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
            {
                "type": "text",
                "text": "It is so.",
                "citations": [
                    {"type": "web_search_result_location", "url": "https://example.com/a", "title": "A"},
                    {"type": "char_location", "document_index": 0, "cited_text": "x"},
                ],
            },
        ],
        "stop_reason": "end_turn",
    }
    c = DIALECT.parse_chat(response(200, body), ChatRequest("m", []), ctx)
    assert c.text == "It is so."
    assert c.tool_calls == []
    assert c.citations == [Citation("https://example.com/a", "A")]
    assert c.raw == body


def test_bad_bodies_are_decode_errors(ctx: CallContext) -> None:
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_chat(HttpResponse(200, {}, b"<html>"), ChatRequest("m", []), ctx)
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_chat(response(200, {"type": "message"}), ChatRequest("m", []), ctx)


# ---------------------------------------------------------------- streams (docs fixtures)


@pytest.mark.parametrize("chunk", [None, 1, 7, 64])
def test_stream_basic_fixture(chunk: int | None) -> None:
    events, dec = decode(fixture("stream_basic.sse"), chunk=chunk)
    assert [e for e in events if isinstance(e, TextDelta)] == [
        TextDelta("Hello"),
        TextDelta(" there"),
        TextDelta("!"),
    ]
    assert events[-1] == Finish(FinishReason.STOP, "end_turn")
    assert dec.done
    c = fold(events, dec)
    assert c.text == "Hello there!"
    assert c.id == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK" and c.model == "claude-3-opus-latest"
    assert c.usage == Usage(input_tokens=11, output_tokens=6, total_tokens=17)
    assert all(e.get("type") != "ping" for e in dec.raw_events)


@pytest.mark.parametrize("chunk", [None, 1, 5, 33])
def test_stream_tool_use_fixture(chunk: int | None) -> None:
    events, dec = decode(fixture("stream_tool_use.sse"), chunk=chunk)
    tool_events = [e for e in events if isinstance(e, ToolCallDelta)]
    assert tool_events[0] == ToolCallDelta(0, "toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", "")
    assert "".join(e.arguments_delta for e in tool_events) == '{"location": "Paris"}'
    c = fold(events, dec)
    assert c.text == "I'll check the current weather in Paris for you."
    assert c.tool_calls == [ToolCall("toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", {"location": "Paris"})]
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert c.usage == Usage(input_tokens=377, output_tokens=65, total_tokens=442)
    assert dec.done


def test_stream_refusal_fixture() -> None:
    events, dec = decode(fixture("stream_refusal.sse"))
    c = fold(events, dec)
    assert c.finish_reason is FinishReason.CONTENT_FILTER and c.raw_finish_reason == "refusal"
    assert c.usage.reasoning_tokens == 67 and c.usage.output_tokens == 120
    assert c.text == ""


def test_stream_error_event_fixture_raises_typed_error() -> None:
    dec = AnthropicStreamDecoder("anthropic", "claude-sonnet-4-5")
    data = fixture("stream_error.sse")
    cut = data.index(b"event: error")
    before = dec.feed(data[:cut])
    assert TextDelta("Hello") in before
    with pytest.raises(OverloadedError) as info:
        dec.feed(data[cut:])
    assert info.value.status_code is None  # the HTTP status was 200
    assert info.value.error_type == "overloaded_error"
    assert "Overloaded" in str(info.value)
    assert not dec.done


def test_stream_error_in_the_same_chunk_as_text_comes_after_the_text() -> None:
    dec = AnthropicStreamDecoder("anthropic", "claude-sonnet-4-5")
    events = dec.feed(fixture("stream_error.sse"))  # everything in one read
    assert TextDelta("Hello") in events
    with pytest.raises(OverloadedError):
        dec.feed(b"")
    # ...or, if the connection simply ends, when the caller asks whether the stream finished.
    dec = AnthropicStreamDecoder("anthropic", "claude-sonnet-4-5")
    dec.feed(fixture("stream_error.sse"))
    with pytest.raises(OverloadedError):
        _ = dec.done


@pytest.mark.parametrize(
    ("etype", "cls"),
    [
        ("invalid_request_error", BadRequestError),
        ("authentication_error", AuthenticationError),
        ("permission_error", PermissionDeniedError),
        ("not_found_error", NotFoundError),
        ("request_too_large", BadRequestError),
        ("rate_limit_error", RateLimitError),
        ("api_error", ServerError),
        ("overloaded_error", OverloadedError),
        ("brand_new_error", ServerError),
    ],
)
def test_every_stream_error_type(etype: str, cls: type[ProviderError]) -> None:
    frame = sse({"type": "error", "error": {"type": etype, "message": "m"}})
    with pytest.raises(cls) as info:
        decode(frame)
    assert type(info.value) is cls


def sse(*frames: dict[str, Any]) -> bytes:
    return b"".join(f"event: {f['type']}\ndata: {json.dumps(f)}\n\n".encode() for f in frames)


THINKING_STREAM = sse(
    {
        "type": "message_start",
        "message": {
            "id": "msg_t",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 1000, "output_tokens": 1},
        },
    },
    {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "I should "}},
    {"type": "ping"},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": "call the tool."},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "signature_delta", "signature": "EqQBsig=="},
    },
    {"type": "content_block_stop", "index": 0},
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "redacted_thinking", "data": "RED=="},
    },
    {"type": "content_block_stop", "index": 1},
    {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
    },
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": ""}},
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "input_json_delta", "partial_json": '{"q": "é'},
    },
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": '"}'}},
    {"type": "content_block_stop", "index": 2},
    {
        "type": "content_block_start",
        "index": 3,
        "content_block": {"type": "tool_use", "id": "t2", "name": "g", "input": {}},
    },
    {"type": "content_block_delta", "index": 3, "delta": {"type": "input_json_delta", "partial_json": "{}"}},
    {"type": "content_block_stop", "index": 3},
    {"type": "something_new", "detail": 1},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 42, "input_tokens": 10},
    },
    {"type": "message_stop"},
)


@pytest.mark.parametrize("chunk", [None, 1, 3])
def test_stream_thinking_redacted_and_two_tools(chunk: int | None) -> None:
    events, dec = decode(THINKING_STREAM, chunk=chunk)
    assert ReasoningDelta(signature="EqQBsig==") in events
    assert ReasoningDelta(redacted_data="RED==") in events
    assert [e.index for e in events if isinstance(e, ToolCallDelta) and e.id] == [0, 1]
    usage = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert usage[-1] == Usage(
        input_tokens=1010, output_tokens=42, total_tokens=1052, cached_input_tokens=1000
    )  # cache reads from message_start survive a message_delta that repeats input_tokens
    c = fold(events, dec)
    assert c.reasoning == "I should call the tool."
    assert ReasoningPart("I should call the tool.", "EqQBsig==") in c.message.parts
    assert ReasoningPart(redacted_data="RED==") in c.message.parts
    assert c.tool_calls == [ToolCall("t1", "f", {"q": "é"}), ToolCall("t2", "g", {})]
    assert dec.done


def test_stream_citations_and_block_start_text() -> None:
    events, _ = decode(
        sse(
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": "Hi"}},
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {
                    "type": "citations_delta",
                    "citation": {"type": "web_search_result_location", "url": "https://e.com", "title": "E"},
                },
            },
        )
    )
    assert events == [TextDelta("Hi"), CitationsUpdate((Citation("https://e.com", "E"),))]


def test_stream_garbage_is_a_decode_error() -> None:
    with pytest.raises(ResponseDecodeError):
        decode(b"event: message_start\ndata: {not json\n\n")
    with pytest.raises(ResponseDecodeError):
        decode(b"event: message_start\ndata: [1]\n\n")


def test_stream_without_message_stop_is_not_done() -> None:
    data = fixture("stream_basic.sse")
    dec = AnthropicStreamDecoder("anthropic", "claude-sonnet-4-5")
    dec.feed(data[: data.index(b"event: message_stop")])
    assert not dec.done


# ---------------------------------------------------------------- HTTP errors


@pytest.mark.parametrize(
    ("status", "etype", "cls"),
    [
        (400, "invalid_request_error", BadRequestError),
        (401, "authentication_error", AuthenticationError),
        (402, "billing_error", PermissionDeniedError),
        (403, "permission_error", PermissionDeniedError),
        (404, "not_found_error", NotFoundError),
        (413, "request_too_large", BadRequestError),
        (429, "rate_limit_error", RateLimitError),
        (500, "api_error", ServerError),
        (504, "timeout_error", ServerError),
        (529, "overloaded_error", OverloadedError),
    ],
)
def test_http_errors_by_type(ctx: CallContext, status: int, etype: str, cls: type[ProviderError]) -> None:
    body = {"type": "error", "error": {"type": etype, "message": "msg"}, "request_id": "req_1"}
    err = DIALECT.parse_error(response(status, body, {"request-id": "req_hdr"}), ctx)
    assert type(err) is cls
    assert (err.status_code, err.error_type, err.request_id) == (status, etype, "req_hdr")
    assert err.provider == "anthropic" and err.model == "claude-sonnet-4-5"
    assert err.body == body


def test_error_fixtures(ctx: CallContext) -> None:
    err = DIALECT.parse_error(HttpResponse(404, {}, fixture("error_not_found.json")), ctx)
    assert isinstance(err, NotFoundError) and err.request_id == "req_011CSHoEeqs5C35K2UUqR7Fy"
    assert "could not be found" in str(err)
    err = DIALECT.parse_error(HttpResponse(529, {}, fixture("error_overloaded.json")), ctx)
    assert isinstance(err, OverloadedError)
    err = DIALECT.parse_error(HttpResponse(400, {}, fixture("error_prompt_too_long.json")), ctx)
    assert isinstance(err, ContextWindowExceededError) and isinstance(err, BadRequestError)


def test_context_window_signals(ctx: CallContext) -> None:
    coded = {
        "type": "error",
        "error": {
            "type": "invalid_request_error",
            "message": "x",
            "details": {"error_code": "prompt_too_long"},
        },
    }
    err = DIALECT.parse_error(response(400, coded), ctx)
    assert isinstance(err, ContextWindowExceededError) and err.error_code == "prompt_too_long"
    other = {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "messages: field required"},
    }
    assert type(DIALECT.parse_error(response(400, other), ctx)) is BadRequestError
    # The phrase only counts on a 400 invalid_request_error.
    odd = {"type": "error", "error": {"type": "api_error", "message": "prompt is too long"}}
    assert type(DIALECT.parse_error(response(500, odd), ctx)) is ServerError


def test_rate_limit_retry_after_and_codes(ctx: CallContext) -> None:
    body = {
        "type": "error",
        "error": {
            "type": "rate_limit_error",
            "message": "slow down",
            "details": {"error_code": "ramp_limit_exceeded"},
        },
    }
    err = DIALECT.parse_error(response(429, body, {"retry-after": "17"}), ctx)
    assert isinstance(err, RateLimitError) and err.retry_after == 17.0
    assert err.error_code == "ramp_limit_exceeded"


def test_billing_errors_are_not_retried(ctx: CallContext) -> None:
    body = {"type": "error", "error": {"type": "billing_error", "message": "credit balance too low"}}
    assert DIALECT.parse_error(response(402, body), ctx).retryable is False


def test_non_json_and_unknown_errors_fall_back_to_status(ctx: CallContext) -> None:
    err = DIALECT.parse_error(HttpResponse(413, {}, b"<html>413 Request Entity Too Large</html>"), ctx)
    assert type(err) is BadRequestError and "413" in str(err)
    err = DIALECT.parse_error(HttpResponse(503, {}, b""), ctx)
    assert type(err) is ServerError
    body = {"type": "error", "error": {"type": "conflict_error", "message": "busy"}}
    assert type(DIALECT.parse_error(response(409, body), ctx)) is BadRequestError
    err = DIALECT.parse_error(response(401, {"unexpected": True}), ctx)
    assert type(err) is AuthenticationError


# ---------------------------------------------------------------- provider specs and auth


def test_spec_body_options_are_sent(ctx: CallContext) -> None:
    ctx.spec = dataclasses.replace(ctx.spec, body_options={"reasoning_split": "reasoning_split"})
    body = body_of(ctx, [Message("user", "hi")], options={"reasoning_split": True})
    assert body["reasoning_split"] is True


def test_anthropic_auth_schemes(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = SPECS[0]
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(var, raising=False)

    def headers(key: str | None, **options: Any) -> dict[str, str]:
        req = HttpRequest("POST", "https://api.anthropic.com/v1/messages")
        flow = anthropic_auth(AuthInputs(spec.name, spec.env_keys, key, options, {})).auth_flow(req)
        with pytest.raises(StopIteration) as done:
            next(flow)
        signed: HttpRequest = done.value.value
        return signed.headers

    assert headers("sk-ant-key") == {"x-api-key": "sk-ant-key"}
    assert headers("tok", anthropic_auth="bearer") == {"authorization": "Bearer tok"}
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "oauth-token")
    assert headers("oauth-token") == {"authorization": "Bearer oauth-token"}
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-key")
    assert headers("sk-ant-key") == {"x-api-key": "sk-ant-key"}
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
        headers(None)
    with pytest.raises(ConfigurationError):
        headers("k", anthropic_auth="basic")
    inputs = AuthInputs(spec.name, spec.env_keys, "sk-ant-key", {}, {})
    assert "sk-ant-key" not in repr(anthropic_auth(inputs))


def test_compatible_specs_are_data() -> None:
    by_name = {s.name: s for s in SPECS}
    assert set(by_name) == {"anthropic", "minimax_anthropic", "zai_anthropic"}
    for spec in SPECS:
        assert spec.dialect == "anthropic_messages"
        assert spec.default_headers["anthropic-version"] == "2023-06-01"
        assert spec.docs_url.startswith("https://")
    assert by_name["anthropic"].env_keys[0] == "ANTHROPIC_API_KEY"
    assert by_name["minimax_anthropic"].regions["cn"] == "https://api.minimaxi.com/anthropic"
    assert by_name["zai_anthropic"].auth == "bearer"


# ---------------------------------------------------------------- the docs' own streams


def test_docs_basic_stream() -> None:
    events, dec = decode(fixture("docs_stream_text.sse"), chunk=11)
    c = fold(events, dec)
    assert c.text == "Hello!"
    assert c.id == "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY" and c.model == "claude-sonnet-4-5-20250929"
    assert c.usage == Usage(input_tokens=25, output_tokens=15, total_tokens=40)
    assert c.finish_reason is FinishReason.STOP and dec.done


def test_docs_tool_use_stream() -> None:
    events, dec = decode(fixture("docs_stream_tool_use.sse"), chunk=17)
    c = fold(events, dec)
    assert c.text == "Okay, let's check the weather for San Francisco, CA:"
    assert c.tool_calls == [
        ToolCall(
            "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "get_weather",
            {"location": "San Francisco, CA", "unit": "fahrenheit"},
        )
    ]
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert c.usage == Usage(input_tokens=472, output_tokens=89, total_tokens=561)


def test_docs_thinking_stream_without_usage() -> None:
    events, dec = decode(fixture("docs_stream_thinking.sse"), chunk=29)
    assert not any(isinstance(e, UsageUpdate) for e in events)  # this example carries no usage at all
    c = fold(events, dec)
    assert c.text == "27 * 453 = 12,231"
    assert c.reasoning.endswith("6. 10,800 + 1,350 + 81 = 12,231")
    assert c.reasoning.startswith("Let me solve this step by step:\n\n1. First break down 27 * 453")
    reasoning = c.message.parts[0]
    assert (
        isinstance(reasoning, ReasoningPart)
        and reasoning.signature == "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."
    )
    assert c.usage == Usage() and c.finish_reason is FinishReason.STOP


def test_docs_count_tokens_answer(ctx: CallContext) -> None:
    count = DIALECT.parse_count_tokens(HttpResponse(200, {}, fixture("docs_count_tokens.json")), ctx)
    assert (count.input_tokens, count.exact) == (14, True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5000), max_size=12))
def test_any_chunking_decodes_the_same(cuts: list[int]) -> None:
    data = fixture("docs_stream_tool_use.sse") + b"\n" + THINKING_STREAM
    points = sorted({c % (len(data) + 1) for c in cuts})
    dec = AnthropicStreamDecoder("anthropic", "claude-sonnet-4-5")
    events: list[StreamEvent] = []
    for start, end in zip([0, *points], [*points, len(data)], strict=True):
        events.extend(dec.feed(data[start:end]))
    whole, _ = decode(data)
    assert events == whole
