"""Bedrock Converse dialect: requests checked by botocore's own validator and serializer,
responses and streams fed literal JSON and frames shaped by botocore's service model."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.dialects.bedrock import DIALECT, BedrockConverseStreamDecoder, build_body
from llmkit.dialects.bedrock._stream import _not_plain_delta
from llmkit.errors import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.framing.eventstream_encode import encode_error, encode_event, encode_exception
from llmkit.providers.spec import ProviderSpec
from llmkit.types import (
    Citation,
    CitationsUpdate,
    DocumentPart,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    ReasoningDelta,
    ReasoningPart,
    ResponseFormat,
    TextDelta,
    TextPart,
    Tool,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpResponse

botocore_session = pytest.importorskip("botocore.session")
botocore_exceptions = pytest.importorskip("botocore.exceptions")

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
BASE = "https://bedrock-runtime.us-east-1.amazonaws.com"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
PDF = base64.b64encode(b"%PDF-1.4 fake").decode()
SPEC = ProviderSpec(name="bedrock", dialect="bedrock_converse", base_url=BASE)


@pytest.fixture
def ctx() -> CallContext:
    return CallContext(SPEC, MODEL, BASE)


WEATHER = Tool(
    "get_weather",
    "Current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def full_request(**overrides: Any) -> ChatRequest:
    messages = [
        Message("system", "You are terse."),
        Message(
            "user",
            (
                TextPart(
                    "What is in this image, and the weather in Paris?", cache_control={"type": "ephemeral"}
                ),
                ImagePart(data=PNG, media_type="image/png"),
                DocumentPart(data=PDF, title="report_2024.pdf"),
            ),
        ),
        Message(
            "assistant",
            (ReasoningPart("Need the weather tool.", signature="sig-abc"), TextPart("Let me check.")),
            (ToolCall("tooluse_1", "get_weather", {"city": "Paris"}),),
        ),
        Message("tool", "18°C, sunny", tool_call_id="tooluse_1"),
        Message("user", "Thanks. And in Lyon?"),
    ]
    args: dict[str, Any] = {
        "model": MODEL,
        "messages": messages,
        "tools": [WEATHER],
        "tool_choice": "auto",
        "temperature": 0.2,
        "max_tokens": 256,
        "stop": ["\n\nHuman:"],
        "options": {"top_p": 0.9, "thinking": {"type": "enabled", "budget_tokens": 1024}},
    }
    args.update(overrides)
    return ChatRequest(**args)


# --------------------------------------------------------------------------- botocore as the reference


class _Captured(Exception):
    pass


def _with_blobs_as_bytes(value: Any) -> Any:
    """Our JSON carries blobs as base64; botocore's Python API takes raw bytes and encodes them."""
    if isinstance(value, dict):
        return {
            k: base64.b64decode(v)
            if k in ("bytes", "redactedContent") and isinstance(v, str)
            else _with_blobs_as_bytes(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_blobs_as_bytes(v) for v in value]
    return value


def botocore_sends(operation: str, **params: Any) -> Any:
    """Run a real botocore bedrock-runtime call (validation + serialization), capture the request."""
    client = botocore_session.get_session().create_client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="FAKE-secret-for-tests",
    )
    captured: list[Any] = []

    def before_send(request: Any, **_: Any) -> Any:
        captured.append(request)
        raise _Captured

    client.meta.events.register("before-send", before_send)
    with pytest.raises(_Captured):
        getattr(client, operation)(**params)
    return captured[0]


@pytest.mark.parametrize("stream", [False, True])
def test_request_is_what_botocore_sends_for_the_same_call(ctx: CallContext, stream: bool) -> None:
    req = full_request(stream=stream)
    ours = DIALECT.build_chat(req, ctx)
    operation = "converse_stream" if stream else "converse"
    sent = botocore_sends(operation, modelId=MODEL, **_with_blobs_as_bytes(json.loads(ours.body or b"")))
    assert ours.url == sent.url
    assert ours.method == sent.method
    assert json.loads(ours.body or b"") == json.loads(sent.body)
    assert ours.headers["content-type"] == dict(sent.headers.items())["Content-Type"].decode()


