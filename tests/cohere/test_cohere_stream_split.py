"""The Cohere stream decoder gives the same events however the bytes are split (property test,
like the SSE one): a stream recorded from the emulator (text, tool plan, tool calls, citations,
usage) cut at random points, and byte by byte."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit.dialects.base import CallContext
from llmkit.dialects.cohere._stream import CohereStreamDecoder
from llmkit.emulator import cohere_chat
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.providers import get_spec


def _recorded() -> bytes:
    body = {
        "model": "command-a-03-2025",
        "messages": [{"role": "user", "content": "penguins and weather"}],
        "documents": ["Emperor penguins are the tallest."],
    }
    text = cohere_chat.answer(dict(body), Script(text="Emperor penguins are tall; héllo ✓"))
    calls = cohere_chat.answer(dict(body), Script(tool_calls=[ScriptedCall("w", {"city": "Oslo"}, id="c1")]))
    events = list(cohere_chat.events(text, Script()))[:-1] + list(cohere_chat.events(calls, Script()))[1:]
    return b"".join(cohere_chat._sse(e) for e in events)


STREAM = _recorded()


def _decode(chunks: list[bytes]) -> tuple[list[Any], list[Any], bool]:
    d = CohereStreamDecoder(CallContext(get_spec("cohere"), "m", "u"))
    out: list[Any] = []
    for c in chunks:
        out.extend(d.feed(c))
        assert d.error is None
    return out, d.citations, d.done


WHOLE = _decode([STREAM])


def test_whole_stream_has_every_kind() -> None:
    events, citations, done = WHOLE
    kinds = {type(e).__name__ for e in events}
    wanted = {"TextDelta", "ReasoningDelta", "ToolCallDelta", "CitationsUpdate", "UsageUpdate", "Finish"}
    assert wanted <= kinds
    assert citations and done


def test_byte_by_byte() -> None:
    assert _decode([STREAM[i : i + 1] for i in range(len(STREAM))]) == WHOLE


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_split_anywhere(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert _decode(chunks) == WHOLE
