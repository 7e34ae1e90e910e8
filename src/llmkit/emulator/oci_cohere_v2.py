"""OCI Generative AI's COHEREV2 chat format, emulated from the oci SDK's models
(``CohereChatRequestV2``, ``Cohere*MessageV2``, ``CohereToolV2``, ``CohereToolCallV2``,
``CohereChatResponseV2``), not from ``llmkit.dialects.oci``.

A request is checked field by field (unknown fields, roles, content part types, tool shapes,
``toolsChoice``); an answer is ``{apiFormat: COHEREV2, id, message: {role: ASSISTANT, content,
toolCalls}, finishReason, usage}``; a stream sends ``{"message": {...}}`` deltas (text pieces, then
each call whole in v2's shape), a last chunk with ``finishReason`` and ``usage``, and ``[DONE]``.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, split_text
from llmkit.emulator.script import Script

FIELDS = {
    "apiFormat",
    "messages",
    "documents",
    "citationOptions",
    "toolsChoice",
    "tools",
    "isStrictToolsEnabled",
    "isLogProbsEnabled",
    "thinking",
    "responseFormat",
    "isSearchQueriesOnly",
    "streamOptions",
    "isStream",
    "maxTokens",
    "temperature",
    "topK",
    "topP",
    "frequencyPenalty",
    "presencePenalty",
    "seed",
    "stopSequences",
    "priority",
    "isRawPrompting",
    "safetyMode",
}
_ROLES = {"SYSTEM", "USER", "ASSISTANT", "TOOL"}
_PARTS = {"TEXT": "text", "THINKING": "thinking", "IMAGE_URL": "imageUrl", "DOCUMENT": "document"}
_FINISH = {"stop": "COMPLETE", "length": "MAX_TOKENS", "tool_calls": "TOOL_CALL", "content_filter": "ERROR"}


class InvalidV2(Exception):
    pass


def _check_message(m: Any) -> str:
    """The message's text (for the default answer); raises InvalidV2 on a shape the SDK lacks."""
    if not isinstance(m, dict) or m.get("role") not in _ROLES:
        raise InvalidV2("each COHEREV2 message needs a role of SYSTEM, USER, ASSISTANT or TOOL")
    allowed = {"role", "content"} | {
        "ASSISTANT": {"toolPlan", "toolCalls", "citations"},
        "TOOL": {"toolCallId"},
    }.get(m["role"], set())
    if set(m) - allowed:
        raise InvalidV2(f"unknown fields of a {m['role']} message: {sorted(set(m) - allowed)}")
    text = ""
    for part in m.get("content") or ():
        key = _PARTS.get(str(part.get("type"))) if isinstance(part, dict) else None
        if key is None or key not in part:
            raise InvalidV2("a content part must be TEXT {text}, IMAGE_URL {imageUrl}, THINKING or DOCUMENT")
        if key == "text":
            text = part["text"]
    for call in m.get("toolCalls") or ():
        fn = call.get("function") if isinstance(call, dict) else None
        if call.get("type") != "FUNCTION" or not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise InvalidV2("a toolCall must be {id, type: FUNCTION, function: {name, arguments}}")
        json.loads(fn.get("arguments") or "{}")
    if m["role"] == "TOOL" and not isinstance(m.get("toolCallId"), str):
        raise InvalidV2("a TOOL message needs toolCallId")
    return text if m["role"] == "USER" else ""


def check(chat: dict[str, Any]) -> tuple[str, list[tuple[str, Any]], str | None]:
    unknown = set(chat) - FIELDS
    if unknown:
        raise InvalidV2(f"unknown COHEREV2 chatRequest fields: {sorted(unknown)}")
    messages = chat.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidV2("chatRequest.messages must be a non-empty list")
    last = ""
    for m in messages:
        last = _check_message(m) or last
    tools = []
    for t in chat.get("tools") or ():
        fn = t.get("function") if isinstance(t, dict) else None
        if t.get("type") != "FUNCTION" or not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise InvalidV2("a tool must be {type: FUNCTION, function: {name, description, parameters}}")
        tools.append((fn["name"], fn.get("parameters") or {}))
    choice = chat.get("toolsChoice")
    if choice not in (None, "REQUIRED", "NONE"):
        raise InvalidV2("toolsChoice must be REQUIRED or NONE")
    if messages[-1]["role"] == "TOOL" or choice == "NONE":
        tools = []  # answer the results with text
    return last, tools, "required" if choice == "REQUIRED" else None


def _calls(script: Script) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id or f"call_{uuid.uuid4().hex[:8]}",
            "type": "FUNCTION",
            "function": {"name": c.name, "arguments": call_arguments(c)},
        }
        for c in script.tool_calls or ()
    ]


def answer(script: Script, usage: dict[str, int], neutral: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "ASSISTANT", "content": []}
    if script.text:
        message["content"] = [{"type": "TEXT", "text": script.text}]
    if script.tool_calls:
        message["toolCalls"] = _calls(script)
        message["toolPlan"] = "I will call the tool."
    return {
        "apiFormat": "COHEREV2",
        "id": str(uuid.uuid4()),
        "message": message,
        "finishReason": _FINISH.get(neutral, "COMPLETE"),
        "usage": usage,
    }


def _sse(obj: Any) -> bytes:
    obj = {**obj, "pad": "a" * random.randint(1, 12)}
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def stream(script: Script, usage: dict[str, int], neutral: str) -> Iterator[bytes]:
    if script.text:
        for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
            content = [{"type": "TEXT", "text": piece}]
            yield _sse({"apiFormat": "COHEREV2", "message": {"role": "ASSISTANT", "content": content}})
    for call in _calls(script):
        yield _sse({"apiFormat": "COHEREV2", "message": {"role": "ASSISTANT", "toolCalls": [call]}})
    yield _sse({"apiFormat": "COHEREV2", "finishReason": _FINISH.get(neutral, "COMPLETE"), "usage": usage})
    yield b"data: [DONE]\n\n"