def test_request_shape(ctx: CallContext) -> None:
    body = build_body(full_request())
    assert body["system"] == [{"text": "You are terse."}]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    first = body["messages"][0]["content"]
    assert first[0] == {"text": "What is in this image, and the weather in Paris?"}
    assert first[1] == {"cachePoint": {"type": "default"}}
    assert first[2] == {"image": {"format": "png", "source": {"bytes": PNG}}}
    assert first[3] == {"document": {"format": "pdf", "name": "report 2024 pdf", "source": {"bytes": PDF}}}
    assistant = body["messages"][1]["content"]
    assert assistant[0] == {
        "reasoningContent": {"reasoningText": {"text": "Need the weather tool.", "signature": "sig-abc"}}
    }
    assert assistant[2] == {
        "toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}
    }
    last = body["messages"][2]["content"]
    assert last == [
        {"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "18°C, sunny"}]}},
        {"text": "Thanks. And in Lyon?"},
    ]
    assert body["inferenceConfig"] == {
        "maxTokens": 256,
        "temperature": 0.2,
        "topP": 0.9,
        "stopSequences": ["\n\nHuman:"],
    }
    assert body["toolConfig"]["toolChoice"] == {"auto": {}}
    assert body["additionalModelRequestFields"] == {"thinking": {"type": "enabled", "budget_tokens": 1024}}


def test_model_id_path_encoding(ctx: CallContext) -> None:
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"
    req = ChatRequest(model=arn, messages=[Message("user", "hi")], stream=True)
    ours = DIALECT.build_chat(req, ctx)
    sent = botocore_sends("converse_stream", **{"modelId": arn, **json.loads(ours.body or b"")})
    assert ours.url == sent.url
    assert "%3A" in ours.url and "%2F" in ours.url


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("required", {"any": {}}),
        ("any", {"any": {}}),
        (ForcedTool("get_weather"), {"tool": {"name": "get_weather"}}),
    ],
)
def test_tool_choice(ctx: CallContext, choice: Any, expected: dict[str, Any]) -> None:
    req = ChatRequest(
        model=MODEL, messages=[Message("user", "weather?")], tools=[WEATHER], tool_choice=choice
    )
    body = build_body(req)
    assert body["toolConfig"]["toolChoice"] == expected
    botocore_sends("converse", modelId=MODEL, **body)  # valid for botocore


def test_tool_choice_none_drops_tools_unless_history_needs_them() -> None:
    plain = ChatRequest(model=MODEL, messages=[Message("user", "hi")], tools=[WEATHER], tool_choice="none")
    assert "toolConfig" not in build_body(plain)
    body = build_body(full_request(tool_choice="none"))
    assert "toolChoice" not in body["toolConfig"]
    assert body["toolConfig"]["tools"][0]["toolSpec"]["name"] == "get_weather"


@pytest.mark.parametrize("kind", ["json_schema", "json_object"])
def test_structured_output(kind: str) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    fmt = ResponseFormat(kind, schema if kind == "json_schema" else None, name="answer")  # type: ignore[arg-type]
    req = ChatRequest(model=MODEL, messages=[Message("user", "n?")], response_format=fmt)
    body = build_body(req)
    definition = body["outputConfig"]["textFormat"]["structure"]["jsonSchema"]
    assert json.loads(definition["schema"]) == (schema if kind == "json_schema" else {"type": "object"})
    assert definition["name"] == "answer"
    botocore_sends("converse", modelId=MODEL, **body)


def test_provider_options_validate_in_botocore() -> None:
    req = ChatRequest(
        model=MODEL,
        messages=[Message("user", "hi")],
        options={
            "additional_model_request_fields": {"top_k": 40},
            "additional_model_response_field_paths": ["/stop_sequence"],
            "guardrail_config": {"guardrailIdentifier": "gr-1", "guardrailVersion": "1"},
            "performance_config": "optimized",
            "service_tier": "flex",
            "request_metadata": {"team": "search"},
        },
    )
    body = build_body(req)
    assert body["performanceConfig"] == {"latency": "optimized"}
    assert body["serviceTier"] == {"type": "flex"}
    sent = botocore_sends("converse", modelId=MODEL, **body)
    assert json.loads(sent.body) == body


def test_count_tokens_request(ctx: CallContext) -> None:
    ours = DIALECT.build_count_tokens(full_request(), ctx)
    assert ours.url == f"{BASE}/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/count-tokens"
    body = json.loads(ours.body or b"")
    assert "inferenceConfig" not in body["input"]["converse"]
    sent = botocore_sends("count_tokens", modelId=MODEL, **_with_blobs_as_bytes(body))
    assert json.loads(sent.body) == body
    count = DIALECT.parse_count_tokens(HttpResponse(200, {}, b'{"inputTokens": 1234}'), ctx)
    assert (count.input_tokens, count.exact) == (1234, True)


