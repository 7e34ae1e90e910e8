"""llmkit messages and a ChatRequest -> an OpenAI chat completions request body."""

from __future__ import annotations

from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest, ForcedTool
from llmkit.dialects.openai_chat._quirks import OpenAIQuirks
from llmkit.errors import NotSupportedError
from llmkit.types import AudioPart, DocumentPart, ImagePart, Message, Part, TextPart


def _part(p: Part) -> dict[str, Any] | None:
    if isinstance(p, TextPart):
        return {"type": "text", "text": p.text}
    if isinstance(p, ImagePart):
        url = p.url if p.url is not None else f"data:{p.media_type or 'image/png'};base64,{p.data}"
        image: dict[str, Any] = {"url": url}
        if p.detail:
            image["detail"] = p.detail
        return {"type": "image_url", "image_url": image}
    if isinstance(p, AudioPart):
        return {"type": "input_audio", "input_audio": {"data": p.data, "format": p.format}}
    if isinstance(p, DocumentPart):
        if p.data is None:
            raise NotSupportedError("OpenAI chat takes documents inline (base64), not by URL")
        doc: dict[str, Any] = {"file_data": f"data:{p.media_type};base64,{p.data}"}
        if p.title:
            doc["filename"] = p.title
        return {"type": "file", "file": doc}
    return None  # reasoning is not sent back in this format


def message_to_wire(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role}
    if isinstance(m.content, str):
        content: Any = m.content
    else:
        parts = [w for w in map(_part, m.content) if w is not None]
        content = (
            parts[0]["text"] if m.role != "user" and len(parts) == 1 and parts[0]["type"] == "text" else parts
        )
    if m.role == "assistant" and m.tool_calls:
        out["content"] = content or None
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.raw_arguments or "{}"},
            }
            for c in m.tool_calls
        ]
    else:
        out["content"] = content
    if m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    if m.name:
        out["name"] = m.name
    return out


def build_chat_body(req: ChatRequest, ctx: CallContext, q: OpenAIQuirks) -> dict[str, Any]:
    body: dict[str, Any] = {"model": req.model, "messages": list(map(message_to_wire, req.messages))}
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.max_tokens is not None:
        body[q.max_tokens_field] = req.max_tokens
    if req.stop:
        body["stop"] = list(req.stop)
    if req.tools:
        tools = []
        for t in req.tools:
            fn: dict[str, Any] = {"name": t.name, "parameters": dict(t.parameters)}
            if t.description:
                fn["description"] = t.description
            if t.strict is not None:
                fn["strict"] = t.strict
            tools.append({"type": "function", "function": fn})
        body["tools"] = tools
    tc = req.tool_choice
    if tc is not None:
        if isinstance(tc, ForcedTool):
            body["tool_choice"] = {"type": "function", "function": {"name": tc.name}}
        else:
            body["tool_choice"] = "required" if tc == "any" else tc
    rf = req.response_format
    if rf is not None:
        if rf.type == "json_object":
            body["response_format"] = {"type": "json_object"}
        else:
            js: dict[str, Any] = {"name": rf.name, "schema": dict(rf.schema or {})}
            if rf.strict:
                js["strict"] = True
            body["response_format"] = {"type": "json_schema", "json_schema": js}
    if req.stream:
        body["stream"] = True
        if q.stream_usage:
            body["stream_options"] = {"include_usage": True}
    body_names = ctx.spec.body_options
    for key, value in req.options.items():
        body[body_names.get(key, key)] = value
    if req.extra_body:
        body.update(req.extra_body)
    if q.body_hook is not None:
        q.body_hook(body, req, ctx)
    return body
