"""ConverseStream: ``application/vnd.amazon.eventstream`` frames, in-stream exceptions, stream faults."""

from __future__ import annotations

import json
import string
import struct
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, stream_reply
from llmkit.emulator.bedrock._aws import request_id
from llmkit.emulator.bedrock._converse import reasoning_signature, stop_reason_of, tool_use_id, usage_of
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Reply
from llmkit.framing.eventstream_encode import CONTENT_TYPE, encode_event, encode_exception

# In-stream exception members of ConverseStreamOutput.
STREAM_EXCEPTIONS = {
    "throttlingexception": "throttlingException",
    "validationexception": "validationException",
    "modelstreamerrorexception": "modelStreamErrorException",
    "internalserverexception": "internalServerException",
    "serviceunavailableexception": "serviceUnavailableException",
}
_PADDING = string.ascii_letters + string.digits


def _padding(n: int) -> str:
    # The service pads event payloads with a "p" member of varying length.
    return _PADDING[: 1 + n % len(_PADDING)]


def _event(kind: str, payload: dict[str, Any], n: int) -> bytes:
    return encode_event(kind, json.dumps({**payload, "p": _padding(n)}).encode())


def _stream_events(body: dict[str, Any], script: Script) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "messageStart", {"role": "assistant"}
    index = 0
    if script.reasoning:
        for piece in split_text(script.reasoning):
            yield (
                "contentBlockDelta",
                {"contentBlockIndex": index, "delta": {"reasoningContent": {"text": piece}}},
            )
        signature = reasoning_signature(script.reasoning)
        yield (
            "contentBlockDelta",
            {"contentBlockIndex": index, "delta": {"reasoningContent": {"signature": signature}}},
        )
        yield "contentBlockStop", {"contentBlockIndex": index}
        index += 1
    if script.text:
        for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
            yield "contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}}
        yield "contentBlockStop", {"contentBlockIndex": index}
        index += 1
    for i, call in enumerate(script.tool_calls or ()):
        start = {"toolUse": {"toolUseId": tool_use_id(i, call), "name": call.name}}
        yield "contentBlockStart", {"contentBlockIndex": index, "start": start}
        for piece in split_args(call_arguments(call)):
            yield "contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}
        yield "contentBlockStop", {"contentBlockIndex": index}
        index += 1
    yield "messageStop", {"stopReason": stop_reason_of(script)}
    yield "metadata", {"usage": usage_of(body, script), "metrics": {"latencyMs": 42}}


def corrupt(frame: bytes) -> bytes:
    """The frame with one payload byte flipped: its message CRC no longer matches."""
    (total,) = struct.unpack_from(">I", frame)
    at = total - 5
    return frame[:at] + bytes((frame[at] ^ 0x55,)) + frame[at + 1 :]


def stream_exception(err: ScriptedError | None) -> bytes:
    err = err or ScriptedError(
        500, "The system encountered an unexpected error during processing. Try your request again."
    )
    kind = STREAM_EXCEPTIONS.get((err.type or "").lower())
    if kind is None:
        kind = {
            400: "validationException",
            429: "throttlingException",
            503: "serviceUnavailableException",
        }.get(err.status, "modelStreamErrorException" if err.status == 424 else "internalServerException")
    payload: dict[str, Any] = {"message": err.message}
    if kind == "modelStreamErrorException":
        payload["originalStatusCode"] = int(err.code or 500)
        payload["originalMessage"] = err.message
    return encode_exception(kind, json.dumps(payload).encode())


def converse_stream(body: dict[str, Any], script: Script) -> Reply:
    frames: Iterator[bytes] = (
        _event(kind, payload, n) for n, (kind, payload) in enumerate(_stream_events(body, script))
    )
    if script.fault in STREAM_FAULTS:
        frames = break_stream(frames, script, corrupt, lambda: [stream_exception(script.error)])
    headers = {"content-type": CONTENT_TYPE, "x-amzn-RequestId": request_id()}
    return stream_reply(script, headers, frames)