def test_unsupported_inputs() -> None:
    with pytest.raises(NotSupportedError):
        build_body(ChatRequest(model=MODEL, messages=[Message("user", (ImagePart(url="https://x/y.png"),))]))
    with pytest.raises(NotSupportedError):
        build_body(
            ChatRequest(
                model=MODEL, messages=[Message("user", (ImagePart(data=PNG, media_type="image/bmp"),))]
            )
        )
    with pytest.raises(NotSupportedError):
        DIALECT.build_embed(
            EmbedRequest(model="meta.llama3-1-70b-instruct", inputs=["x"]), CallContext(SPEC, MODEL, BASE)
        )
    s3 = build_body(
        ChatRequest(
            model=MODEL, messages=[Message("user", (ImagePart(url="s3://b/k.jpg", media_type="image/jpeg"),))]
        )
    )
    assert s3["messages"][0]["content"][0]["image"]["source"] == {"s3Location": {"uri": "s3://b/k.jpg"}}


# --------------------------------------------------------------------------- responses


CONVERSE_RESPONSE = {
    "output": {
        "message": {
            "role": "assistant",
            "content": [
                {
                    "reasoningContent": {
                        "reasoningText": {"text": "The user wants Lyon.", "signature": "EqQBCk"}
                    }
                },
                {"text": "Checking Lyon."},
                {"toolUse": {"toolUseId": "tooluse_2", "name": "get_weather", "input": {"city": "Lyon"}}},
            ],
        }
    },
    "stopReason": "tool_use",
    "usage": {
        "inputTokens": 15,  # the part that missed the cache: 15 + 100 + 5 + 30 = 150
        "outputTokens": 30,
        "totalTokens": 150,
        "cacheReadInputTokens": 100,
        "cacheWriteInputTokens": 5,
    },
    "metrics": {"latencyMs": 812},
}


def test_parse_converse_response(ctx: CallContext) -> None:
    resp = HttpResponse(200, {"x-amzn-requestid": "req-1"}, json.dumps(CONVERSE_RESPONSE).encode())
    completion = DIALECT.parse_chat(resp, full_request(), ctx)
    assert completion.text == "Checking Lyon."
    assert completion.reasoning == "The user wants Lyon."
    assert completion.message.parts[0] == ReasoningPart("The user wants Lyon.", "EqQBCk")
    assert completion.tool_calls == [ToolCall("tooluse_2", "get_weather", {"city": "Lyon"})]
    assert completion.finish_reason is FinishReason.TOOL_CALLS
    assert completion.raw_finish_reason == "tool_use"
    assert completion.usage == Usage(120, 30, 150, cached_input_tokens=100, cache_creation_input_tokens=5)
    assert completion.id == "req-1"
    assert completion.model == MODEL
    assert completion.raw == CONVERSE_RESPONSE


def test_botocore_parses_the_same_response() -> None:
    # The literal above is a valid ConverseResponse according to botocore's own parser.
    parsers = pytest.importorskip("botocore.parsers")
    model = botocore_session.get_session().get_service_model("bedrock-runtime")
    shape = model.operation_model("Converse").output_shape
    parsed = parsers.create_parser("rest-json").parse(
        {"status_code": 200, "headers": {}, "body": json.dumps(CONVERSE_RESPONSE).encode()}, shape
    )
    assert parsed["output"] == CONVERSE_RESPONSE["output"]
    assert parsed["usage"] == CONVERSE_RESPONSE["usage"]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("end_turn", FinishReason.STOP),
        ("stop_sequence", FinishReason.STOP),
        ("max_tokens", FinishReason.LENGTH),
        ("model_context_window_exceeded", FinishReason.LENGTH),
        ("guardrail_intervened", FinishReason.CONTENT_FILTER),
        ("content_filtered", FinishReason.CONTENT_FILTER),
        ("malformed_tool_use", FinishReason.ERROR),
        ("something_new", FinishReason.OTHER),
    ],
)
def test_stop_reasons(ctx: CallContext, reason: str, expected: FinishReason) -> None:
    body = {
        "output": {"message": {"role": "assistant", "content": [{"text": "x"}]}},
        "stopReason": reason,
        "usage": {},
    }
    completion = DIALECT.parse_chat(HttpResponse(200, {}, json.dumps(body).encode()), full_request(), ctx)
    assert completion.finish_reason is expected


