"""Issue 17: the AWS event-stream decoder's fast paths (CRC once per byte, header sections parsed
once per distinct section, messages cut straight from the chunk) keep it exact."""

from __future__ import annotations

import types
import zlib
from typing import Any

import pytest

from llmkit.framing import eventstream
from llmkit.framing.eventstream import EventStreamDecodeError, EventStreamDecoder
from llmkit.framing.eventstream_encode import encode_event

FRAMES = [encode_event("contentBlockDelta", b'{"delta":{"text":"t%d"}}' % i) for i in range(50)]


def test_each_byte_goes_through_crc32_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def crc32(data: Any, start: int = 0) -> int:
        seen.append(len(data))
        return zlib.crc32(data, start)

    monkeypatch.setattr(eventstream, "zlib", types.SimpleNamespace(crc32=crc32))
    messages = EventStreamDecoder().feed(b"".join(FRAMES))
    assert len(messages) == len(FRAMES)
    # The prelude's 8 bytes, then the rest up to the message CRC, continued from the prelude's.
    assert sum(seen) == sum(len(f) - 4 for f in FRAMES)


def test_a_message_s_headers_are_its_own() -> None:
    first, second = EventStreamDecoder().feed(FRAMES[0] + FRAMES[1])
    first.headers[":event-type"] = "changed"
    assert second.headers[":event-type"] == "contentBlockDelta"
    (third,) = EventStreamDecoder().feed(FRAMES[2])
    assert third.headers == {
        ":event-type": "contentBlockDelta",
        ":content-type": "application/json",
        ":message-type": "event",
    }


@pytest.mark.parametrize("cut", [1, 11, 12, 13, 40])
def test_chunks_cut_anywhere_and_as_bytearray(cut: int) -> None:
    body = b"".join(FRAMES[:3])
    decoder = EventStreamDecoder()
    got = decoder.feed(body[:cut]) + decoder.feed(bytearray(body[cut:]))
    assert [m.payload for m in got] == [
        f[-4 - len(m.payload) : -4] for f, m in zip(FRAMES, got, strict=False)
    ]
    assert len(got) == 3 and decoder.buffered == 0


def test_a_corrupted_message_crc_is_still_caught() -> None:
    bad = bytearray(FRAMES[0])
    bad[-6] ^= 0xFF  # a payload byte: the prelude is intact, the message CRC is not
    with pytest.raises(EventStreamDecodeError, match="message checksum mismatch"):
        EventStreamDecoder().feed(bytes(bad))


# Direct messages up to _SLICE_CHECKED are CRC-checked on a copied slice, larger or buffered ones
# through a memoryview: both must decode the same messages and catch the same corruption.
SMALL = encode_event("chunk", b"s" * 100)
LARGE = encode_event("chunk", b"L" * (eventstream._SLICE_CHECKED + 1))
EDGE = encode_event("chunk", b"e" * (eventstream._SLICE_CHECKED - len(SMALL) + 100))


def test_the_slice_and_view_checks_agree() -> None:
    assert len(EDGE) == eventstream._SLICE_CHECKED and len(LARGE) > eventstream._SLICE_CHECKED
    body = SMALL + LARGE + EDGE + SMALL
    direct = EventStreamDecoder().feed(body)
    decoder = EventStreamDecoder()
    buffered = decoder.feed(body[:5]) + decoder.feed(body[5:])
    assert direct == buffered and [len(m.payload) for m in direct] == [
        100,
        eventstream._SLICE_CHECKED + 1,
        len(EDGE) - len(SMALL) + 100,
        100,
    ]
    assert all(type(m.payload) is bytes for m in direct + buffered)


@pytest.mark.parametrize("frame", [SMALL, EDGE, LARGE], ids=["small", "edge", "large"])
@pytest.mark.parametrize("split", [False, True])
def test_a_corrupted_payload_is_caught_on_either_check(frame: bytes, split: bool) -> None:
    bad = bytearray(SMALL + frame)
    bad[-6] ^= 0xFF
    decoder = EventStreamDecoder()
    with pytest.raises(EventStreamDecodeError, match="message checksum mismatch") as caught:
        if split:
            decoder.feed(bytes(bad[:3]))
        decoder.feed(bytes(bad[3:] if split else bad))
    assert [m.payload for m in caught.value.messages] == [b"s" * 100]  # the good one before it
    assert decoder.buffered == 0
