"""The native ``inference:complete`` decoder on shapes the emulator does not send: the legacy
untyped delta (the only one snowflake-ml's client reads), the live tool stream as litellm's old
native handler describes it (BerriAI/litellm, index id 67130111691: an id-and-name chunk, then
``input`` string fragments with neither), thinking deltas, a JSON answer, and an error event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmkit.dialects.base import CallContext
from llmkit.dialects.snowflake_cortex import DIALECT, _fold
from llmkit.dialects.snowflake_cortex._native import NativeStreamDecoder
from llmkit.errors import ServerError
from llmkit.providers import get_spec
from llmkit.types import FinishReason, ReasoningDelta, TextDelta, ToolCallDelta
from llmkit.wire import HttpResponse


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


CTX = CallContext(get_spec("snowflake"), "claude-3-5-sonnet", "https://acct.snowflakecomputing.com")


def test_legacy_untyped_delta_is_text() -> None:
    d = NativeStreamDecoder("snowflake", "m")
    events = d.feed(_sse({"choices": [{"delta": {"content": "Hi"}}]}))
    assert events == [TextDelta("Hi")] and not d.done


def test_live_tool_stream_shape() -> None:
    body = _sse(
        {
            "id": "r1",
            "model": "claude-3-5-sonnet",
            "choices": [{"delta": {"type": "tool_use", "tool_use_id": "tooluse_1", "name": "get_weather"}}],
        },
        {"choices": [{"delta": {"type": "tool_use", "input": '{"location'}}]},
        {"choices": [{"delta": {"type": "tool_use", "input": '": "Oslo"}'}}]},
        {
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12, "guard_tokens": 0},
        },
    )
    done = _fold(HttpResponse(200, {"content-type": "text/event-stream"}, body), CTX)
    (call,) = done.tool_calls
    assert (call.id, call.name, call.arguments) == ("tooluse_1", "get_weather", {"location": "Oslo"})
    assert done.finish_reason == FinishReason.TOOL_CALLS and done.usage.total_tokens == 12
    assert done.id == "r1" and done.raw["usage"]["guard_tokens"] == 0


def test_thinking_and_reasoning_deltas() -> None:
    d = NativeStreamDecoder("snowflake", "m")
    events = d.feed(
        _sse(
            {"choices": [{"delta": {"type": "anthropic", "thinking": {"thinking": "Let me see"}}}]},
            {"choices": [{"delta": {"type": "anthropic", "thinking": {"signature": "sig=="}}}]},
            {"choices": [{"delta": {"type": "openai", "reasoning": {"summary": "brief"}}}]},
        )
    )
    assert events == [ReasoningDelta("Let me see"), ReasoningDelta("", "sig=="), ReasoningDelta("brief")]


@pytest.mark.parametrize("inside", [False, True])
def test_json_answer_with_finish_and_usage_at_either_level(inside: bool) -> None:
    choice: dict[str, Any] = {
        "message": {
            "content": "Sunny",
            "content_list": [
                {"type": "text", "text": "Sunny"},
                {"type": "tool_use", "tool_use": {"tool_use_id": "t1", "name": "f", "input": {"a": 1}}},
            ],
        }
    }
    extra = {"finish_reason": "tool_calls"}
    usage = {"usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
    obj = {"choices": [{**choice, **extra}], **usage} if inside else {"choices": [choice], **extra, **usage}
    done = _fold(HttpResponse(200, {"content-type": "application/json"}, json.dumps(obj).encode()), CTX)
    assert done.text == "Sunny"  # content and its text item are the same words, counted once
    assert [c.arguments for c in done.tool_calls] == [{"a": 1}]
    assert done.finish_reason == FinishReason.TOOL_CALLS and done.usage.output_tokens == 2


def test_error_event_keeps_what_came_before() -> None:
    d = NativeStreamDecoder("snowflake", "m")
    events = d.feed(
        _sse({"choices": [{"delta": {"type": "text", "content": "par"}}]}, {"error": {"message": "boom"}})
    )
    assert events == [TextDelta("par")] and isinstance(d.error, ServerError) and "boom" in str(d.error)


def test_a_fragment_before_any_tool_id_is_a_decode_error() -> None:
    from llmkit.errors import ResponseDecodeError

    with pytest.raises(ResponseDecodeError):
        NativeStreamDecoder("snowflake", "m").feed(
            _sse({"choices": [{"delta": {"type": "tool_use", "input": "{"}}]})
        )


def test_parse_error_reads_snowflake_and_anthropic_shapes() -> None:
    snow = HttpResponse(
        400,
        {"x-snowflake-request-id": "rid-1"},
        b'{"message":"unknown model","code":"390142","request_id":"rid-1"}',
    )
    err = DIALECT.parse_error(snow, CTX)
    assert "unknown model" in str(err) and err.error_code == "390142" and err.request_id == "rid-1"
    anth = HttpResponse(429, {}, b'{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}')
    assert "slow" in str(DIALECT.parse_error(anth, CTX))
    assert ToolCallDelta  # imported for the reader: the decoder's tool events are ToolCallDelta
