"""Streamed tool calls: a new ``id`` (or a new tool block) at an index already in use starts a new
call, in the shared Accumulator and in every dialect's own index state, sync and async."""

from __future__ import annotations

import json
from typing import Any

import _fidelity_replay as R
import pytest

from llmkit._stream import Accumulator
from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator
from llmkit.framing.eventstream_encode import encode_event
from llmkit.providers import get_spec
from llmkit.types import FinishReason, ToolCallDelta

SSE = "text/event-stream"
EVENTSTREAM = "application/vnd.amazon.eventstream"
KW: dict[str, Any] = {"api_key": "sk-test-fidelity-000000", "max_retries": 0}
HELLO = {"content": 'print("hello")', "filePath": "hello.py"}
WORLD = {"content": 'print("world")', "filePath": "world.py"}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def replay(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    R.aws_env(monkeypatch)
    return str(R.install(monkeypatch, emu))


def _calls(c: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [(t.id, t.name, t.arguments) for t in c.tool_calls]


# ------------------------------------------------------------------ the shared Accumulator


def _build(*events: ToolCallDelta) -> Any:
    acc = Accumulator()
    for ev in events:
        acc.add(ev)
    ctx = CallContext(get_spec("openai"), "m", "http://127.0.0.1:1/v1")
    return acc.build(DIALECT.stream_decoder(None, ctx), "openai", "m")  # type: ignore[arg-type]


def test_accumulator_new_id_at_a_used_index_is_a_new_call() -> None:
    c = _build(
        ToolCallDelta(0, "call_1", "file_write", '{"content":"print(\\"hello\\")",'),
        ToolCallDelta(0, None, None, '"filePath":"hello.py"}'),
        ToolCallDelta(0, "call_2", "file_write", json.dumps(WORLD)),
    )
    assert _calls(c) == [("call_1", "file_write", HELLO), ("call_2", "file_write", WORLD)]


def test_accumulator_same_id_again_continues_the_call() -> None:
    # Some servers repeat the id on every delta of a call.
    c = _build(
        ToolCallDelta(0, "call_1", "f", '{"a":'),
        ToolCallDelta(0, "call_1", None, "1}"),
        ToolCallDelta(1, "call_2", "g", "{}"),
    )
    assert _calls(c) == [("call_1", "f", {"a": 1}), ("call_2", "g", {})]


def test_accumulator_keeps_index_order_for_interleaved_calls() -> None:
    c = _build(
        ToolCallDelta(1, "call_b", "g", '{"b":'),
        ToolCallDelta(0, "call_a", "f", '{"a":1}'),
        ToolCallDelta(1, None, None, "2}"),
    )
    assert _calls(c) == [("call_a", "f", {"a": 1}), ("call_b", "g", {"b": 2})]


# ------------------------------------------------------------------ OpenAI-compatible: Ollama


def test_ollama_index_zero_for_every_call(mode: str, replay: str) -> None:
    body = R.fixture("ollama/chat_stream_two_calls_index0.sse")
    events, c = R.stream(
        mode, "ollama/qwen2.5-coder:7b", base_url=replay, extra_headers=R.serve(body, SSE), **KW
    )
    assert _calls(c) == [("call_1", "file_write", HELLO), ("call_2", "file_write", WORLD)]
    assert c.finish_reason is FinishReason.TOOL_CALLS
    # The events themselves tell the calls apart, not just the final completion.
    assert [(e.index, e.id) for e in events if isinstance(e, ToolCallDelta)] == [(0, "call_1"), (1, "call_2")]


def _chunk(tool_calls: list[dict[str, Any]], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": {"tool_calls": tool_calls}, "finish_reason": finish}
    obj = {"id": "c", "object": "chat.completion.chunk", "model": "m", "choices": [choice]}
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def test_openai_streamed_pieces_after_an_index_reuse(mode: str, replay: str) -> None:
    # Two calls at index 0, each streamed in pieces; then one at index 1.
    body = (
        _chunk([{"index": 0, "id": "a", "type": "function", "function": {"name": "f", "arguments": '{"x"'}}])
        + _chunk([{"index": 0, "function": {"arguments": ":1}"}}])
        + _chunk([{"index": 0, "id": "b", "type": "function", "function": {"name": "g", "arguments": ""}}])
        + _chunk([{"index": 0, "function": {"arguments": '{"y":2}'}}])
        + _chunk([{"index": 1, "id": "c", "type": "function", "function": {"name": "h", "arguments": "{}"}}])
        + _chunk([], "tool_calls")
        + b"data: [DONE]\n\n"
    )
    _, c = R.stream(mode, "openai/gpt-4o", base_url=replay, extra_headers=R.serve(body, SSE), **KW)
    assert _calls(c) == [("a", "f", {"x": 1}), ("b", "g", {"y": 2}), ("c", "h", {})]


def test_sagemaker_messages_format_index_zero_for_every_call(mode: str, replay: str) -> None:
    records = R.fixture("ollama/chat_stream_two_calls_index0.sse").split(b"\n\n")
    body = b"".join(
        encode_event("PayloadPart", r + b"\n\n", content_type="application/octet-stream")
        for r in records
        if r
    )
    _, c = R.stream(
        mode, "sagemaker/my-endpoint", base_url=replay, extra_headers=R.serve(body, EVENTSTREAM), **KW
    )
    assert _calls(c) == [("call_1", "file_write", HELLO), ("call_2", "file_write", WORLD)]


# ------------------------------------------------------------------ Anthropic content blocks


def _sse(kind: str, obj: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **obj})}\n\n".encode()


def _anthropic(indexes: list[int]) -> bytes:
    usage = {"input_tokens": 3, "output_tokens": 1}
    message = {
        "id": "msg",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "c",
        "usage": usage,
    }
    out = _sse("message_start", {"message": message})
    for n, index in enumerate(indexes):
        block = {"type": "tool_use", "id": f"toolu_{n}", "name": f"t{n}", "input": {}}
        out += _sse("content_block_start", {"index": index, "content_block": block})
        delta = {"type": "input_json_delta", "partial_json": f'{{"n":{n}}}'}
        out += _sse("content_block_delta", {"index": index, "delta": delta})
        out += _sse("content_block_stop", {"index": index})
    out += _sse("message_delta", {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}})
    return out + _sse("message_stop", {})


