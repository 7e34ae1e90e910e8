"""``stream.completion`` after iteration equals the non-streamed Completion for the same script."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import pytest

import llmkit
from llmkit._stream import Accumulator, _StreamCore
from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.errors import ServerError
from llmkit.providers import get_spec
from llmkit.types import (
    Completion,
    Finish,
    FinishReason,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)

MODEL = "openai/gpt-4o-mini"

SCRIPTS: dict[str, Script] = {
    "text": Script(text="The quick brown fox jumps over the lazy dog."),
    "unicode": Script(text="Grüße, 世界! 👋🏽 emoji and CJK split across deltas", chunk_chars=1),
    "usage": Script(text="counted", input_tokens=120, output_tokens=9, cached_tokens=100, reasoning_tokens=4),
    "reasoning": Script(text="Answer: 4", reasoning="2 plus 2 is 4."),
    "one_tool": Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"}, id="call_1")]),
    "parallel_tools": Script(
        text="Let me check both.",
        tool_calls=[
            ScriptedCall("get_weather", {"city": "Paris", "unit": "celsius"}, id="call_a"),
            ScriptedCall("get_time", {"tz": "Europe/Paris"}, id="call_b"),
            ScriptedCall("noop", "", id="call_c"),
        ],
    ),
    "bad_tool_args": Script(tool_calls=[ScriptedCall("f", '{"a": [1, 2', id="call_bad")]),
    "length": Script(text="This answer was cut", finish_reason="length"),
    "content_filter": Script(text="", finish_reason="content_filter"),
    "json": Script(json={"answer": 42, "items": ["a", "b"]}),
    "many_chunks": Script(text="x" * 500, chunk_chars=1),
}


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def both(mode: str, emu: Emulator, script: Script) -> tuple[Completion, Completion]:
    """The same script answered once as a whole and once streamed."""
    emu.script(copy.deepcopy(script), copy.deepcopy(script))
    args: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url(), "max_retries": 0}

    async def main() -> tuple[Completion, Completion]:
        if mode == "sync":
            with llmkit.Client(**args) as c:
                whole = c.complete(MODEL, "hello")
                with c.stream(MODEL, "hello") as s:
                    for _ in s:
                        pass
                return whole, s.completion
        async with llmkit.AsyncClient(**args) as ac:
            whole = await ac.complete(MODEL, "hello")
            async with ac.stream(MODEL, "hello") as s:
                async for _ in s:
                    pass
            return whole, s.completion

    return asyncio.run(main())


def tool_view(c: Completion) -> list[tuple[str, str, str, Any]]:
    out = []
    for t in c.tool_calls:
        out.append((t.id, t.name, t.raw_arguments, None if t.parse_error else t.arguments))
    return out


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_stream_completion_equals_complete(mode: str, emu: Emulator, name: str) -> None:
    whole, streamed = both(mode, emu, SCRIPTS[name])
    assert streamed.text == whole.text
    assert streamed.reasoning == whole.reasoning
    assert tool_view(streamed) == tool_view(whole)
    assert streamed.usage == whole.usage
    assert streamed.finish_reason == whole.finish_reason
    assert streamed.raw_finish_reason == whole.raw_finish_reason
    assert (streamed.model, streamed.provider) == (whole.model, whole.provider)
    assert streamed.id and streamed.id.startswith("chatcmpl-")


def test_usage_details_survive_streaming(mode: str, emu: Emulator) -> None:
    _, streamed = both(mode, emu, SCRIPTS["usage"])
    assert streamed.usage == Usage(
        input_tokens=120, output_tokens=9, total_tokens=129, cached_input_tokens=100, reasoning_tokens=4
    )


def test_finish_reasons_survive_streaming(mode: str, emu: Emulator) -> None:
    _, length = both(mode, emu, SCRIPTS["length"])
    assert length.finish_reason == FinishReason.LENGTH
    _, tools = both(mode, emu, SCRIPTS["parallel_tools"])
    assert tools.finish_reason == FinishReason.TOOL_CALLS
    assert [t.name for t in tools.tool_calls] == ["get_weather", "get_time", "noop"]
    assert tools.tool_calls[2].arguments == {}


# ---------------------------------------------------------------- pure: the accumulator and the decoder

CTX = CallContext(get_spec("openai"), "gpt-4o-mini", "https://api.openai.test/v1")


def sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    return sse(
        {
            "id": "chatcmpl-x",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini-2024",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def tc(index: int, args: str, id: str | None = None, name: str | None = None) -> dict[str, Any]:
    fn: dict[str, Any] = {"arguments": args}
    if name:
        fn["name"] = name
    d: dict[str, Any] = {"index": index, "function": fn}
    if id:
        d.update(id=id, type="function")
    return {"tool_calls": [d]}


# Two parallel calls whose argument deltas interleave, as some servers send them.
INTERLEAVED = b"".join(
    [
        chunk({"role": "assistant", "content": ""}),
        chunk(tc(0, "", "call_a", "get_weather")),
        chunk(tc(1, "", "call_b", "get_time")),
        chunk(tc(0, '{"city": ')),
        chunk(tc(1, '{"tz": "UT')),
        chunk(tc(0, '"Par')),
        chunk(tc(1, 'C"}')),
        chunk(tc(0, 'is"}')),
        chunk({}, "tool_calls"),
        sse(
            {
                "id": "chatcmpl-x",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "gpt-4o-mini-2024",
                "choices": [],
                "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
            }
        ),
        b"data: [DONE]\n\n",
    ]
)


def decode_all(pieces: list[bytes]) -> tuple[list[Any], Completion, bool]:
    dec = DIALECT.stream_decoder(None, CTX)  # type: ignore[arg-type]
    acc = Accumulator()
    events: list[Any] = []
    for p in pieces:
        for ev in dec.feed(p):
            acc.add(ev)
            events.append(ev)
    return events, acc.build(dec, "openai", "gpt-4o-mini"), dec.done


def test_interleaved_parallel_tool_calls_grouped_by_index() -> None:
    events, c, done = decode_all([INTERLEAVED])
    assert done
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("call_a", "get_weather", {"city": "Paris"}),
        ("call_b", "get_time", {"tz": "UTC"}),
    ]
    assert c.finish_reason == FinishReason.TOOL_CALLS
    assert c.usage == Usage(input_tokens=10, output_tokens=20, total_tokens=30)
    assert c.model == "gpt-4o-mini-2024" and c.id == "chatcmpl-x"
    assert [type(e) for e in events][-2:] == [Finish, UsageUpdate]


def test_interleaved_tool_calls_any_chunking() -> None:
    expected_events, expected, _ = decode_all([INTERLEAVED])
    for i in range(0, len(INTERLEAVED) + 1, 7):
        for j in (i + 1, i + 13, i + 101):
            events, c, done = decode_all([INTERLEAVED[:i], INTERLEAVED[i:j], INTERLEAVED[j:]])
            assert done
            assert events == expected_events
            assert tool_view(c) == tool_view(expected)


def test_accumulator_joins_text_and_keeps_first_id_and_name() -> None:
    acc = Accumulator()
    for ev in [
        TextDelta("Hel"),
        ToolCallDelta(2, "call_z", "late", '{"k"'),
        TextDelta("lo"),
        ToolCallDelta(0, "call_a", "early", ""),
        ToolCallDelta(2, None, None, ": 1}"),
        ToolCallDelta(0, "call_a", "ignored", "{}"),  # the same id again: the first name stays
        UsageUpdate(Usage(input_tokens=3)),
        UsageUpdate(Usage(output_tokens=4)),
        Finish(FinishReason.TOOL_CALLS, "tool_calls"),
    ]:
        acc.add(ev)
    dec = DIALECT.stream_decoder(None, CTX)  # type: ignore[arg-type]
    c = acc.build(dec, "openai", "gpt-4o-mini")
    assert c.text == "Hello"
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("call_a", "early", {}),
        ("call_z", "late", {"k": 1}),
    ]
    assert c.usage == Usage(input_tokens=3, output_tokens=4, total_tokens=7)
    assert c.raw_finish_reason == "tool_calls"


def test_accumulator_without_finish_event() -> None:
    acc = Accumulator()
    acc.add(TextDelta("partial"))
    c = acc.build(DIALECT.stream_decoder(None, CTX), "openai", "m")  # type: ignore[arg-type]
    assert c.text == "partial"
    assert c.finish_reason == FinishReason.OTHER
    assert c.raw_finish_reason is None


# ---------------------------------------------------------------- errors inside a stream keep what came first


def core() -> _StreamCore:
    return _StreamCore(
        lambda: DIALECT.stream_decoder(None, CTX), "openai", "gpt-4o-mini", None, None, lambda: 0.0
    )  # type: ignore[arg-type]


ERROR_CHUNK = sse({"error": {"message": "The server had an error", "type": "server_error", "code": None}})
BEFORE_ERROR = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "alpha"}),
    chunk({"content": " beta"}),
]


def test_in_stream_error_after_separate_reads_keeps_partial() -> None:
    c = core()
    for piece in BEFORE_ERROR:
        c.feed(piece)
    with pytest.raises(ServerError) as info:
        c.feed(ERROR_CHUNK)
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"


def test_in_stream_error_in_the_same_read_keeps_partial() -> None:
    c = core()
    with pytest.raises(ServerError) as info:
        c.feed(b"".join(BEFORE_ERROR) + ERROR_CHUNK)
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"
