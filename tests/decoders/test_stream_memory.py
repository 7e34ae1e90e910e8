"""Issue 17: a 200,000-event stream of any wire format grows memory by the accumulated text plus a
small constant, never by every parsed event.

Each format's stream is generated a batch of events at a time (the test itself never holds the
whole body), fed through the same ``_StreamCore`` (decoder + Accumulator) that ``Stream`` and
``AsyncStream`` drive, and tracemalloc's peak is compared with the text the Completion holds.
Before the fix the Anthropic, Bedrock, Gemini, OCI, Replicate and SageMaker decoders kept every
event in ``.raw`` (hundreds of MiB here); now they keep what the OpenAI path keeps.
"""

from __future__ import annotations

import json
import os
import tracemalloc
from collections.abc import Callable, Iterator

import pytest

from llmkit._stream import _StreamCore
from llmkit.dialects.anthropic._stream import AnthropicStreamDecoder
from llmkit.dialects.base import CallContext, StreamDecoder
from llmkit.dialects.bedrock._stream import BedrockConverseStreamDecoder
from llmkit.dialects.cohere._stream import CohereStreamDecoder
from llmkit.dialects.gemini._stream import GeminiStreamDecoder
from llmkit.dialects.oci._stream import OciStreamDecoder
from llmkit.dialects.ollama._response import OllamaStreamDecoder
from llmkit.dialects.openai_chat import DEFAULT_QUIRKS, OpenAIStreamDecoder
from llmkit.dialects.replicate._stream import ReplicateStreamDecoder
from llmkit.dialects.sagemaker._stream import SageMakerStreamDecoder
from llmkit.framing.eventstream_encode import encode_event
from llmkit.providers.spec import ProviderSpec

# The goal is at most 20 MiB over the accumulated text for 200,000 events. Growth is per
# event (what a decoder keeps), so 20,000 events (tracemalloc makes each allocation slow, and the
# suite runs on a loaded 2-core machine) held to a tenth of that budget, plus a 1 MiB constant,
# prove the same rate; LLMKIT_MEMTEST_EVENTS=200000 runs the full size.
EVENTS = int(os.environ.get("LLMKIT_MEMTEST_EVENTS", "20000"))
BATCH = 500  # events per feed() call, as a network read carries many
# The Accumulator's small text pieces (~60 bytes each) are most of what remains.
LIMIT = 20 * 1024 * 1024 * EVENTS // 200_000 + 1024 * 1024

CTX = CallContext(ProviderSpec(name="memtest", dialect="openai_chat", base_url="http://127.0.0.1"), "m", "")


def _token(i: int) -> str:
    return f"t{i} "


def _sse(obj: object, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(obj, separators=(',', ':'))}\n\n".encode()


def _batched(first: list[bytes], body: Callable[[int], bytes], last: list[bytes]) -> Iterator[bytes]:
    yield b"".join(first)
    for start in range(0, EVENTS, BATCH):
        yield b"".join(body(i) for i in range(start, min(start + BATCH, EVENTS)))
    yield b"".join(last)


def openai() -> Iterator[bytes]:
    def chunk(i: int) -> bytes:
        return _sse(
            {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": _token(i)}, "finish_reason": None}],
            }
        )

    end = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    end["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    return _batched([], chunk, [_sse(end), b"data: [DONE]\n\n"])


def anthropic() -> Iterator[bytes]:
    start = {"type": "message_start", "message": {"id": "msg_1", "model": "m", "usage": {"input_tokens": 3}}}
    block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

    def delta(i: int) -> bytes:
        ev = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": _token(i)}}
        return _sse(ev, "content_block_delta")

    end = [
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}}),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return _batched([_sse(start, "message_start"), _sse(block, "content_block_start")], delta, end)


def _frame(kind: str, obj: object) -> bytes:
    return encode_event(kind, json.dumps(obj).encode())


def bedrock() -> Iterator[bytes]:
    def delta(i: int) -> bytes:
        return _frame(
            "contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": _token(i)}, "p": "abcd"}
        )

    end = [
        _frame("contentBlockStop", {"contentBlockIndex": 0}),
        _frame("messageStop", {"stopReason": "end_turn"}),
        _frame("metadata", {"usage": {"inputTokens": 3, "outputTokens": 9, "totalTokens": 12}}),
    ]
    return _batched([_frame("messageStart", {"role": "assistant"})], delta, end)


