"""The sans-I/O SSE decoder: exact whatever the chunking, and faithful to the WHATWG event-stream rules."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmkit.errors import ResponseDecodeError
from llmkit.framing.sse import ServerSentEvent, SSEDecoder

Event = tuple[str, str, str | None]  # (event, data, id)


def reference(raw: bytes) -> list[Event]:
    """An independent, whole-buffer reading of the WHATWG rules (never chunked)."""
    text = raw.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # what follows the last terminator is incomplete
    events: list[Event] = []
    data: list[str] = []
    kind = ""
    last_id: str | None = None
    for line in lines:
        if line == "":
            if data:
                events.append((kind or "message", "\n".join(data), last_id))
            data, kind = [], ""
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
        elif name == "id" and "\0" not in value:
            last_id = value
    return events


def as_tuples(events: list[ServerSentEvent]) -> list[Event]:
    return [(e.event, e.data, e.id) for e in events]


def decode(chunks: list[bytes]) -> list[Event]:
    dec = SSEDecoder()
    out: list[ServerSentEvent] = []
    for c in chunks:
        out.extend(dec.feed(c))
    return as_tuples(out)


def split_at(raw: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(max(c, 0), len(raw)) for c in cuts})
    pieces, start = [], 0
    for p in points:
        pieces.append(raw[start:p])
        start = p
    pieces.append(raw[start:])
    return pieces


# A stream with everything awkward in it: BOM, CRLF / CR / LF, multi-byte UTF-8 (emoji is 4 bytes,
# CJK 3), comments, retry:, an id with NUL, an unknown event name, multi-line data, a field with no colon.
SAMPLE = (
    "\ufeff: keep-alive\r\n"
    "retry: 3000\n"
    "id: 1\r\n"
    'data: {"text": "héllo 👋🏽 世界"}\r\n'
    "\r\n"
    "event: mystery_event\r"
    "data: line one\r"
    "data:  two leading spaces\r"
    "data\r"
    "\r"
    "id: bad\0id\n"
    ":\n"
    "data: 🎉🎉\n"
    "\n"
    "event: ping\n"
    "\n"
    "data: [DONE]\n"
    "\n"
).encode()

SAMPLE_EVENTS: list[Event] = [
    ("message", '{"text": "héllo 👋🏽 世界"}', "1"),
    ("mystery_event", "line one\n two leading spaces\n", "1"),
    ("message", "🎉🎉", "1"),
    ("message", "[DONE]", "1"),
]


def test_sample_decodes_as_the_reference_says() -> None:
    assert reference(SAMPLE) == SAMPLE_EVENTS
    assert decode([SAMPLE]) == SAMPLE_EVENTS


def test_every_two_way_split_gives_the_same_events() -> None:
    for i in range(len(SAMPLE) + 1):
        assert decode([SAMPLE[:i], SAMPLE[i:]]) == SAMPLE_EVENTS, f"split at byte {i}"


def test_byte_by_byte_gives_the_same_events() -> None:
    assert decode([SAMPLE[i : i + 1] for i in range(len(SAMPLE))]) == SAMPLE_EVENTS


def test_split_inside_crlf_and_inside_multibyte_characters() -> None:
    emoji = SAMPLE.index("👋".encode())
    cjk = SAMPLE.index("世".encode())
    crlf = SAMPLE.index(b"\r\n")
    for cut in (emoji + 1, emoji + 2, emoji + 3, cjk + 1, cjk + 2, crlf + 1):
        assert decode([SAMPLE[:cut], SAMPLE[cut:]]) == SAMPLE_EVENTS


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=len(SAMPLE)), max_size=12))
def test_sample_any_chunking(cuts: list[int]) -> None:
    assert decode(split_at(SAMPLE, cuts)) == SAMPLE_EVENTS


# ---------------------------------------------------------------- generated streams

VALUE_CHARS = st.sampled_from([*'ab :{}"é€世界👋🎉\0', "\ufeff"])
values = st.text(VALUE_CHARS, max_size=8)
FIELDS = st.sampled_from(["data", "data", "data", "event", "id", "retry", "x-unknown"])
ENDINGS = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["field", "field", "blank", "comment", "bare"]))
    if kind == "blank":
        return ""
    if kind == "comment":
        return ":" + draw(values)
    if kind == "bare":  # a field name with no colon at all
        return draw(st.sampled_from(["data", "event", "id", "junk"]))
    sep = draw(st.sampled_from([": ", ":", ":  "]))
    return draw(FIELDS) + sep + draw(values)


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    body = "".join(line + draw(ENDINGS) for line in draw(st.lists(lines(), max_size=25)))
    bom = "\ufeff" if draw(st.booleans()) else ""
    # End on LF so the final terminator is unambiguous for any chunking (see the CR test below).
    return (bom + body + "\n\n").encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams(), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_generated_streams_match_reference_under_any_chunking(raw: bytes, cuts: list[int]) -> None:
    expected = reference(raw)
    assert decode([raw]) == expected
    assert decode(split_at(raw, cuts)) == expected


@settings(max_examples=60, deadline=None)
@given(streams())
def test_generated_streams_every_single_split(raw: bytes) -> None:
    expected = reference(raw)
    for i in range(len(raw) + 1):
        assert decode([raw[:i], raw[i:]]) == expected


# ---------------------------------------------------------------- individual rules


def test_line_endings_cr_crlf_lf_are_equivalent() -> None:
    for nl in ("\n", "\r\n", "\r"):
        raw = f"event: a{nl}data: 1{nl}data: 2{nl}{nl}data: 3{nl}{nl}".encode()
        # a trailing lone CR is only known to be a full terminator once more bytes arrive
        events = decode([raw + b"\n"]) if nl == "\r" else decode([raw])
        assert events == [("a", "1\n2", None), ("message", "3", None)], repr(nl)


def test_comments_and_keepalives_are_ignored() -> None:
    raw = b": ping\n\n:\n:another\ndata: x\n\n: trailing keep-alive\n\n"
    assert decode([raw]) == [("message", "x", None)]


def test_retry_field_sets_reconnection_time_and_garbage_is_ignored() -> None:
    dec = SSEDecoder()
    dec.feed(b"retry: 2500\n\n")
    assert dec.retry == 2500
    dec.feed(b"retry: soon\n\nretry: -1\n\nretry: 1.5\n\n")
    assert dec.retry == 2500


def test_id_with_nul_is_ignored() -> None:
    raw = b"id: 7\ndata: a\n\nid: x\x00y\ndata: b\n\nid:\ndata: c\n\n"
    assert decode([raw]) == [("message", "a", "7"), ("message", "b", "7"), ("message", "c", "")]


def test_multiline_data_is_joined_with_newlines() -> None:
    assert decode([b"data: a\ndata:\ndata:b\ndata:  c\n\n"]) == [("message", "a\n\nb\n c", None)]


def test_bom_only_stripped_at_the_very_start() -> None:
    bom = "\ufeff".encode()
    assert decode([bom + b"data: x\n\n"]) == [("message", "x", None)]
    assert decode([bom[:1], bom[1:2], bom[2:] + b"data: x\n\n"]) == [("message", "x", None)]
    # later in the stream it is ordinary text: "\ufeffdata" is an unknown field name
    assert decode([b"data: a\n\n" + bom + b"data: b\n\n"]) == [("message", "a", None)]


def test_unknown_event_names_are_kept() -> None:
    assert decode([b"event: brand_new_thing\ndata: {}\n\n"]) == [("brand_new_thing", "{}", None)]


def test_event_type_resets_after_dispatch_and_after_empty_event() -> None:
    raw = b"event: a\n\nevent: b\ndata: 1\n\ndata: 2\n\n"
    assert decode([raw]) == [("b", "1", None), ("message", "2", None)]


def test_incomplete_trailing_event_is_not_dispatched() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: a\n\ndata: partial") == [ServerSentEvent("a")]
    assert dec.pending


def test_invalid_utf8_becomes_replacement_character_not_an_exception() -> None:
    assert decode([b"data: \xff\xfe ok\n\n"]) == [("message", "\ufffd\ufffd ok", None)]


def test_oversize_line_raises_response_decode_error() -> None:
    dec = SSEDecoder(max_line_bytes=1024)
    dec.feed(b"data: " + b"x" * 500)
    with pytest.raises(ResponseDecodeError, match="longer than 1024"):
        for _ in range(10):
            dec.feed(b"x" * 200)


def test_oversize_line_default_cap_is_finite() -> None:
    dec = SSEDecoder()
    assert 0 < dec.max_line_bytes <= 64 * 1024 * 1024
    with pytest.raises(ResponseDecodeError):
        dec.feed(b"x" * (dec.max_line_bytes + 1))


def test_cr_terminated_event_is_dispatched_without_waiting_for_more_bytes() -> None:
    assert decode([b"data: x\r\r"]) == [("message", "x", None)]