def test_citations_and_redacted_reasoning(ctx: CallContext) -> None:
    body = {
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {"reasoningContent": {"redactedContent": "c2VjcmV0"}},
                    {
                        "citationsContent": {
                            "content": [{"text": "Paris is the capital."}],
                            "citations": [
                                {
                                    "title": "Paris",
                                    "location": {
                                        "web": {"url": "https://example.org/paris", "domain": "example.org"}
                                    },
                                }
                            ],
                        }
                    },
                ],
            }
        },
        "stopReason": "end_turn",
        "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
    }
    completion = DIALECT.parse_chat(HttpResponse(200, {}, json.dumps(body).encode()), full_request(), ctx)
    assert completion.message.parts[0] == ReasoningPart(redacted_data="c2VjcmV0")
    assert completion.text == "Paris is the capital."
    assert [c.url for c in completion.citations] == ["https://example.org/paris"]


def test_bad_bodies(ctx: CallContext) -> None:
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_chat(HttpResponse(200, {}, b"not json"), full_request(), ctx)
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_chat(HttpResponse(200, {}, b'{"stopReason":"end_turn"}'), full_request(), ctx)


# --------------------------------------------------------------------------- errors


def _error(status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return DIALECT.parse_error(HttpResponse(status, headers or {}, raw), CallContext(SPEC, MODEL, BASE))


def test_http_errors() -> None:
    err = _error(
        400,
        {"message": "The model returned the following errors: Input is too long for requested model."},
        {"x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"},
    )
    assert isinstance(err, ContextWindowExceededError)
    assert err.error_type == "ValidationException"
    plain = _error(400, {"message": "messages: field required"}, {"x-amzn-errortype": "ValidationException"})
    assert type(plain) is BadRequestError
    throttled = _error(
        429, {"message": "Too many requests"}, {"x-amzn-errortype": "ThrottlingException", "retry-after": "3"}
    )
    assert isinstance(throttled, RateLimitError)
    assert throttled.retry_after == 3.0
    assert isinstance(
        _error(
            403,
            {"Message": "The security token included in the request is invalid."},
            {"x-amzn-errortype": "UnrecognizedClientException"},
        ),
        AuthenticationError,
    )
    assert isinstance(
        _error(403, {"message": "no access"}, {"x-amzn-errortype": "AccessDeniedException"}),
        PermissionDeniedError,
    )
    assert isinstance(
        _error(404, {"__type": "com.amazon.bedrock#ResourceNotFoundException", "message": "x"}), NotFoundError
    )
    assert isinstance(
        _error(408, {"message": "x"}, {"x-amzn-errortype": "ModelTimeoutException"}), APITimeoutError
    )
    quota = _error(400, {"message": "quota"}, {"x-amzn-errortype": "ServiceQuotaExceededException"})
    assert isinstance(quota, RateLimitError)
    assert quota.retryable is False
    assert isinstance(_error(503, b"<html>busy</html>"), ServerError)
    request_id = _error(500, {"message": "x"}, {"x-amzn-requestid": "rid-9"})
    assert request_id.request_id == "rid-9"


# --------------------------------------------------------------------------- streams


def _frames(*events: tuple[str, Any]) -> bytes:
    return b"".join(encode_event(name, json.dumps(body).encode()) for name, body in events)


STREAM = _frames(
    ("messageStart", {"role": "assistant"}),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Think"}}, "p": "abcdef"},
    ),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": "sig"}}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "Hel"}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "lo ✨"}}),
    ("contentBlockStop", {"contentBlockIndex": 1}),
    (
        "contentBlockStart",
        {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "tu_1", "name": "get_weather"}}},
    ),
    ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '{"city":'}}}),
    ("contentBlockDelta", {"contentBlockIndex": 2, "delta": {"toolUse": {"input": '"Lyon"}'}}}),
    ("contentBlockStop", {"contentBlockIndex": 2}),
    (
        "contentBlockDelta",
        {
            "contentBlockIndex": 3,
            "delta": {"citation": {"title": "T", "location": {"web": {"url": "https://e.org"}}}},
        },
    ),
    ("messageStop", {"stopReason": "tool_use"}),
    (
        "metadata",
        {"usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "metrics": {"latencyMs": 100}},
    ),
)

