"""AWS event-stream framing, held against botocore's own parser on the same bytes."""

from __future__ import annotations

import json
import struct
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit.errors import ResponseDecodeError
from llmkit.framing.eventstream import (
    EventMessage,
    EventStreamDecodeError,
    EventStreamDecoder,
    HeaderType,
    HeaderValue,
    TypedHeader,
    decode_all,
)
from llmkit.framing.eventstream_encode import encode_error, encode_event, encode_exception, encode_message

eventstream = pytest.importorskip("botocore.eventstream")


# --------------------------------------------------------------------------- helpers


def botocore_messages(data: bytes) -> list[Any]:
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def as_botocore_value(value: HeaderValue) -> Any:
    """botocore keeps timestamps as int milliseconds and UUIDs as 16 raw bytes."""
    if isinstance(value, datetime):
        return (value - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    if isinstance(value, uuid.UUID):
        return value.bytes
    return value


def assert_same(ours: list[EventMessage], theirs: list[Any]) -> None:
    assert len(ours) == len(theirs)
    for mine, boto in zip(ours, theirs, strict=True):
        assert {k: as_botocore_value(v) for k, v in mine.headers.items()} == boto.headers
        assert mine.payload == boto.payload


def frame(header_bytes: bytes, payload: bytes) -> bytes:
    """Build a frame straight from the spec, independently of the module under test."""
    total = 12 + len(header_bytes) + len(payload) + 4
    head = struct.pack(">II", total, len(header_bytes))
    head += struct.pack(">I", zlib.crc32(head))
    body = head + header_bytes + payload
    return body + struct.pack(">I", zlib.crc32(body))


def raw_header(name: str, type_code: int, value: bytes) -> bytes:
    encoded = name.encode()
    return bytes([len(encoded)]) + encoded + bytes([type_code]) + value


def string_header(name: str, value: str) -> bytes:
    raw = value.encode()
    return raw_header(name, 7, struct.pack(">H", len(raw)) + raw)


# --------------------------------------------------------------------------- hand-built vectors

ALL_TYPES_HEADERS = b"".join(
    [
        raw_header("t", 0, b""),
        raw_header("f", 1, b""),
        raw_header("i8", 2, b"\xfe"),
        raw_header("i16", 3, b"\x80\x00"),
        raw_header("i32", 4, b"\x7f\xff\xff\xff"),
        raw_header("i64", 5, b"\xff" * 8),
        raw_header("blob", 6, b"\x00\x03\x00\x01\xff"),
        raw_header("str", 7, b"\x00\x05\xc3\xa9t\xc3\xa9"),
        raw_header("ts", 8, struct.pack(">q", 1_719_837_296_789)),
        raw_header("id", 9, bytes(range(16))),
    ]
)

VECTORS = {
    "empty": frame(b"", b""),
    "payload only": frame(b"", b'{"a":1}'),
    "all header types": frame(ALL_TYPES_HEADERS, b"payload"),
    "bedrock delta": frame(
        string_header(":event-type", "contentBlockDelta")
        + string_header(":content-type", "application/json")
        + string_header(":message-type", "event"),
        b'{"contentBlockIndex":0,"delta":{"text":"Hel"},"p":"abcdefghijklmn"}',
    ),
    "sagemaker payload part": frame(
        string_header(":event-type", "PayloadPart")
        + string_header(":content-type", "application/octet-stream")
        + string_header(":message-type", "event"),
        b'data: {"token":{"text":"Hel',  # a raw slice of the container output (Bytes is the event payload)
    ),
    "unmodelled error": frame(
        string_header(":message-type", "error")
        + string_header(":error-code", "InternalFailure")
        + string_header(":error-message", "boom"),
        b"",
    ),
    "unicode payload": frame(string_header("k", "日本語"), "héllo 🎉".encode()),
}


@pytest.mark.parametrize("name", list(VECTORS))
def test_hand_built_vectors_decode_like_botocore(name: str) -> None:
    data = VECTORS[name]
    assert_same(decode_all(data), botocore_messages(data))


def test_all_header_types_values() -> None:
    (message,) = decode_all(VECTORS["all header types"])
    assert message.headers == {
        "t": True,
        "f": False,
        "i8": -2,
        "i16": -32768,
        "i32": 2**31 - 1,
        "i64": -1,
        "blob": b"\x00\x01\xff",
        "str": "été",
        "ts": datetime(2024, 7, 1, 12, 34, 56, 789000, tzinfo=UTC),
        "id": uuid.UUID(bytes=bytes(range(16))),
    }
    # Re-encoding with the same wire types gives back the same bytes.
    types = [HeaderType(t) for t in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
    typed = {
        name: TypedHeader(kind, value)
        for (name, value), kind in zip(message.headers.items(), types, strict=True)
    }
    assert encode_message(typed, b"payload") == VECTORS["all header types"]


def test_all_vectors_in_one_stream_byte_by_byte() -> None:
    data = b"".join(VECTORS.values())
    decoder = EventStreamDecoder()
    got: list[EventMessage] = []
    for i in range(len(data)):
        got += decoder.feed(data[i : i + 1])
    decoder.finish()
    assert got == decode_all(data)
    assert_same(got, botocore_messages(data))


def test_every_split_offset() -> None:
    data = b"".join(VECTORS.values())
    whole = decode_all(data)
    for cut in range(len(data) + 1):
        decoder = EventStreamDecoder()
        got = decoder.feed(data[:cut]) + decoder.feed(data[cut:])
        decoder.finish()
        assert got == whole, cut


# --------------------------------------------------------------------------- our encoder, botocore's parser


def test_encoded_messages_parse_in_botocore() -> None:
    data = (
        encode_event("messageStart", b'{"role":"assistant"}')
        + encode_exception("throttlingException", b'{"message":"slow down"}')
        + encode_error("InternalFailure", "it broke")
        + encode_message(
            {
                "b": True,
                "n": TypedHeader(HeaderType.BYTE, -7),
                "s": TypedHeader(HeaderType.SHORT, 300),
                "big": 2**40,
                "when": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
                "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                "raw": b"\x00\xff",
            },
            b"\x00\x01binary",
        )
    )
    ours = decode_all(data)
    assert_same(ours, botocore_messages(data))
    assert [m.kind for m in ours] == ["event", "exception", "error", "event"]
    assert ours[0].event_type == "messageStart"
    assert ours[0].content_type == "application/json"
    assert ours[1].exception_type == "throttlingException"
    assert (ours[2].error_code, ours[2].error_message) == ("InternalFailure", "it broke")
    assert ours[3].message_type == "event"  # no :message-type header
    assert ours[3].event_type is None


_header_names = st.text(min_size=1, max_size=20).filter(lambda s: len(s.encode()) <= 255)
_header_values: st.SearchStrategy[HeaderValue | TypedHeader] = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.binary(max_size=40),
    st.text(max_size=40),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
    st.uuids(),
    st.integers(-128, 127).map(lambda n: TypedHeader(HeaderType.BYTE, n)),
    st.integers(-(2**15), 2**15 - 1).map(lambda n: TypedHeader(HeaderType.SHORT, n)),
)
_messages = st.tuples(st.dictionaries(_header_names, _header_values, max_size=6), st.binary(max_size=300))


def _plain(value: HeaderValue | TypedHeader) -> HeaderValue:
    return value.value if isinstance(value, TypedHeader) else value


@settings(max_examples=300, deadline=None)
@given(messages=st.lists(_messages, min_size=1, max_size=5), data=st.data())
def test_property_roundtrip_and_rechunking(messages: list[tuple[dict[str, Any], bytes]], data: Any) -> None:
    stream = b"".join(encode_message(headers, payload) for headers, payload in messages)
    expected = [EventMessage({k: _plain(v) for k, v in h.items()}, p) for h, p in messages]

    whole = decode_all(stream)
    assert whole == expected
    assert_same(whole, botocore_messages(stream))

    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    decoder = EventStreamDecoder()
    got: list[EventMessage] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got += decoder.feed(stream[start:end])
    decoder.finish()
    assert got == expected
    assert decoder.buffered == 0


# --------------------------------------------------------------------------- botocore's Bedrock parser


class _RawStream:
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def stream(self) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        pass


def _botocore_converse_stream(data: bytes) -> Any:
    session = pytest.importorskip("botocore.session").get_session()
    parsers = pytest.importorskip("botocore.parsers")
    model = session.get_service_model("bedrock-runtime")
    shape = model.operation_model("ConverseStream").output_shape.members["stream"]
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    return eventstream.EventStream(
        _RawStream(chunks), shape, parsers.EventStreamJSONParser(), "ConverseStream"
    )


def test_botocore_bedrock_parser_reads_our_events() -> None:
    events = [
        ("messageStart", {"role": "assistant"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi ✨"}}),
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": "end_turn"}),
        (
            "metadata",
            {"usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}, "metrics": {"latencyMs": 9}},
        ),
    ]
    data = b"".join(encode_event(name, json.dumps(body).encode()) for name, body in events)
    parsed = list(_botocore_converse_stream(data))
    assert parsed == [{name: body} for name, body in events]


def test_botocore_bedrock_parser_raises_our_exception() -> None:
    botocore_exceptions = pytest.importorskip("botocore.exceptions")
    data = encode_event("messageStart", b'{"role":"assistant"}') + encode_exception(
        "throttlingException", b'{"message":"Too many tokens"}'
    )
    stream = _botocore_converse_stream(data)
    with pytest.raises(botocore_exceptions.EventStreamError) as info:
        list(stream)
    assert info.value.response["Error"] == {"Code": "throttlingException", "Message": "Too many tokens"}


# --------------------------------------------------------------------------- corruption and limits


def test_every_single_byte_corruption_is_a_typed_error() -> None:
    original = VECTORS["bedrock delta"]
    for index in range(len(original)):
        corrupt = bytearray(original)
        corrupt[index] ^= 0x41
        with pytest.raises(ResponseDecodeError):
            decode_all(bytes(corrupt))
        # botocore refuses it too (with its own exception types).
        with pytest.raises(Exception):
            botocore_messages(bytes(corrupt))


def test_bad_prelude_crc_raises_before_the_body_arrives() -> None:
    data = bytearray(VECTORS["payload only"])
    data[11] ^= 1
    decoder = EventStreamDecoder()
    with pytest.raises(EventStreamDecodeError, match="prelude checksum"):
        decoder.feed(bytes(data[:12]))


def test_bad_message_crc() -> None:
    data = bytearray(VECTORS["payload only"])
    data[-1] ^= 1
    with pytest.raises(EventStreamDecodeError, match="message checksum"):
        decode_all(bytes(data))
    with pytest.raises(eventstream.ChecksumMismatch):
        botocore_messages(bytes(data))


def _prelude(total: int, headers_length: int) -> bytes:
    head = struct.pack(">II", total, headers_length)
    return head + struct.pack(">I", zlib.crc32(head))


@pytest.mark.parametrize(
    ("total", "headers_length", "match"),
    [
        (16 + 128 * 1024 + 1, 128 * 1024 + 1, "headers length"),
        (16 + 24 * 1024 * 1024 + 1, 0, "payload length"),
        (2**32 - 1, 0, "payload length"),
        (15, 0, "too small"),
        (20, 10, "too small"),
    ],
)
def test_insane_lengths_fail_at_the_prelude(total: int, headers_length: int, match: str) -> None:
    decoder = EventStreamDecoder()
    with pytest.raises(EventStreamDecodeError, match=match):
        decoder.feed(_prelude(total, headers_length))


def test_caps_match_botocore() -> None:
    for total, headers_length, error in [
        (16 + 128 * 1024 + 1, 128 * 1024 + 1, eventstream.InvalidHeadersLength),
        (16 + 24 * 1024 * 1024 + 1, 0, eventstream.InvalidPayloadLength),
    ]:
        with pytest.raises(error):
            botocore_messages(_prelude(total, headers_length))
    # Exactly at the caps is allowed (we only see the prelude, so nothing is returned yet).
    assert EventStreamDecoder().feed(_prelude(16 + 24 * 1024 * 1024, 0)) == []


@pytest.mark.parametrize(
    ("header_bytes", "match"),
    [
        (raw_header("x", 10, b""), "unknown value type"),
        (raw_header("x", 7, b"\x00\x05ab"), "runs past"),
        (raw_header("x", 4, b"\x00\x00"), "runs past"),
        (raw_header("x", 9, b"\x00" * 15), "runs past"),
        (b"\x05ab", "runs past"),
        (string_header("dup", "a") + string_header("dup", "b"), "duplicate"),
        (raw_header("x", 7, b"\x00\x02\xc3\x28"), "UTF-8"),
        (b"\x02\xff\xfe\x00", "UTF-8"),
    ],
)
def test_malformed_headers_with_valid_crcs(header_bytes: bytes, match: str) -> None:
    with pytest.raises(EventStreamDecodeError, match=match):
        decode_all(frame(header_bytes, b"{}"))


def test_good_messages_before_an_error_are_kept_and_decoder_is_spent() -> None:
    good = VECTORS["bedrock delta"]
    bad = bytearray(VECTORS["payload only"])
    bad[-2] ^= 0xFF
    decoder = EventStreamDecoder()
    with pytest.raises(EventStreamDecodeError) as info:
        decoder.feed(good + good + bytes(bad))
    assert len(info.value.messages) == 2
    assert info.value.messages[0].event_type == "contentBlockDelta"
    with pytest.raises(EventStreamDecodeError):
        decoder.feed(good)
    with pytest.raises(EventStreamDecodeError):
        decoder.finish()


def test_truncated_stream_is_reported_at_finish() -> None:
    data = VECTORS["bedrock delta"]
    decoder = EventStreamDecoder()
    assert decoder.feed(data[:-3]) == []
    assert decoder.buffered == len(data) - 3
    with pytest.raises(EventStreamDecodeError, match="ended inside a message"):
        decoder.finish()


def test_out_of_range_timestamp_is_a_typed_error() -> None:
    with pytest.raises(EventStreamDecodeError, match="timestamp"):
        decode_all(frame(raw_header("ts", 8, struct.pack(">q", 2**63 - 1)), b""))


def test_encoder_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        encode_message({"": "x"})
    with pytest.raises(ValueError):
        encode_message({"x" * 256: "x"})
    with pytest.raises(ValueError):
        encode_message({"x": "y" * 70000})
    with pytest.raises(ValueError):
        encode_message({"x": TypedHeader(HeaderType.BYTE, 300)})
    with pytest.raises(ValueError):
        encode_message({"x": 2**64})
    with pytest.raises(TypeError):
        encode_message({"x": 1.5})  # type: ignore[dict-item]


def test_botocore_sagemaker_parser_reads_our_payload_parts() -> None:
    session = pytest.importorskip("botocore.session").get_session()
    parsers = pytest.importorskip("botocore.parsers")
    botocore_exceptions = pytest.importorskip("botocore.exceptions")
    shape = (
        session.get_service_model("sagemaker-runtime")
        .operation_model("InvokeEndpointWithResponseStream")
        .output_shape.members["Body"]
    )
    # PayloadPart.Bytes is the event payload: raw container bytes, split anywhere (here inside "é").
    text = 'data: {"token":{"text":"é"}}\n\n'.encode()
    cut = text.index(b"\xc3") + 1
    data = encode_event("PayloadPart", text[:cut], content_type="application/octet-stream") + encode_event(
        "PayloadPart", text[cut:], content_type="application/octet-stream"
    )
    stream = eventstream.EventStream(_RawStream([data]), shape, parsers.EventStreamJSONParser(), "x")
    assert list(stream) == [{"PayloadPart": {"Bytes": text[:cut]}}, {"PayloadPart": {"Bytes": text[cut:]}}]
    assert b"".join(m.payload for m in decode_all(data)) == text

    failing = encode_exception(
        "ModelStreamError", b'{"Message":"timed out","ErrorCode":"ModelInvocationTimeExceeded"}'
    )
    stream = eventstream.EventStream(_RawStream([failing]), shape, parsers.EventStreamJSONParser(), "x")
    with pytest.raises(botocore_exceptions.EventStreamError) as info:
        list(stream)
    assert info.value.response["Error"] == {"Code": "ModelStreamError", "Message": "timed out"}
