"""Streamed chat completions: ``data:`` chunks, per-provider stream habits, and stream faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, stream_reply
from llmkit.emulator.openai._answer import FINISH, reshape, usage_of
from llmkit.emulator.openai._errors import error_body
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Reply


def stream(body: dict[str, Any], script: Script, cid: str, created: int, profile: Profile) -> Reply:
    usage_null = (
        bool((body.get("stream_options") or {}).get("include_usage")) and profile.error_shape == "openai"
    )

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        obj: dict[str, Any] = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body["model"],
            "system_fingerprint": "fp_emulator",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if usage_null:  # with include_usage, every chunk but the last carries "usage": null
            obj["usage"] = None
        obj.update(extra)
        return b"data: " + json.dumps(reshape(obj, profile)).encode() + b"\n\n"

    x = profile.extra
    fields = script.extra.get("response_fields", {})
    # Perplexity sends search results with the final chunk(s); most send extras up front.
    late = bool(x.get("fields_in_last_chunk"))
    running = bool(x.get("usage_every_chunk"))
    emitted: list[str] = []

    def data(obj: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps(obj).encode() + b"\n\n"

    def chunk_with_usage(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        if running:  # a running usage object on every chunk
            if delta.get("content"):
                emitted.append(delta["content"])
            extra["usage"] = usage_of(body, script, "".join(emitted), profile)
        return chunk(delta, finish, **extra)

    request_id = f"req_{cid}"

    def last_chunk_extras(text: str) -> dict[str, Any]:
        extras: dict[str, Any] = dict(fields) if late else {}
        if x.get("x_groq"):  # Groq: the usage inside x_groq on the last chunk, asked for or not
            extras["x_groq"] = {"id": request_id, "usage": usage_of(body, script, text, profile)}
        if x.get("usage_in_last_chunk"):  # Mistral: usage on the finishing chunk, no stream_options
            extras["usage"] = usage_of(body, script, text, profile)
        return extras

    def events() -> Iterator[bytes]:
        comment = x.get("sse_comment")
        if comment:  # e.g. ": OPENROUTER PROCESSING" keep-alive comments before the first event
            yield f": {comment}\n\n".encode()
        preamble = x.get("stream_preamble")
        if preamble is not None:  # Azure: an empty first chunk with prompt filter results
            yield data({"choices": [], "created": 0, "id": "", "model": "", "object": "", **preamble})
        first = {} if late else dict(fields)
        if x.get("x_groq"):  # Groq: its request id in the first and the last chunk
            first["x_groq"] = {"id": request_id}
        # A refusal opens as OpenAI's does: content null and an empty refusal string.
        opening: dict[str, Any] = (
            {"role": "assistant", "content": "", "refusal": None}
            if script.refusal is None
            else {"role": "assistant", "content": None, "refusal": ""}
        )
        yield chunk_with_usage(opening, **first)
        if script.refusal:
            for piece in split_text(script.refusal, script.chunk_chars, script.n_chunks):
                yield chunk({"refusal": piece})
        if script.reasoning and profile.extra.get("reasoning_field"):
            for piece in split_text(script.reasoning):
                yield chunk({profile.extra["reasoning_field"]: piece})
        text = script.text or ""
        if text:
            for piece in split_text(text, script.chunk_chars, script.n_chunks):
                yield chunk_with_usage({"content": piece})
        for i, c in enumerate(script.tool_calls or ()):
            first = {"index": i, "id": c.id or f"call_{i}", "type": "function"}
            if x.get("whole_tool_calls"):  # Mistral, Together: each call arrives complete in one delta
                yield chunk(
                    {"tool_calls": [{**first, "function": {"name": c.name, "arguments": call_arguments(c)}}]}
                )
                continue
            yield chunk({"tool_calls": [{**first, "function": {"name": c.name, "arguments": ""}}]})
            for piece in split_args(call_arguments(c)):
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        finish = FINISH.get(script.finish_reason or "", script.finish_reason)
        done = finish or ("tool_calls" if script.tool_calls else "stop")
        yield chunk_with_usage({}, done, **last_chunk_extras(text))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body["model"],
                "choices": [],
                "usage": usage_of(body, script, text, profile),
            }
            yield b"data: " + json.dumps(reshape(usage, profile)).encode() + b"\n\n"
        yield b"data: [DONE]\n\n"

    def stream_error() -> list[bytes]:
        err = script.error or ScriptedError(500, "The server had an error while processing your request.")
        obj = error_body(profile, err.status, err.message, err.type, err.code)
        return [b"data: " + json.dumps(obj).encode(), b"\n\n"]

    chunks: Iterator[bytes] = events()
    if script.fault in STREAM_FAULTS:
        chunks = break_stream(chunks, script, lambda _: b'data: {"choices": [\n\n', stream_error)
    headers = {"content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": request_id}
    return stream_reply(script, headers, chunks)