@pytest.mark.parametrize("indexes", [[0, 0], [0, 0, 1], [1, 1, 1]])
def test_anthropic_tool_block_at_a_used_index_is_a_new_call(
    mode: str, replay: str, indexes: list[int]
) -> None:
    headers = R.serve(_anthropic(indexes), SSE)
    _, c = R.stream(mode, "anthropic/claude-sonnet-4-5", base_url=replay, extra_headers=headers, **KW)
    assert _calls(c) == [(f"toolu_{n}", f"t{n}", {"n": n}) for n in range(len(indexes))]


# ------------------------------------------------------------------ Bedrock content blocks


def _bedrock(indexes: list[int]) -> bytes:
    out = encode_event("messageStart", b'{"role":"assistant"}')
    for n, index in enumerate(indexes):
        start = {
            "contentBlockIndex": index,
            "start": {"toolUse": {"toolUseId": f"tooluse_{n}", "name": f"t{n}"}},
        }
        out += encode_event("contentBlockStart", json.dumps(start).encode())
        delta = {"contentBlockIndex": index, "delta": {"toolUse": {"input": f'{{"n":{n}}}'}}}
        out += encode_event("contentBlockDelta", json.dumps(delta).encode())
        out += encode_event("contentBlockStop", json.dumps({"contentBlockIndex": index}).encode())
    out += encode_event("messageStop", b'{"stopReason":"tool_use"}')
    return out + encode_event("metadata", b'{"usage":{"inputTokens":3,"outputTokens":9,"totalTokens":12}}')


@pytest.mark.parametrize("indexes", [[0, 0], [0, 0, 1], [1, 1, 1]])
def test_bedrock_tool_block_at_a_used_index_is_a_new_call(mode: str, replay: str, indexes: list[int]) -> None:
    headers = R.serve(_bedrock(indexes), EVENTSTREAM)
    model = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"
    _, c = R.stream(mode, model, base_url=replay, extra_headers=headers, **KW)
    assert _calls(c) == [(f"tooluse_{n}", f"t{n}", {"n": n}) for n in range(len(indexes))]


# ------------------------------------------------------------------ Gemini: whole calls per part


def test_gemini_calls_in_separate_chunks_stay_separate(mode: str, replay: str) -> None:
    def part(name: str, args: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        cand: dict[str, Any] = {
            "content": {"role": "model", "parts": [{"functionCall": {"name": name, "args": args}}]}
        }
        if finish:
            cand["finishReason"] = finish
        return {"candidates": [cand], "responseId": "r1"}

    body = b"".join(
        b"data: " + json.dumps(o).encode() + b"\n\n"
        for o in (part("file_write", HELLO), part("file_write", WORLD, "STOP"))
    )
    _, c = R.stream(mode, "gemini/gemini-2.5-flash", base_url=replay, extra_headers=R.serve(body, SSE), **KW)
    assert [(t.name, t.arguments) for t in c.tool_calls] == [("file_write", HELLO), ("file_write", WORLD)]
    assert len({t.id for t in c.tool_calls}) == 2