EXPECTED = [
    ReasoningDelta("Think"),
    ReasoningDelta(signature="sig"),
    TextDelta("Hel"),
    TextDelta("lo ✨"),
    ToolCallDelta(0, "tu_1", "get_weather"),
    ToolCallDelta(0, arguments_delta='{"city":'),
    ToolCallDelta(0, arguments_delta='"Lyon"}'),
    CitationsUpdate((Citation("https://e.org", "T"),)),
    Finish(FinishReason.TOOL_CALLS, "tool_use"),
    UsageUpdate(Usage(10, 5, 15)),
]


def test_stream_decodes_byte_by_byte(ctx: CallContext) -> None:
    decoder = DIALECT.stream_decoder(full_request(stream=True), ctx)
    events = []
    for i in range(len(STREAM)):
        events += decoder.feed(STREAM[i : i + 1])
    assert events == EXPECTED
    assert decoder.done
    # Every event but the plain text and tool-input deltas after the first (issue 17: bounded memory).
    assert len(decoder.raw_events) == 9
    assert all(
        "text" not in ev.get("contentBlockDelta", {}).get("delta", {}) for ev in decoder.raw_events[1:]
    )
    assert decoder.raw_events[0] == {"messageStart": {"role": "assistant"}}


def test_stream_is_what_botocore_reads(ctx: CallContext) -> None:
    eventstream = pytest.importorskip("botocore.eventstream")
    parsers = pytest.importorskip("botocore.parsers")

    class Raw:
        def stream(self) -> Any:
            yield STREAM

    shape = (
        botocore_session.get_session().get_service_model("bedrock-runtime").operation_model("ConverseStream")
    )
    parsed = list(
        eventstream.EventStream(
            Raw(), shape.output_shape.members["stream"], parsers.EventStreamJSONParser(), "ConverseStream"
        )
    )
    ours = BedrockConverseStreamDecoder(ctx)
    ours.feed(STREAM)
    # botocore keeps only modelled members, so the padding field "p" is the one difference.
    without_padding = [
        {k: {f: v for f, v in body.items() if f != "p"} for k, body in e.items()} for e in ours.raw_events
    ]
    # .raw keeps every event but the plain deltas after the first (issue 17: bounded memory).
    kept = [
        e
        for i, e in enumerate(parsed)
        if i == 0 or "contentBlockDelta" not in e or _not_plain_delta(e["contentBlockDelta"])
    ]
    assert kept == without_padding and len(parsed) == 14


def test_stream_not_done_before_message_stop(ctx: CallContext) -> None:
    decoder = DIALECT.stream_decoder(full_request(stream=True), ctx)
    decoder.feed(
        _frames(
            ("messageStart", {"role": "assistant"}),
            ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "x"}}),
        )
    )
    assert not decoder.done


@pytest.mark.parametrize(
    ("exception_type", "payload", "cls"),
    [
        ("throttlingException", {"message": "Too many tokens"}, RateLimitError),
        (
            "validationException",
            {"message": "Input is too long for requested model."},
            ContextWindowExceededError,
        ),
        ("internalServerException", {"message": "oops"}, ServerError),
        ("serviceUnavailableException", {"message": "busy"}, ServerError),
        (
            "modelStreamErrorException",
            {"message": "bad", "originalStatusCode": 500, "originalMessage": "x"},
            ServerError,
        ),
    ],
)
def test_stream_exceptions(ctx: CallContext, exception_type: str, payload: Any, cls: type[Exception]) -> None:
    decoder = DIALECT.stream_decoder(full_request(stream=True), ctx)
    data = _frames(("messageStart", {"role": "assistant"})) + encode_exception(
        exception_type, json.dumps(payload).encode()
    )
    with pytest.raises(cls) as info:
        decoder.feed(data)
    err: Any = info.value
    assert err.status_code is None
    assert err.error_type == exception_type
    assert err.message.endswith(payload["message"])


def test_stream_unmodelled_error(ctx: CallContext) -> None:
    decoder = DIALECT.stream_decoder(full_request(stream=True), ctx)
    with pytest.raises(ServerError) as info:
        decoder.feed(encode_error("InternalFailure", "stream broke"))
    assert info.value.error_type == "InternalFailure"


def test_stream_corrupt_frame_is_typed(ctx: CallContext) -> None:
    decoder = DIALECT.stream_decoder(full_request(stream=True), ctx)
    bad = bytearray(STREAM[:200])
    bad[20] ^= 0xFF
    with pytest.raises(ResponseDecodeError):
        decoder.feed(bytes(bad))
