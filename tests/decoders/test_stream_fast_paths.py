"""Issue 17: the stream decoders' fast paths (SSE's one-event chunk with LF or CRLF endings, AWS
event-stream messages made from a shared header section, Bedrock's plain text delta, Gemini's
text-only chunk) give exactly what the general paths give."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

from llmkit.dialects.anthropic._stream import AnthropicStreamDecoder
from llmkit.dialects.bedrock._stream import BedrockConverseStreamDecoder
from llmkit.dialects.gemini._stream import GeminiStreamDecoder
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.framing.eventstream import EventMessage, EventStreamDecoder
from llmkit.framing.eventstream_encode import encode_event, encode_message
from llmkit.framing.sse import ServerSentEvent, SSEDecoder
from llmkit.types import (
    Citation,
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    Usage,
    UsageUpdate,
)

# ---------------------------------------------------------------- SSE

SSE_BODIES = [
    b'data: {"a":1}\n\ndata: {"a":2}\n\n',
    b'data: {"a":1}\r\n\r\ndata: {"a":2}\r\n\r\n',
    b"data: one\r\rdata: two\r\r",
    b"\xef\xbb\xbfdata: first\r\n\r\nid: 7\r\n\r\ndata: after an id\r\n\r\n",
    b"event: ping\ndata: named\n\ndata: plain\n\n: a comment\n\ndata: x\ndata: y\n\n",
    b"data: CR inside\rstill\r\n\r\ndata: ok\r\n\r\n",
    b"retry: 5\n\ndata: \xc3\xa9t\xc3\xa9\r\n\r\n",
    # Anthropic's shape, one named event a chunk, and what only looks like it.
    b'data: {}\n\nevent: message_start\ndata: {"a":1}\n\nevent: delta\ndata: \xc3\xa9\n\nevent: \ndata: \n\n',
    b"data: 0\n\nevent: a\nid: 3\n\nevent: b\r\ndata: c\n\nevent: d\ndata: e\rf\n\nevent: g\n\n\n",
    b"data: 0\n\nevent: a:b\ndata:  two spaces\n\nevent:x\ndata: y\n\nevent: z\ndata: w\n\n",
]


def _events(body: bytes) -> list[bytes]:
    """The body cut after every blank line: one event per chunk, as providers flush them."""
    out, start = [], 0
    for i in range(len(body)):
        if body[i : i + 4] == b"\r\n\r\n":
            out.append(body[start : i + 4])
            start = i + 4
        elif body[i : i + 2] in (b"\n\n", b"\r\r") and (i == 0 or body[i - 1 : i] != b"\r"):
            out.append(body[start : i + 2])
            start = i + 2
    return [c for c in [*out, body[start:]] if c]


def _feed(chunks: list[bytes]) -> tuple[list[ServerSentEvent], str | None]:
    decoder = SSEDecoder()
    got = [ev for chunk in chunks for ev in decoder.feed(chunk)]
    return got, decoder.last_event_id


@pytest.mark.parametrize("body", SSE_BODIES)
def test_sse_one_event_chunks_match_any_other_cut(body: bytes) -> None:
    bytewise = _feed([body[i : i + 1] for i in range(len(body))])  # never one whole event a chunk
    assert _feed(_events(body)) == bytewise
    assert _feed([body]) == bytewise
    for cut in range(1, len(body)):
        assert _feed([body[:cut], body[cut:]]) == bytewise, cut


@pytest.mark.parametrize("body", SSE_BODIES)
def test_sse_feed_data_is_feed_s_data(body: bytes) -> None:
    decoder = SSEDecoder()
    got = [data for chunk in _events(body) for data in decoder.feed_data(chunk)]
    assert got == [ev.data for ev in _feed(_events(body))[0]]


def test_sse_fast_path_keeps_the_last_event_id_and_the_cap() -> None:
    decoder = SSEDecoder(max_line_bytes=64)
    assert decoder.feed(b"id: 9\n\n") == []
    (ev,) = decoder.feed(b"data: x\r\n\r\n")
    assert (ev.data, ev.event, ev.id) == ("x", "message", "9")
    with pytest.raises(ResponseDecodeError):
        decoder.feed(b"data: " + b"y" * 80 + b"\r\n\r\n")


def test_sse_named_fast_path_keeps_the_last_event_id_and_the_cap() -> None:
    decoder = SSEDecoder(max_line_bytes=64)
    assert decoder.feed(b"id: 9\n\n") == []
    (ev,) = decoder.feed(b"event: content_block_delta\ndata: x\n\n")
    assert (ev.data, ev.event, ev.id) == ("x", "content_block_delta", "9")
    with pytest.raises(ResponseDecodeError):
        decoder.feed(b"event: e\ndata: " + b"y" * 80 + b"\n\n")


def test_sse_chunk_after_a_partial_one_is_not_taken_whole() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: start\n\n") == [ServerSentEvent("start")]
    assert decoder.feed(b"data: half") == []
    # Looks like one whole event, but it continues the pending line.
    assert decoder.feed(b"data: two\n\n") == [ServerSentEvent("halfdata: two")]


# ---------------------------------------------------------------- AWS event stream messages

HEADERS: dict[str, Any] = {":event-type": "contentBlockDelta", ":content-type": "application/json"}


def test_decoded_messages_are_like_constructed_ones() -> None:
    frames = [encode_event("contentBlockDelta", b'{"n":%d}' % i) for i in range(3)]
    decoded = EventStreamDecoder().feed(b"".join(frames))
    made = [EventMessage({**HEADERS, ":message-type": "event"}, b'{"n":%d}' % i) for i in range(3)]
    assert decoded == made
    assert [(m.kind, m.event_type) for m in decoded] == [(m.kind, m.event_type) for m in made]
    assert repr(decoded[0]) == repr(made[0])
    assert "contentBlockDelta" in repr(decoded[0]) and '{"n":0}' in repr(decoded[0])
    with pytest.raises(TypeError):
        hash(decoded[0])


def test_a_decoded_message_s_headers_are_copied_only_for_itself() -> None:
    first, second = EventStreamDecoder().feed(encode_event("x", b"{}") * 2)
    assert first.headers is first.headers  # one copy, kept
    first.headers[":event-type"] = "changed"
    assert second.headers[":event-type"] == "x" and second.event_type == "x"
    (third,) = EventStreamDecoder().feed(encode_event("x", b"{}"))
    assert third.headers[":event-type"] == "x"


@pytest.mark.parametrize(
    ("headers", "kind", "event_type", "message_type"),
    [
        (
            {":message-type": "exception", ":exception-type": "throttlingException"},
            "exception",
            None,
            "exception",
        ),
        ({":message-type": "error", ":error-code": "Boom"}, "error", None, "error"),
        ({":event-type": "messageStart"}, "event", "messageStart", "event"),
        ({":message-type": "other", ":event-type": 5}, "event", None, "other"),
    ],
)
def test_kind_and_event_type_from_the_shared_section(
    headers: dict[str, Any], kind: str, event_type: str | None, message_type: str
) -> None:
    for _ in range(2):  # parsed, then from the section cache
        (msg,) = EventStreamDecoder().feed(encode_message(headers, b"{}"))
        assert (msg.kind, msg.event_type, msg.message_type) == (kind, event_type, message_type)
        made = EventMessage(dict(msg.headers), b"{}")
        assert (made.kind, made.event_type, made.message_type) == (kind, event_type, message_type)
    if kind == "exception":
        assert msg.exception_type == "throttlingException"
    if kind == "error":
        assert msg.error_code == "Boom" and msg.error_message is None


# ---------------------------------------------------------------- Bedrock ConverseStream

CTX: Any = types.SimpleNamespace(provider="bedrock", model="m")


def _bedrock(*frames: tuple[str, bytes]) -> tuple[list[StreamEvent], list[Any]]:
    decoder = BedrockConverseStreamDecoder(CTX)
    out = [ev for name, payload in frames for ev in decoder.feed(encode_event(name, payload))]
    return out, decoder.raw_events


def _delta(obj: Any) -> tuple[str, bytes]:
    return ("contentBlockDelta", json.dumps(obj).encode())


def test_bedrock_plain_and_other_deltas() -> None:
    plain = {"contentBlockIndex": 0, "delta": {"text": "b"}, "p": "pad"}
    extra_inner = {"contentBlockIndex": 0, "delta": {"text": "c", "more": 1}}
    extra_outer = {"contentBlockIndex": 0, "delta": {"text": "d"}, "more": 1}
    empty = {"contentBlockIndex": 0, "delta": {"text": ""}}
    out, raw = _bedrock(
        ("messageStart", b'{"role":"assistant"}'),
        _delta({"contentBlockIndex": 0, "delta": {"text": "a"}}),
        _delta(plain),
        _delta(extra_inner),
        _delta(extra_outer),
        _delta(empty),
        ("messageStop", b'{"stopReason":"end_turn"}'),
    )
    assert out == [
        TextDelta("a"),
        TextDelta("b"),
        TextDelta("c"),
        TextDelta("d"),
        Finish(FinishReason.STOP, "end_turn"),
    ]
    # The first event and anything more than a plain delta are kept; plain deltas are not.
    assert raw == [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": extra_inner},
        {"contentBlockDelta": extra_outer},
        {"messageStop": {"stopReason": "end_turn"}},
    ]


@pytest.mark.parametrize(
    "payload",
    [
        b'\xef\xbb\xbf{"delta":{"text":"bom"}}',
        '{"delta":{"text":"bom"}}'.encode("utf-16"),
    ],
    ids=["utf-8 BOM", "utf-16"],
)
def test_bedrock_payloads_json_loads_accepts_still_decode(payload: bytes) -> None:
    out, _ = _bedrock(("messageStart", b"{}"), ("contentBlockDelta", payload))
    assert out == [TextDelta("bom")]


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b'{"delta":{"text":5}}', "holds int"),
        (b"[1]", "not an object"),
        (b"nope", "not JSON"),
        (b"\xff\xfe\xfa", "not JSON"),
    ],
)
def test_bedrock_bad_payloads_are_typed(payload: bytes, match: str) -> None:
    with pytest.raises(ResponseDecodeError, match=match) as info:
        _bedrock(("messageStart", b"{}"), ("contentBlockDelta", payload))
    assert info.value.provider == "bedrock"


# ---------------------------------------------------------------- Gemini streamGenerateContent


def _gemini_chunk(parts: list[Any], **cand: Any) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"parts": parts, "role": "model"}, "index": 0, **cand}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5},
        "modelVersion": "gemini-x",
        "responseId": "r1",
    }


def _gemini(chunks: list[Any], crlf: bool = True) -> tuple[GeminiStreamDecoder, list[StreamEvent]]:
    decoder = GeminiStreamDecoder(types.SimpleNamespace(provider="gemini", model="m"))  # type: ignore[arg-type]
    end = b"\r\n\r\n" if crlf else b"\n\n"
    out = []
    for chunk in chunks:
        data = chunk if isinstance(chunk, bytes) else json.dumps(chunk).encode()
        out += decoder.feed(b"data: " + data + end)
    return decoder, out


@pytest.mark.parametrize("crlf", [True, False])
def test_gemini_text_chunks_then_citations_and_finish(crlf: bool) -> None:
    cited = _gemini_chunk(
        [{"text": "c"}],
        citationMetadata={"citationSources": [{"uri": "https://example.com/a", "title": "A"}]},
    )
    last = _gemini_chunk([{"text": "d"}], finishReason="STOP")
    decoder, out = _gemini(
        [
            _gemini_chunk([{"text": "a"}]),
            _gemini_chunk([{"text": "b"}]),
            _gemini_chunk([{"text": ""}]),
            b"   ",
            cited,
            _gemini_chunk([{"text": "t", "thought": True}]),
            last,
        ],
        crlf,
    )
    assert out == [
        TextDelta("a"),
        TextDelta("b"),
        TextDelta("c"),
        ReasoningDelta(text="t"),
        TextDelta("d"),
        UsageUpdate(Usage(input_tokens=3, output_tokens=2, total_tokens=5)),
        Finish(FinishReason.STOP, "STOP"),
    ]
    assert decoder.citations == [Citation(url="https://example.com/a", title="A")]
    assert (decoder.response_id, decoder.response_model, decoder.done) == ("r1", "gemini-x", True)
    # The first chunk and those saying more than text are kept: not the plain ones.
    assert decoder.raw_events == [_gemini_chunk([{"text": "a"}]), cited, last]


def test_gemini_fast_path_tracks_id_model_and_usage() -> None:
    first = _gemini_chunk([{"text": "a"}])
    second = {**_gemini_chunk([{"text": "b"}]), "responseId": "r2", "modelVersion": "gemini-y"}
    second["usageMetadata"] = {"promptTokenCount": 4, "candidatesTokenCount": 9, "totalTokenCount": 13}
    final = {"candidates": [{"content": {"parts": []}, "finishReason": "MAX_TOKENS"}]}
    decoder, out = _gemini([first, second, final])
    assert (decoder.response_id, decoder.response_model) == ("r2", "gemini-y")
    assert out[-2:] == [
        UsageUpdate(Usage(input_tokens=4, output_tokens=9, total_tokens=13)),
        Finish(FinishReason.LENGTH, "MAX_TOKENS"),
    ]


@pytest.mark.parametrize(
    ("parts", "events", "kept"),
    [
        # TextDelta(42) is the accumulator's to refuse (a typed error at the stream boundary).
        ([{"text": 42}], [TextDelta(42)], 1),  # type: ignore[arg-type]
        ([{"text": "a", "thoughtSignature": "s"}], [ReasoningDelta(signature="s"), TextDelta("a")], 2),
        ([{"text": "a"}, {"text": "b"}], [TextDelta("a"), TextDelta("b")], 1),
    ],
    ids=["text an int", "signed", "two parts"],
)
def test_gemini_other_parts_take_the_general_path(parts: list[Any], events: list[Any], kept: int) -> None:
    decoder, out = _gemini([_gemini_chunk([{"text": "x"}]), _gemini_chunk(parts)])
    assert out == [TextDelta("x"), *events]
    assert len(decoder.raw_events) == kept


def test_gemini_undecodable_event_is_typed() -> None:
    with pytest.raises(ResponseDecodeError, match="undecodable") as info:
        _gemini([_gemini_chunk([{"text": "x"}]), b"{nope"])
    assert info.value.provider == "gemini"


def test_gemini_stream_decoder_is_still_named_by_its_old_module() -> None:
    from llmkit.dialects.gemini import _response, _stream

    assert _response.GeminiStreamDecoder is _stream.GeminiStreamDecoder
    with pytest.raises(AttributeError):
        _response.NoSuchName  # noqa: B018


# ---------------------------------------------------------------- Anthropic


def _anthropic_event(obj: dict[str, Any], name: str | None = None) -> bytes:
    return f"event: {name or obj['type']}\ndata: {json.dumps(obj)}\n\n".encode()


def _text_delta(text: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text, **extra}}


def test_anthropic_plain_text_deltas_are_read_inline_and_not_kept() -> None:
    decoder = AnthropicStreamDecoder("anthropic", "m")
    start = {"type": "message_start", "message": {"id": "msg_1", "model": "m", "usage": {"input_tokens": 3}}}
    events: list[StreamEvent] = []
    for obj in (start, _text_delta("a"), _text_delta(""), _text_delta("b"), _text_delta("c", extra=1)):
        events += decoder.feed(_anthropic_event(obj))
    assert events == [
        UsageUpdate(Usage(input_tokens=3, total_tokens=3)),
        TextDelta("a"),
        TextDelta("b"),
        TextDelta("c"),
    ]
    # The first event and the delta with a key a plain one lacks are kept; the plain ones are not.
    assert [obj["type"] for obj in decoder.raw_events] == ["message_start", "content_block_delta"]
    assert decoder.raw_events[1]["delta"]["extra"] == 1


def test_anthropic_text_delta_that_is_not_a_string_is_typed() -> None:
    decoder = AnthropicStreamDecoder("anthropic", "m")
    with pytest.raises(ResponseDecodeError, match="not a string"):
        decoder.feed(_anthropic_event(_text_delta(["x"])))


def test_anthropic_delta_sent_as_an_error_event_is_the_error() -> None:
    decoder = AnthropicStreamDecoder("anthropic", "m")
    assert decoder.feed(_anthropic_event(_text_delta("a"))) == [TextDelta("a")]
    with pytest.raises(ProviderError):
        decoder.feed(_anthropic_event(_text_delta("b"), name="error"))


# ---------------------------------------------------------------- JSON text

JSON_TEXTS = [
    '{"a":[1,2.5,"x",null,true]}',
    " {}",
    "{} ",
    "\n[1]\n",
    "3",
    '"s"',
    "NaN",
    '{"a":1}{"b":2}',
    "[1] x",
]
BAD_JSON_TEXTS = ["", " ", "{", "\ufeff{}", "{}x", "[1,]", "'a'"]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_json_text_loads_is_json_loads(text: str) -> None:
    from llmkit.framing.json_text import loads

    try:
        want: Any = json.loads(text)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc).split(":")[0]):
            loads(text)
    else:
        got = loads(text)
        assert json.dumps(got) == json.dumps(want)


@pytest.mark.parametrize("text", BAD_JSON_TEXTS)
def test_json_text_loads_refuses_what_json_loads_refuses(text: str) -> None:
    from llmkit.framing.json_text import loads

    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        loads(text)
