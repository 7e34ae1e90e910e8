"""Streamed messages: every event type the API sends, and the stream faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, stream_reply
from llmkit.emulator.anthropic._answer import output_tokens, stop_details, usage_of
from llmkit.emulator.anthropic._errors import error_body
from llmkit.emulator.anthropic._signature import sign
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Reply


def _event(obj: dict[str, Any]) -> bytes:
    return f"event: {obj['type']}\ndata: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def stream(
    body: dict[str, Any], script: Script, msg_id: str, stop_reason: str, stop_sequence: str | None
) -> Reply:
    output = output_tokens(script)
    usage = usage_of(body, script, 1)
    args_size = int(script.extra.get("args_chunk", 5))

    def events() -> Iterator[bytes]:
        start = {
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        yield _event({"type": "message_start", "message": start})
        index = 0
        if script.reasoning is not None:
            yield _event(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": ""},
                }
            )
            yield _event({"type": "ping"})
            for piece in split_text(script.reasoning):
                delta = {"type": "thinking_delta", "thinking": piece}
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            delta = {"type": "signature_delta", "signature": sign(script.reasoning)}
            yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        redacted = script.extra.get("redacted_thinking")
        if isinstance(redacted, str):
            block = {"type": "redacted_thinking", "data": redacted}
            yield _event({"type": "content_block_start", "index": index, "content_block": block})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        if script.text:
            yield _event(
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            )
            if index == 0:
                yield _event({"type": "ping"})
            for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
                delta = {"type": "text_delta", "text": piece}
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        for i, c in enumerate(script.tool_calls or ()):
            use: dict[str, Any] = {
                "type": "tool_use",
                "id": c.id or f"toolu_emu{i:02d}",
                "name": c.name,
                "input": {},
            }
            yield _event({"type": "content_block_start", "index": index, "content_block": use})
            # The first fragment is empty, as the real API often sends it.
            for piece in ["", *split_args(call_arguments(c), args_size)]:
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        final_usage = {"output_tokens": output}
        stop: dict[str, Any] = {"stop_reason": stop_reason, "stop_sequence": stop_sequence}
        details = stop_details(script)
        if details is not None:  # a refusal: no content, its explanation here
            stop["stop_details"] = details
        yield _event({"type": "message_delta", "delta": stop, "usage": final_usage})
        yield _event({"type": "message_stop"})

    def stream_error() -> list[bytes]:
        err = script.error or ScriptedError(529, "Overloaded", "overloaded_error")
        obj = error_body(err, f"req_{msg_id}")
        obj.pop("request_id")  # the in-stream error event, unlike an error body, has no request_id
        return [_event(obj)]

    chunks: Iterator[bytes] = events()
    if script.fault in STREAM_FAULTS:
        malformed = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index"\n\n'
        chunks = break_stream(chunks, script, lambda _: malformed, stream_error)
    headers = {"content-type": "text/event-stream", "cache-control": "no-cache"}
    return stream_reply(script, {**headers, "request-id": f"req_{msg_id}"}, chunks)
