"""``llmkit.framing.ndjson``: bytes in, JSON values out, the same values however the bytes are cut
(a line split anywhere, inside CRLF or a multi-byte character), a cap per line, a malformed line
as a typed error, a last line without a newline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit.errors import ResponseDecodeError, ResponseTooLargeError
from llmkit.framing.ndjson import NDJSONDecodeError, NDJSONDecoder, NDJSONLineTooLargeError

# The lines of Ollama's documented /api/chat stream (docs.ollama.com/api/chat), a non-ASCII one added.
SAMPLE = (
    b'{"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":'
    b'{"role":"assistant","content":"The"},"done":false}\n'
    b'{"model":"llama3.2","created_at":"2023-08-04T08:52:19.4Z","message":'
    b'{"role":"assistant","content":" sky \xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x8d"},"done":false}\r\n'
    b"\n"
    b'{"model":"llama3.2","created_at":"2023-08-04T19:22:45.499127Z","message":{"role":"assistant",'
    b'"content":""},"done":true,"total_duration":4883583458,"load_duration":1334875,'
    b'"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,'
    b'"eval_duration":4535599000}\n'
)
EXPECTED = [json.loads(line) for line in SAMPLE.splitlines() if line.strip()]


def decode(chunks: list[bytes]) -> list[Any]:
    dec = NDJSONDecoder()
    out: list[Any] = []
    for chunk in chunks:
        out += dec.feed(chunk)
    return out + dec.close()


def cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def test_sample_decodes_as_the_reference_says() -> None:
    assert decode([SAMPLE]) == EXPECTED
    assert EXPECTED[1]["message"]["content"] == " sky été 🌍"


def test_every_two_way_split_and_byte_by_byte_give_the_same_values() -> None:
    for i in range(len(SAMPLE) + 1):
        assert decode([SAMPLE[:i], SAMPLE[i:]]) == EXPECTED, i
    assert decode([SAMPLE[i : i + 1] for i in range(len(SAMPLE))]) == EXPECTED


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=len(SAMPLE)), max_size=16))
def test_sample_any_chunking(cuts: list[int]) -> None:
    assert decode(cut(SAMPLE, cuts)) == EXPECTED


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200)
@given(
    st.lists(st.dictionaries(st.text(max_size=6), _json, max_size=4), min_size=1, max_size=6),
    st.sampled_from([b"\n", b"\r\n"]),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=600), max_size=10),
)
def test_generated_streams_any_chunking(
    objs: list[dict[str, Any]], eol: bytes, last_newline: bool, cuts: list[int]
) -> None:
    raw = eol.join(json.dumps(o, ensure_ascii=False).encode() for o in objs) + (eol if last_newline else b"")
    assert decode(cut(raw, cuts)) == objs


def test_a_last_line_without_newline_comes_out_of_close_or_complete_tail() -> None:
    dec = NDJSONDecoder()
    assert dec.feed(b'{"a":1}\n{"done":true}') == [{"a": 1}]
    assert dec.pending
    assert dec.complete_tail() == [{"done": True}] and not dec.pending
    assert dec.close() == []
    half = NDJSONDecoder()
    assert half.feed(b'{"a":{"b":1}') == [] and half.complete_tail() == [] and half.pending
    assert half.feed(b"}") == [] and half.complete_tail() == [{"a": {"b": 1}}]


def test_a_malformed_line_is_a_typed_error_naming_its_line() -> None:
    dec = NDJSONDecoder()
    with pytest.raises(NDJSONDecodeError) as info:
        dec.feed(b'{"ok":1}\n\n{"broken":\n')
    assert isinstance(info.value, ResponseDecodeError) and info.value.line == 3
    assert "line 3" in str(info.value) and '{"broken":' in str(info.value)
    # What came before the broken line in the same chunk is kept on the error.
    assert info.value.values == [{"ok": 1}]
    with pytest.raises(NDJSONDecodeError):
        NDJSONDecoder().feed(b"[" * 100_000 + b"\n")  # nested too deep: typed, not RecursionError


def test_a_line_past_the_cap_is_refused_whether_finished_or_not() -> None:
    dec = NDJSONDecoder(max_line_bytes=64)
    with pytest.raises(NDJSONLineTooLargeError) as info:
        dec.feed(b'{"x":"' + b"a" * 100)
    assert isinstance(info.value, ResponseTooLargeError) and info.value.limit == 64
    with pytest.raises(NDJSONLineTooLargeError):
        NDJSONDecoder(max_line_bytes=64).feed(b'{"x":"' + b"a" * 100 + b'"}\n')
    # Many small lines in one chunk are fine: the cap is per line.
    assert len(NDJSONDecoder(max_line_bytes=64).feed(b'{"a":1}\n' * 100)) == 100


# The dialect's stream decoder over the same framer: the same events however the stream is cut.
_STREAM = (
    b'{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"","thinking":"Hm"},"done":false}\n'
    b'{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"Caf\xc3\xa9 "},'
    b'"done":false}\n'
    b'{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"function":'
    b'{"name":"f","arguments":{"x":1}}},{"function":{"name":"g","arguments":{}}}]},"done":false}\n'
    b'{"model":"qwen3","created_at":"t","message":{"role":"assistant","content":""},"done":true,'
    b'"done_reason":"stop","prompt_eval_count":12,"eval_count":4,"total_duration":99}'  # no final newline
)


def _events(chunks: list[bytes]) -> list[Any]:
    from llmkit.dialects.base import CallContext
    from llmkit.dialects.ollama import OllamaStreamDecoder
    from llmkit.providers import get_spec

    dec = OllamaStreamDecoder(CallContext(get_spec("ollama_chat"), "qwen3", "http://localhost:11434"))
    out: list[Any] = []
    for chunk in chunks:
        out += dec.feed(chunk)
    assert dec.done and dec.error is None
    return out


def test_the_stream_decoder_reads_thinking_text_calls_and_the_final_line() -> None:
    from llmkit.types import Finish, ReasoningDelta, TextDelta, ToolCallDelta, UsageUpdate

    events = _events([_STREAM])
    assert events[:2] == [ReasoningDelta("Hm"), TextDelta("Café ")]
    assert events[2:4] == [ToolCallDelta(0, "call_0", "f", '{"x":1}'), ToolCallDelta(1, "call_1", "g", "{}")]
    assert isinstance(events[4], UsageUpdate) and events[4].usage.total_tokens == 16
    assert events[5] == Finish("tool_calls", "stop")


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=len(_STREAM)), max_size=12))
def test_the_stream_decoder_gives_the_same_events_under_any_chunking(cuts: list[int]) -> None:
    assert _events(cut(_STREAM, cuts)) == _events([_STREAM])


def test_the_stream_decoder_keeps_the_lines_before_a_broken_one() -> None:
    from llmkit.dialects.base import CallContext
    from llmkit.dialects.ollama import OllamaStreamDecoder
    from llmkit.providers import get_spec
    from llmkit.types import TextDelta

    dec = OllamaStreamDecoder(CallContext(get_spec("ollama_chat"), "m", "http://localhost:11434"))
    good = b'{"message":{"role":"assistant","content":"kept"},"done":false}\n'
    assert dec.feed(good + b'{"message": nope}\n') == [TextDelta("kept")]
    assert isinstance(dec.error, NDJSONDecodeError) and dec.error.provider == "ollama_chat"
    with pytest.raises(NDJSONDecodeError):
        OllamaStreamDecoder(CallContext(get_spec("ollama_chat"), "m", "http://x")).feed(b"not json\n")
