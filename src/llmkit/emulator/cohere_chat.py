"""Cohere ``POST /v2/chat`` for the emulator, from the API reference: the body checked field by
field, an answer (text, or a tool plan and tool calls, or JSON for a ``response_format``) with
citations over the ``documents`` the request grounded it on, and the event stream
(``message-start`` ... ``message-end``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, stream_reply
from llmkit.emulator.script import Script
from llmkit.emulator.server import Reply

FIELDS = {
    "citation_options", "documents", "frequency_penalty", "k", "logprobs", "max_tokens", "messages",
    "model", "p", "presence_penalty", "priority", "response_format", "safety_mode", "seed",
    "stop_sequences", "stream", "strict_tools", "temperature", "thinking", "tool_choice", "tools",
}  # fmt: skip
ROLES = {"system", "user", "assistant", "tool"}
_FINISH = {"stop": "COMPLETE", "length": "MAX_TOKENS", "tool_calls": "TOOL_CALL", "content_filter": "ERROR"}


def problem(body: Any) -> str | None:
    """What the reference says a chat body must be, or None."""
    if not isinstance(body, dict):
        return "invalid request: body must be a JSON object"
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        return f"invalid request: unknown field(s) {unknown}"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "invalid request: model must be a non-empty string"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "invalid request: messages must be a non-empty list"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return f"invalid request: messages[{i}].role must be one of {sorted(ROLES)}"
        if m["role"] == "tool" and not m.get("tool_call_id"):
            return f"invalid request: messages[{i}] (a tool result) needs tool_call_id"
    if body.get("tool_choice") not in (None, "REQUIRED", "NONE"):
        return "invalid request: tool_choice must be REQUIRED or NONE"
    if body.get("tool_choice") is not None and not body.get("tools"):
        return "invalid request: tool_choice needs tools"
    rf = body.get("response_format")
    if rf is not None and (not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object")):
        return "invalid request: response_format.type must be text or json_object"
    if "stop" in body or "max_completion_tokens" in body:
        return "invalid request: unknown field"
    return None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _documents(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i, doc in enumerate(body.get("documents") or ()):
        if isinstance(doc, str):
            out.append((f"doc:{i}", {"id": f"doc:{i}", "text": doc}))
        elif isinstance(doc, dict):
            did = str(doc.get("id") or f"doc:{i}")
            out.append((did, {"id": did, **(doc.get("data") or {})}))
    return out


def _citations(text: str, body: dict[str, Any], script: Script) -> list[dict[str, Any]]:
    if "citations" in script.extra:
        return list(script.extra["citations"])
    docs = _documents(body)
    if not docs or not text:
        return []
    word = text.split()[0]
    start = text.index(word)
    return [
        {
            "start": start,
            "end": start + len(word),
            "text": word,
            "sources": [{"type": "document", "id": did, "document": doc} for did, doc in docs[:1]],
            "type": "TEXT_CONTENT",
        }
    ]


def answer(body: dict[str, Any], script: Script) -> dict[str, Any]:
    """The whole answer as the non-streamed response has it."""
    last_user = next(
        (_text_of(m.get("content")) for m in reversed(body["messages"]) if m["role"] == "user"), ""
    )
    tools = [
        (t["function"]["name"], t["function"].get("parameters"))
        for t in body.get("tools") or ()
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
    ]
    rf = body.get("response_format") or {}
    schema = rf.get("json_schema") if rf.get("type") == "json_object" else None
    if rf.get("type") == "json_object" and schema is None and script.json is None and script.text is None:
        script.json = {"answer": "ok"}
    forced = "none" if body.get("tool_choice") == "NONE" else None
    script = default_answer(last_user, tools, forced, schema, script)
    message: dict[str, Any] = {"role": "assistant"}
    if script.tool_calls:
        message["tool_plan"] = script.reasoning or f"I will call {script.tool_calls[0].name}."
        message["tool_calls"] = [
            {
                "id": c.id or f"{c.name}_{secrets.token_hex(4)}",
                "type": "function",
                "function": {"name": c.name, "arguments": call_arguments(c)},
            }
            for c in script.tool_calls
        ]
    text = script.text or ""
    if text or not script.tool_calls:
        content = [{"type": "text", "text": text}]
        if script.reasoning and not script.tool_calls:
            content.insert(0, {"type": "thinking", "thinking": script.reasoning})
        message["content"] = content
        cites = _citations(text, body, script)
        if cites:
            message["citations"] = cites
    reason = _FINISH.get(script.finish_reason or "", "COMPLETE")
    if script.tool_calls and not script.finish_reason:
        reason = "TOOL_CALL"
    n_in = (
        script.input_tokens if script.input_tokens is not None else count_tokens(json.dumps(body["messages"]))
    )
    n_out = script.output_tokens if script.output_tokens is not None else max(1, count_tokens(text))
    usage: dict[str, Any] = {
        "billed_units": {"input_tokens": n_in, "output_tokens": n_out},
        "tokens": {"input_tokens": n_in + 7, "output_tokens": n_out},
    }
    if script.cached_tokens:
        usage["cached_tokens"] = script.cached_tokens
    return {"id": secrets.token_hex(16), "message": message, "finish_reason": reason, "usage": usage}


def _sse(obj: dict[str, Any]) -> bytes:
    return f"event: {obj['type']}\ndata: {json.dumps(obj)}\n\n".encode()


def events(ans: dict[str, Any], script: Script) -> Iterator[dict[str, Any]]:
    msg = ans["message"]
    yield {
        "type": "message-start",
        "id": ans["id"],
        "delta": {
            "message": {
                "role": "assistant",
                "content": [],
                "tool_plan": "",
                "tool_calls": [],
                "citations": [],
            }
        },
    }
    if msg.get("tool_plan"):
        for piece in split_text(msg["tool_plan"]):
            yield {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": piece}}}
    for i, call in enumerate(msg.get("tool_calls") or ()):
        fn = call["function"]
        start = {"id": call["id"], "type": "function", "function": {"name": fn["name"], "arguments": ""}}
        yield {"type": "tool-call-start", "index": i, "delta": {"message": {"tool_calls": start}}}
        for piece in split_args(fn["arguments"]):
            delta = {"function": {"arguments": piece}}
            yield {"type": "tool-call-delta", "index": i, "delta": {"message": {"tool_calls": delta}}}
        yield {"type": "tool-call-end", "index": i}
    for i, item in enumerate(msg.get("content") or ()):
        kind = item["type"]
        key = "text" if kind == "text" else "thinking"
        yield {
            "type": "content-start",
            "index": i,
            "delta": {"message": {"content": {"type": kind, key: ""}}},
        }
        for piece in split_text(item[key], script.chunk_chars, script.n_chunks):
            yield {"type": "content-delta", "index": i, "delta": {"message": {"content": {key: piece}}}}
        yield {"type": "content-end", "index": i}
    for i, cite in enumerate(msg.get("citations") or ()):
        yield {"type": "citation-start", "index": i, "delta": {"message": {"citations": cite}}}
        yield {"type": "citation-end", "index": i}
    yield {"type": "message-end", "delta": {"finish_reason": ans["finish_reason"], "usage": ans["usage"]}}


def stream(ans: dict[str, Any], script: Script) -> Reply:
    chunks: Iterator[bytes] = (_sse(e) for e in events(ans, script))
    if script.fault in STREAM_FAULTS:
        message = script.error.message if script.error else "internal error"

        def error() -> Iterator[bytes]:
            end = {"type": "message-end", "delta": {"finish_reason": "ERROR", "error": message}}
            yield _sse(end)

        chunks = break_stream(chunks, script, lambda b: b.replace(b"data: {", b"data: {{", 1), error)
    return stream_reply(script, {"content-type": "text/event-stream", "cache-control": "no-cache"}, chunks)
