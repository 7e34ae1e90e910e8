"""Pure decoding tests: literal Gemini bodies, streams and errors → llmkit results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.gemini import DIALECT
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ContentFilteredError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from llmkit.types import (
    Citation,
    Finish,
    FinishReason,
    Message,
    ReasoningDelta,
    ReasoningPart,
    TextDelta,
    TextPart,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gemini"
REQ = ChatRequest("gemini-2.5-flash", [Message("user", "hi")])


def response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, headers or {}, raw)


def test_text_completion_with_usage(ai_ctx: CallContext) -> None:
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "Hello"}, {"text": " world"}]},
                "finishReason": "STOP",
                "index": 0,
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}],
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 10,
            "candidatesTokenCount": 5,
            "thoughtsTokenCount": 7,
            "cachedContentTokenCount": 4,
            "totalTokenCount": 22,
        },
        "modelVersion": "gemini-2.5-flash-001",
        "responseId": "resp-1",
    }
    c = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    assert c.text == "Hello world"
    assert c.message.content == (TextPart("Hello world"),)
    assert c.finish_reason is FinishReason.STOP
    assert c.raw_finish_reason == "STOP"
    assert c.usage == Usage(
        input_tokens=10, output_tokens=12, total_tokens=22, cached_input_tokens=4, reasoning_tokens=7
    )
    assert (c.id, c.model, c.provider) == ("resp-1", "gemini-2.5-flash-001", "gemini")
    assert c.raw == body


def test_parallel_function_calls_get_stable_ids(ai_ctx: CallContext) -> None:
    body = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {
                            "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                            "thoughtSignature": "S1",
                        },
                        {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
                    ],
                },
                "finishReason": "STOP",
            }
        ],
        "responseId": "r-42",
    }
    first = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    again = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    calls = first.tool_calls
    assert first.finish_reason is FinishReason.TOOL_CALLS
    assert [c.name for c in calls] == ["get_weather", "get_weather"]
    assert [c.arguments for c in calls] == [{"city": "Paris"}, {"city": "Rome"}]
    assert calls[0].id != calls[1].id
    assert all(c.id.startswith("gcall_") for c in calls)
    assert [c.id for c in calls] == [c.id for c in again.tool_calls]
    # The signature Gemini put on the first call is kept, ready to be sent back with it.
    assert first.message.content == (ReasoningPart("", signature="S1"),)
    replay = ChatRequest(
        "m", [Message("user", "x"), first.message, Message("tool", "18C", tool_call_id=calls[0].id)]
    )
    http = DIALECT.build_chat(replay, ai_ctx)
    parts = http.json["contents"][1]["parts"]
    assert parts[0] == {
        "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
        "thoughtSignature": "S1",
    }
    assert http.json["contents"][2]["parts"][0]["functionResponse"]["name"] == "get_weather"


def test_given_call_id_is_kept(ai_ctx: CallContext) -> None:
    body = {
        "candidates": [{"content": {"parts": [{"functionCall": {"id": "fc-9", "name": "f", "args": {}}}]}}]
    }
    c = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    assert c.tool_calls[0].id == "fc-9"


def test_thought_parts_become_reasoning(ai_ctx: CallContext) -> None:
    body = {
        "candidates": [
            {
                "content": {
                    "parts": [
                        {"text": "Considering the options…", "thought": True},
                        {"text": "42", "thoughtSignature": "SIG"},
                    ]
                },
                "finishReason": "STOP",
            }
        ]
    }
    c = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    assert c.reasoning == "Considering the options…"
    assert c.text == "42"
    assert c.message.content == (
        ReasoningPart("Considering the options…"),
        ReasoningPart("", signature="SIG"),
        TextPart("42"),
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("STOP", FinishReason.STOP),
        ("MAX_TOKENS", FinishReason.LENGTH),
        ("SAFETY", FinishReason.CONTENT_FILTER),
        ("RECITATION", FinishReason.CONTENT_FILTER),
        ("PROHIBITED_CONTENT", FinishReason.CONTENT_FILTER),
        ("BLOCKLIST", FinishReason.CONTENT_FILTER),
        ("SPII", FinishReason.CONTENT_FILTER),
        ("IMAGE_SAFETY", FinishReason.CONTENT_FILTER),
        ("MALFORMED_FUNCTION_CALL", FinishReason.ERROR),
        ("OTHER", FinishReason.OTHER),
        ("LANGUAGE", FinishReason.CONTENT_FILTER),
        ("TOO_MANY_TOOL_CALLS", FinishReason.OTHER),
    ],
)
def test_finish_reasons(ai_ctx: CallContext, raw: str, reason: FinishReason) -> None:
    body = {"candidates": [{"finishReason": raw}]}  # a filtered candidate may have no content at all
    c = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    assert (c.finish_reason, c.raw_finish_reason, c.text) == (reason, raw, "")


def test_blocked_prompt_raises(ai_ctx: CallContext) -> None:
    body = {
        "promptFeedback": {
            "blockReason": "SAFETY",
            "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}],
        },
        "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
    }
    with pytest.raises(ContentFilteredError) as info:
        DIALECT.parse_chat(response(body), REQ, ai_ctx)
    assert info.value.error_type == "SAFETY"
    assert "SAFETY" in str(info.value)


def test_citations_from_both_surfaces(ai_ctx: CallContext) -> None:
    body = {
        "candidates": [
            {
                "content": {"parts": [{"text": "x"}]},
                "citationMetadata": {
                    "citationSources": [{"uri": "https://a.example"}],
                    "citations": [{"uri": "https://b.example", "title": "B"}],
                },
                "groundingMetadata": {
                    "groundingChunks": [{"web": {"uri": "https://c.example", "title": "C"}}]
                },
            }
        ]
    }
    c = DIALECT.parse_chat(response(body), REQ, ai_ctx)
    assert c.citations == [
        Citation("https://a.example"),
        Citation("https://b.example", "B"),
        Citation("https://c.example", "C"),
    ]


# ---------------------------------------------------------------- streams


def sse(*chunks: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\r\n\r\n" for c in chunks)


def test_stream_text_thoughts_and_calls(ai_ctx: CallContext) -> None:
    data = sse(
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hmm", "thought": True}]}}]},
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}}], "responseId": "r1"},
        {"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]}}]},
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"functionCall": {"name": "a", "args": {"x": 1}}, "thoughtSignature": "SG"},
                            {"functionCall": {"name": "b", "args": {}}},
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7},
            "modelVersion": "gemini-2.5-flash",
        },
    )
    dec = DIALECT.stream_decoder(REQ, ai_ctx)
    events = []
    for i in range(0, len(data), 7):  # arbitrary chunking
        events.extend(dec.feed(data[i : i + 7]))
    assert dec.done
    calls = [e for e in events if isinstance(e, ToolCallDelta)]
    assert events[:3] == [ReasoningDelta("Hmm"), TextDelta("Hel"), TextDelta("lo")]
    assert ReasoningDelta(signature="SG") in events
    assert [(c.index, c.name, c.arguments_delta) for c in calls] == [(0, "a", '{"x":1}'), (1, "b", "{}")]
    assert all(c.id and c.id.startswith("gcall_") for c in calls)
    assert events[-2:] == [UsageUpdate(Usage(3, 4, 7)), Finish(FinishReason.TOOL_CALLS, "STOP")]
    assert dec.response_id == "r1"
    assert dec.response_model == "gemini-2.5-flash"


def test_recorded_vertex_stream(vertex_ctx: Any) -> None:
    dec = DIALECT.stream_decoder(REQ, vertex_ctx())
    events = dec.feed((FIXTURES / "vertex_stream_signature.sse").read_bytes())
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "Hello! How can I help you today?"
    assert (
        ReasoningDelta(signature="AY89a18iOcFus5wr5bW5xN6zZ4aUiCyhgmg6HE2YjtYDV/dwZ5oZlZHeTmiUKv34qq0=")
        in events
    )
    assert events[-2:] == [UsageUpdate(Usage(1, 9, 10)), Finish(FinishReason.STOP, "STOP")]
    assert dec.done
    assert dec.response_id == "tTCwacuEBMvnitYP06qsgQY"
    # The first chunk and the last (signature, finish); not the plain text chunks (issue 17).
    assert len(dec.raw_events) == 2 and dec.raw_events[-1]["candidates"][0]["finishReason"] == "STOP"


def test_stream_safety_stop_and_blocked_prompt(ai_ctx: CallContext) -> None:
    dec = DIALECT.stream_decoder(REQ, ai_ctx)
    events = dec.feed(sse({"candidates": [{"finishReason": "SAFETY", "safetyRatings": []}]}))
    assert events == [Finish(FinishReason.CONTENT_FILTER, "SAFETY")]
    blocked = DIALECT.stream_decoder(REQ, ai_ctx)
    with pytest.raises(ContentFilteredError):
        blocked.feed(sse({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}))


def test_stream_error_event(ai_ctx: CallContext) -> None:
    dec = DIALECT.stream_decoder(REQ, ai_ctx)
    with pytest.raises(OverloadedError):
        dec.feed(
            sse({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}})
        )


# ---------------------------------------------------------------- errors


def test_invalid_api_key_is_an_authentication_error(ai_ctx: CallContext) -> None:
    body = (FIXTURES / "error_api_key_invalid.json").read_bytes()
    err = DIALECT.parse_error(response(body, 400), ai_ctx)
    assert type(err) is AuthenticationError
    assert err.status_code == 400
    assert (err.error_type, err.error_code) == ("INVALID_ARGUMENT", "API_KEY_INVALID")
    assert "API key not valid" in str(err)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "INVALID_ARGUMENT", BadRequestError),
        (400, "FAILED_PRECONDITION", BadRequestError),
        (401, "UNAUTHENTICATED", AuthenticationError),
        (403, "PERMISSION_DENIED", PermissionDeniedError),
        (404, "NOT_FOUND", NotFoundError),
        (429, "RESOURCE_EXHAUSTED", RateLimitError),
        (500, "INTERNAL", ServerError),
        (503, "UNAVAILABLE", OverloadedError),
        (504, "DEADLINE_EXCEEDED", ServerError),
    ],
)
def test_error_status_mapping(ai_ctx: CallContext, status: int, code: str, cls: type[ProviderError]) -> None:
    body = {"error": {"code": status, "message": f"{code} happened", "status": code}}
    err = DIALECT.parse_error(response(body, status), ai_ctx)
    assert type(err) is cls
    assert err.error_type == code
    assert err.provider == "gemini"


def test_rate_limit_retry_delay(ai_ctx: CallContext) -> None:
    body = {
        "error": {
            "code": 429,
            "message": "Resource exhausted",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}],
        }
    }
    err = DIALECT.parse_error(response(body, 429), ai_ctx)
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 17.0
    with_header = DIALECT.parse_error(response(body, 429, {"retry-after": "3"}), ai_ctx)
    assert isinstance(with_header, RateLimitError)
    assert with_header.retry_after == 3.0


def test_non_json_error(ai_ctx: CallContext) -> None:
    err = DIALECT.parse_error(response(b"<html>Not Found</html>", 404), ai_ctx)
    assert type(err) is NotFoundError


# ---------------------------------------------------------------- embeddings, tokens


def test_embed_and_count_tokens(ai_ctx: CallContext) -> None:
    single = DIALECT.parse_embed(
        response({"embedding": {"values": [0.1, 0.2]}}), EmbedRequest("e", ["a"]), ai_ctx
    )
    assert single.vectors == [[0.1, 0.2]]
    batch = DIALECT.parse_embed(
        response({"embeddings": [{"values": [1.0]}, {"values": [2.0]}]}),
        EmbedRequest("e", ["a", "b"]),
        ai_ctx,
    )
    assert batch.vectors == [[1.0], [2.0]]
    tokens = DIALECT.parse_count_tokens(
        response({"totalTokens": 31, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]}), ai_ctx
    )
    assert (tokens.input_tokens, tokens.exact) == (31, True)
    assert DIALECT.parse_count_tokens(response({}), ai_ctx).input_tokens == 0