def gemini() -> Iterator[bytes]:
    usage = {"promptTokenCount": 3, "candidatesTokenCount": 1, "totalTokenCount": 4}

    def chunk(i: int) -> bytes:
        cand = {"content": {"role": "model", "parts": [{"text": _token(i)}]}, "index": 0}
        return _sse({"candidates": [cand], "usageMetadata": usage, "modelVersion": "m", "responseId": "r1"})

    last = {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP"}]}
    last["usageMetadata"] = usage
    return _batched([], chunk, [_sse(last)])


def cohere() -> Iterator[bytes]:
    def delta(i: int) -> bytes:
        ev = {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": _token(i)}}}}
        return _sse(ev, "content-delta")

    end = {"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": {}}}
    return _batched([_sse({"type": "message-start", "id": "r1"}, "message-start")], delta, [_sse(end)])


def ollama() -> Iterator[bytes]:
    def line(i: int) -> bytes:
        obj = {
            "model": "m",
            "created_at": "2025-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": _token(i)},
        }
        return json.dumps({**obj, "done": False}).encode() + b"\n"

    end = {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop"}
    return _batched([], line, [json.dumps(end).encode() + b"\n"])


def oci_generic() -> Iterator[bytes]:
    def chunk(i: int) -> bytes:
        return _sse(
            {"index": 0, "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": _token(i)}]}}
        )

    return _batched([], chunk, [_sse({"index": 0, "finishReason": "stop"}), b"data: [DONE]\n\n"])


def replicate() -> Iterator[bytes]:
    def output(i: int) -> bytes:
        return f"event: output\nid: {i}\ndata: {_token(i)}\n\n".encode()

    return _batched([], output, [b"event: done\nid: end\ndata: {}\n\n"])


def sagemaker_tgi() -> Iterator[bytes]:
    def record(i: int) -> bytes:
        token = {"id": i, "text": _token(i), "logprob": -0.1, "special": False}
        line = _sse({"index": i, "token": token, "generated_text": None, "details": None})
        return encode_event("PayloadPart", line, content_type="application/octet-stream")

    final = {
        "token": {"id": 0, "text": "", "special": True},
        "generated_text": "...",
        "details": {"finish_reason": "eos_token"},
    }
    return _batched(
        [], record, [encode_event("PayloadPart", _sse(final), content_type="application/octet-stream")]
    )


def sagemaker_raw() -> Iterator[bytes]:
    def part(i: int) -> bytes:
        return encode_event("PayloadPart", _token(i).encode(), content_type="application/octet-stream")

    return _batched([], part, [])


FORMATS: dict[str, tuple[Callable[[], StreamDecoder], Callable[[], Iterator[bytes]]]] = {
    "openai": (lambda: OpenAIStreamDecoder(CTX, DEFAULT_QUIRKS), openai),
    "anthropic": (lambda: AnthropicStreamDecoder("memtest", "m"), anthropic),
    "bedrock_converse": (lambda: BedrockConverseStreamDecoder(CTX), bedrock),
    "gemini": (lambda: GeminiStreamDecoder(CTX), gemini),
    "cohere": (lambda: CohereStreamDecoder(CTX), cohere),
    "ollama": (lambda: OllamaStreamDecoder(CTX), ollama),
    "oci_generic": (lambda: OciStreamDecoder(CTX, False), oci_generic),
    "replicate": (lambda: ReplicateStreamDecoder(CTX), replicate),
    "sagemaker_tgi": (lambda: SageMakerStreamDecoder(CTX, "tgi"), sagemaker_tgi),
    "sagemaker_raw": (lambda: SageMakerStreamDecoder(CTX, "raw"), sagemaker_raw),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_stream_memory_is_bounded_by_the_text(name: str) -> None:
    new_decoder, body = FORMATS[name]
    core = _StreamCore(new_decoder, "memtest", "m", None, None, lambda: 0.0)
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        events = 0
        for chunk in body():
            events += len(core.feed(chunk))
        completion = core.end()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    text = completion.text or ""
    assert text.startswith("t0 t1 ") and text.endswith(f"t{EVENTS - 1} ")
    assert events >= EVENTS
    raw = completion.raw
    kept = len(raw) if isinstance(raw, list) else 1
    assert kept <= 8, f"{name}: .raw kept {kept} events"
    over = peak - base - len(text)
    print(f"{name}: {over / 2**20:.2f} MiB over the text, .raw {kept}")
    assert over <= LIMIT, f"{name}: {over / 2**20:.1f} MiB over the {len(text) / 2**20:.1f} MiB of text"
