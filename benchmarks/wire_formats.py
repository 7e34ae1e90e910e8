"""Each provider wire format's response bytes for the benchmark mock (standard library only).

Written from each vendor's API reference, not from llmkit's emulator or dialects, so llmkit's
decoders meet bytes nobody in llmkit produced. Every body is built once per (format, kind, N) and
cached; the server only picks one. Streams carry ``N`` content events whose text is ``" t{i}"``
(each differs), framed as the vendor frames them:

* anthropic: ``POST /v1/messages``; SSE ``event:``/``data:`` pairs (message_start,
  content_block_start, N content_block_delta, content_block_stop, message_delta, message_stop);
* gemini / vertex: ``…/models/{m}:generateContent`` and ``:streamGenerateContent?alt=sse``; SSE
  ``data:`` lines ending in CRLF CRLF as Google sends them; the last chunk has finishReason;
* bedrock: ``/model/{m}/converse`` JSON, ``/converse-stream`` AWS event-stream frames (prelude,
  CRC32s, ``:event-type`` headers, a JSON payload with the service's ``p`` padding member);
* sagemaker: ``/endpoints/{e}/invocations`` (an OpenAI chat body, as TGI/vLLM/LMI answer) and
  ``/invocations-response-stream``: one ``PayloadPart`` event-stream frame per OpenAI SSE event;
* cohere: ``POST /v2/chat``; SSE with ``event:`` names (message-start … message-end);
* ollama: ``POST /api/chat``; NDJSON, one object a line, the last with ``done: true``
  (``stream`` absent means streaming, as in Ollama).

N comes from the request's own max-tokens field (each format names it differently) or the
``X-Bench-Chunks`` header.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable
from typing import Any

MODEL = "bench-model"
COMPLETION_TEXT = "Hello from the benchmark mock."
_cache: dict[tuple[str, int], bytes] = {}


def token(i: int) -> str:
    return f" t{i}"


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _http_chunk(payload: bytes) -> bytes:
    return format(len(payload), "x").encode() + b"\r\n" + payload + b"\r\n"


def _json_response(body: bytes, extra: str = "") -> bytes:
    head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{extra}content-length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _stream_response(content_type: str, events: list[bytes], extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncache-control: no-cache\r\n{extra}"
        "transfer-encoding: chunked\r\n\r\n"
    ).encode()
    return head + b"".join(_http_chunk(e) for e in events) + b"0\r\n\r\n"


# ---- AWS event stream (application/vnd.amazon.eventstream) -----------------------------------------


def _header(name: str, value: str) -> bytes:
    n, v = name.encode(), value.encode()
    return bytes((len(n),)) + n + b"\x07" + struct.pack(">H", len(v)) + v


def eventstream_frame(event_type: str, payload: bytes, content_type: str = "application/json") -> bytes:
    headers = (
        _header(":event-type", event_type)
        + _header(":content-type", content_type)
        + _header(":message-type", "event")
    )
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


# ---- bodies per format -----------------------------------------------------------------------------


def _openai_completion() -> dict[str, Any]:
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": COMPLETION_TEXT},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 8, "completion_tokens": 7, "total_tokens": 15},
    }


def _openai_sse_events(n: int) -> list[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
        obj = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + _dumps(obj) + b"\n\n"

    events = [chunk({"role": "assistant", "content": token(0)}, None)]
    events += [chunk({"content": token(i)}, None) for i in range(1, n)]
    events.append(chunk({}, "stop"))
    events.append(b"data: [DONE]\n\n")
    return events


def anthropic_call(_n: int) -> bytes:
    body = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": COMPLETION_TEXT}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 8, "output_tokens": 7},
    }
    return _json_response(_dumps(body), "request-id: req_bench\r\n")


def anthropic_stream(n: int) -> bytes:
    def ev(obj: dict[str, Any]) -> bytes:
        return b"event: " + obj["type"].encode() + b"\ndata: " + _dumps(obj) + b"\n\n"

    start = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 8, "output_tokens": 1},
    }
    events = [
        ev({"type": "message_start", "message": start}),
        ev({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ]
    events += [
        ev({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": token(i)}})
        for i in range(n)
    ]
    events.append(ev({"type": "content_block_stop", "index": 0}))
    delta = {"stop_reason": "end_turn", "stop_sequence": None}
    events.append(ev({"type": "message_delta", "delta": delta, "usage": {"output_tokens": n}}))
    events.append(ev({"type": "message_stop"}))
    return _stream_response("text/event-stream", events, "request-id: req_bench\r\n")


def _gemini_obj(text: str, finish: bool, n: int) -> dict[str, Any]:
    cand: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finish:
        cand["finishReason"] = "STOP"
    usage = {"promptTokenCount": 8, "candidatesTokenCount": n, "totalTokenCount": 8 + n}
    return {"candidates": [cand], "usageMetadata": usage, "modelVersion": MODEL, "responseId": "bench"}


def gemini_call(_n: int) -> bytes:
    return _json_response(_dumps(_gemini_obj(COMPLETION_TEXT, True, 7)))


def gemini_stream(n: int) -> bytes:
    events = [b"data: " + _dumps(_gemini_obj(token(i), i == n - 1, i + 1)) + b"\r\n\r\n" for i in range(n)]
    return _stream_response("text/event-stream", events)


def bedrock_call(_n: int) -> bytes:
    body = {
        "output": {"message": {"role": "assistant", "content": [{"text": COMPLETION_TEXT}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 8, "outputTokens": 7, "totalTokens": 15},
        "metrics": {"latencyMs": 12},
    }
    return _json_response(_dumps(body), "x-amzn-requestid: req-bench\r\n")


def bedrock_stream(n: int) -> bytes:
    pad = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

    def ev(kind: str, obj: dict[str, Any], i: int) -> bytes:
        return eventstream_frame(kind, _dumps({**obj, "p": pad[: 1 + i % len(pad)]}))

    events = [ev("messageStart", {"role": "assistant"}, 0)]
    events += [
        ev("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": token(i)}}, i) for i in range(n)
    ]
    events.append(ev("contentBlockStop", {"contentBlockIndex": 0}, n))
    events.append(ev("messageStop", {"stopReason": "end_turn"}, n + 1))
    usage = {"inputTokens": 8, "outputTokens": n, "totalTokens": 8 + n}
    events.append(ev("metadata", {"usage": usage, "metrics": {"latencyMs": 12}}, n + 2))
    return _stream_response("application/vnd.amazon.eventstream", events, "x-amzn-requestid: req-bench\r\n")


def sagemaker_call(_n: int) -> bytes:
    return _json_response(_dumps(_openai_completion()), "x-amzn-invoked-production-variant: AllTraffic\r\n")


def sagemaker_stream(n: int) -> bytes:
    frames = [eventstream_frame("PayloadPart", e, "application/octet-stream") for e in _openai_sse_events(n)]
    extra = (
        "x-amzn-sagemaker-content-type: text/event-stream\r\n"
        "x-amzn-invoked-production-variant: AllTraffic\r\n"
    )
    return _stream_response("application/vnd.amazon.eventstream", frames, extra)


def _cohere_usage(n: int) -> dict[str, Any]:
    return {
        "billed_units": {"input_tokens": 8, "output_tokens": n},
        "tokens": {"input_tokens": 8, "output_tokens": n},
    }


def cohere_call(_n: int) -> bytes:
    body = {
        "id": "bench",
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": COMPLETION_TEXT}]},
        "usage": _cohere_usage(7),
    }
    return _json_response(_dumps(body))


def cohere_stream(n: int) -> bytes:
    def ev(obj: dict[str, Any]) -> bytes:
        return b"event: " + obj["type"].encode() + b"\ndata: " + _dumps(obj) + b"\n\n"

    msg = {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}
    events = [
        ev({"id": "bench", "type": "message-start", "delta": {"message": msg}}),
        ev(
            {
                "type": "content-start",
                "index": 0,
                "delta": {"message": {"content": {"type": "text", "text": ""}}},
            }
        ),
    ]
    events += [
        ev({"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": token(i)}}}})
        for i in range(n)
    ]
    events.append(ev({"type": "content-end", "index": 0}))
    events.append(
        ev({"type": "message-end", "delta": {"finish_reason": "COMPLETE", "usage": _cohere_usage(n)}})
    )
    return _stream_response("text/event-stream", events)


_OLLAMA_STAMP = "2026-01-01T00:00:00.000000Z"


def _ollama_final(text: str, n: int) -> dict[str, Any]:
    return {
        "model": MODEL,
        "created_at": _OLLAMA_STAMP,
        "message": {"role": "assistant", "content": text},
        "done": True,
        "done_reason": "stop",
        "total_duration": 1000,
        "load_duration": 10,
        "prompt_eval_count": 8,
        "prompt_eval_duration": 100,
        "eval_count": n,
        "eval_duration": 800,
    }


def ollama_call(_n: int) -> bytes:
    return _json_response(_dumps(_ollama_final(COMPLETION_TEXT, 7)))


def ollama_stream(n: int) -> bytes:
    def line(i: int) -> bytes:
        obj = {
            "model": MODEL,
            "created_at": _OLLAMA_STAMP,
            "message": {"role": "assistant", "content": token(i)},
            "done": False,
        }
        return _dumps(obj) + b"\n"

    events = [line(i) for i in range(n)] + [_dumps(_ollama_final("", n)) + b"\n"]
    return _stream_response("application/x-ndjson", events)


# ---- routing -----------------------------------------------------------------------------------------

Builder = Callable[[int], bytes]
# (path pattern, format name, call builder, stream builder, how the request asks for a stream)
_ROUTES: list[tuple[re.Pattern[str], str, Builder, Builder, str]] = [
    (re.compile(r"^/v1/messages$"), "anthropic", anthropic_call, anthropic_stream, "body"),
    (
        re.compile(r"^(/v1beta|/v1/projects/[^/]+/locations/[^/]+/publishers/google)/models/[^/:]+:(\w+)$"),
        "gemini",
        gemini_call,
        gemini_stream,
        "gemini",
    ),
    (
        re.compile(r"^/model/[^/]+/(converse|converse-stream)$"),
        "bedrock",
        bedrock_call,
        bedrock_stream,
        "aws",
    ),
    (
        re.compile(r"^/endpoints/[^/]+/(invocations|invocations-response-stream)$"),
        "sagemaker",
        sagemaker_call,
        sagemaker_stream,
        "aws",
    ),
    (re.compile(r"^/v2/chat$"), "cohere", cohere_call, cohere_stream, "body"),
    (re.compile(r"^/api/chat$"), "ollama", ollama_call, ollama_stream, "ollama"),
]


def _chunk_count(req: dict[str, Any], headers: dict[str, str]) -> int:
    raw: Any = headers.get("x-bench-chunks")
    if raw is None:
        for key in ("max_tokens", "max_completion_tokens"):
            raw = raw or req.get(key)
        for holder, key in (
            ("generationConfig", "maxOutputTokens"),
            ("generation_config", "max_output_tokens"),
            ("inferenceConfig", "maxTokens"),
            ("options", "num_predict"),
        ):
            sub = req.get(holder)
            if raw is None and isinstance(sub, dict):
                raw = sub.get(key)
    try:
        n = int(raw) if raw is not None else 16
    except (TypeError, ValueError):
        n = 16
    return max(1, min(n, 1_000_000))


def respond(path: str, headers: dict[str, str], req: dict[str, Any]) -> bytes | None:
    """The response bytes for a non-OpenAI format's request, or None when no route matches."""
    route = path.partition("?")[0]
    for pattern, name, call, stream, how in _ROUTES:
        m = pattern.match(route)
        if m is None:
            continue
        if how == "gemini":
            is_stream = m.group(2) == "streamGenerateContent"
            if not is_stream and m.group(2) != "generateContent":
                return None
        elif how == "aws":
            is_stream = m.group(1).endswith("stream")
        elif how == "ollama":
            is_stream = req.get("stream", True) is not False
        else:
            is_stream = bool(req.get("stream"))
        n = _chunk_count(req, headers) if is_stream else 0
        key = (f"{name}:{is_stream}", n)
        data = _cache.get(key)
        if data is None:
            data = (stream if is_stream else call)(n)
            if len(_cache) > 64:
                _cache.clear()
            _cache[key] = data
        return data
    return None
