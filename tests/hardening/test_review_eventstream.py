"""Review of AWS event-stream framing errors inside a stream (Bedrock, SageMaker).

A frame whose prelude lies (a total length past the payload cap, or one that makes the message
checksum fail) arriving in the same read as good frames lost those good frames: the decoder
raised before handing them on, so ``partial`` was empty (cap) or missing altogether (checksum;
``partial`` was only attached to ProviderErrors). Every in-stream error keeps what arrived before
it (docs/security.md); these now do too, sync and async."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from typing import Any

import _transport_servers as ts  # tests/hardening/conftest.py: on sys.path
import pytest

import llmkit
from llmkit.errors import LLMKitError
from llmkit.framing.eventstream import EventStreamDecodeError
from llmkit.framing.eventstream_encode import encode_event

AWS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "fake-secret", "region": "us-east-1"}


def _lying(frame: bytes, total: int) -> bytes:
    """``frame`` with its prelude's total length replaced (and the prelude checksum made valid)."""
    prelude = struct.pack(">II", total, struct.unpack(">I", frame[4:8])[0])
    return prelude + struct.pack(">I", zlib.crc32(prelude)) + frame[12:]


def _bedrock_good() -> tuple[bytes, bytes]:
    delta = {"contentBlockIndex": 0, "delta": {"text": "hello"}}
    good = encode_event("messageStart", b'{"role":"assistant"}') + encode_event(
        "contentBlockDelta", json.dumps(delta).encode()
    )
    tail = {"contentBlockIndex": 0, "delta": {"text": "x"}}
    more = encode_event("contentBlockDelta", json.dumps(tail).encode())
    return good, more


def _sagemaker_good() -> tuple[bytes, bytes]:
    # The default "messages" format: the container's OpenAI-style SSE bytes in PayloadParts.
    part = "application/octet-stream"
    return (
        encode_event("PayloadPart", ts.sse_chunk("hello"), content_type=part),
        encode_event("PayloadPart", ts.sse_chunk("x"), content_type=part),
    )


LIES = {"past-the-cap": lambda f: _lying(f, 0x7FFFFFFF), "checksum": lambda f: _lying(f, len(f) - 4)}
FAMILIES = {
    "bedrock": ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", _bedrock_good),
    "sagemaker": ("sagemaker/my-endpoint", _sagemaker_good),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("lie", sorted(LIES))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_lying_frame_after_good_ones_keeps_them_in_partial(mode: str, lie: str, family: str) -> None:
    model, frames = FAMILIES[family]
    good, more = frames()
    body = good + LIES[lie](more)

    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            ts.respond(sock, 200, body, {"Content-Type": "application/vnd.amazon.eventstream"})

    with ts.Server(handler) as server:
        kw: dict[str, Any] = {"base_url": server.url, "max_retries": 0, **AWS}
        with pytest.raises(LLMKitError) as info:
            if mode == "sync":
                with llmkit.stream(model, "hi", **kw) as s:
                    list(s)
            else:

                async def go() -> None:
                    async with llmkit.AsyncClient() as c, c.stream(model, "hi", **kw) as s:
                        [e async for e in s]

                asyncio.run(go())
    assert isinstance(info.value, EventStreamDecodeError)
    partial = getattr(info.value, "partial", None)
    assert partial is not None and partial.text == "hello"
    assert len(server.requests) == 1
