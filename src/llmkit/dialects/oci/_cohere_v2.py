"""OCI's COHEREV2 chat format (Cohere's v2 chat: Command A models), request and answer (pure).

Shapes from the oci SDK's ``generative_ai_inference/models`` (``CohereChatRequestV2``,
``Cohere*MessageV2``, ``CohereToolV2``, ``CohereToolCallV2``, ``CohereChatResponseV2``; camelCase on
the wire): messages with content lists (``TEXT``, ``IMAGE_URL``, ``THINKING``), assistant
``toolCalls`` ``{id, type: FUNCTION, function: {name, arguments}}``, ``TOOL`` messages with
``toolCallId``, tools ``{type: FUNCTION, function: {name, description, parameters}}`` (JSON
Schema, unlike v1's Python type names), ``toolsChoice`` ``REQUIRED``/``NONE``. Streams are
GENERIC-like chunks ``{"message": {"content": [...], "toolCalls": [...]}}`` ending with
``finishReason`` (cohere's ``oci_client.transform_stream_event``); ``_stream.py`` decodes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import reason
from llmkit.dialects.base import ChatRequest, ForcedTool
from llmkit.errors import ConfigurationError, NotSupportedError, ResponseDecodeError
from llmkit.types import ImagePart, Message, Part, ReasoningPart, TextPart, ToolCall

_ROLES = {"system": "SYSTEM", "developer": "SYSTEM", "user": "USER", "assistant": "ASSISTANT", "tool": "TOOL"}
# keyword option -> CohereChatRequestV2 field (beyond the shared sampling fields)
V2_FIELDS = {
    "documents": "documents",
    "safety_mode": "safetyMode",
    "citation_options": "citationOptions",
    "thinking": "thinking",
    "is_strict_tools_enabled": "isStrictToolsEnabled",
    "priority": "priority",
}
# v1-only options: refused with v2 rather than silently dropped.
V1_ONLY = ("preamble_override", "is_force_single_step", "prompt_truncation")


def _content(m: Message) -> list[dict[str, Any]]:
    if isinstance(m.content, str):
        return [{"type": "TEXT", "text": m.content}] if m.content else []
    out: list[dict[str, Any]] = []
    for p in m.content:
        if isinstance(p, TextPart):
            out.append({"type": "TEXT", "text": p.text})
        elif isinstance(p, ImagePart):
            src = p.url or f"data:{p.media_type or 'image/png'};base64,{p.data}"
            out.append({"type": "IMAGE_URL", "imageUrl": {"url": src}})
        elif isinstance(p, ReasoningPart):
            if p.text:
                out.append({"type": "THINKING", "thinking": p.text})
        else:
            raise ConfigurationError(f"oci: a {type(p).__name__} cannot be sent in the COHEREV2 format")
    return out


def _message(m: Message) -> dict[str, Any]:
    role = _ROLES.get(m.role)
    if role is None:
        raise ConfigurationError(f"oci: a message with role {m.role!r} cannot be sent")
    wire: dict[str, Any] = {"role": role, "content": _content(m)}
    if m.role == "tool":
        wire["toolCallId"] = m.tool_call_id or ""
    if m.tool_calls:
        wire["toolCalls"] = [
            {
                "id": c.id,
                "type": "FUNCTION",
                "function": {"name": c.name, "arguments": c.raw_arguments or "{}"},
            }
            for c in m.tool_calls
        ]
    return wire


def _tools_choice(choice: Any) -> str | None:
    if choice is None or choice == "auto":
        return None
    if isinstance(choice, ForcedTool):
        raise NotSupportedError(
            f"oci: tool_choice={choice.name!r} (one named tool) has no COHEREV2 equivalent; "
            "pass tool_choice='required' or offer only that tool"
        )
    value = str(choice).upper()
    if value not in ("REQUIRED", "NONE"):
        raise ConfigurationError(f"oci: tool_choice={choice!r} is not auto, required or none")
    return value


def request(req: ChatRequest) -> dict[str, Any]:
    """The ``chatRequest`` of a COHEREV2 call, without the fields ``_common`` adds."""
    given = [o for o in V1_ONLY if req.options.get(o) is not None]
    if given:
        raise ConfigurationError(
            f"oci: {', '.join(given)} belong to the COHERE (v1) format, not COHEREV2; drop them or "
            "pass api_format='COHERE'"
        )
    body: dict[str, Any] = {"apiFormat": "COHEREV2", "messages": [_message(m) for m in req.messages]}
    if req.tools:
        body["tools"] = [
            {
                "type": "FUNCTION",
                "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
            }
            for t in req.tools
        ]
    choice = _tools_choice(req.tool_choice)
    if choice is not None:
        body["toolsChoice"] = choice
    rf = req.response_format
    if rf is not None:
        body["responseFormat"] = {"type": "JSON_OBJECT", **({"schema": dict(rf.schema)} if rf.schema else {})}
    for option, name in V2_FIELDS.items():
        if req.options.get(option) is not None:
            body[name] = req.options[option]
    return body


def tool_call(c: Any, i: int) -> ToolCall:
    """A CohereToolCallV2 (``function`` is an object of ``name`` and ``arguments``, a JSON string)."""
    if not isinstance(c, Mapping):
        raise ResponseDecodeError(f"a COHEREV2 tool call is {type(c).__name__}, not an object")
    fn = c.get("function")
    if not isinstance(fn, Mapping):
        raise ResponseDecodeError("a COHEREV2 tool call has no function object")
    args = fn.get("arguments")
    return ToolCall(
        str(c.get("id") or f"call_{i}"), str(fn.get("name") or ""), args if isinstance(args, str) else ""
    )


def parts_of(content: Any, where: str) -> list[TextPart | ReasoningPart]:
    """Text and thinking parts of a COHEREV2 content list (a drifted part is an error)."""
    if content is None:
        return []
    if not isinstance(content, list):
        raise ResponseDecodeError(f"{where}.content is {type(content).__name__}, not a list")
    out: list[TextPart | ReasoningPart] = []
    for part in content:
        if not isinstance(part, Mapping):
            raise ResponseDecodeError(f"a {where} content part is {type(part).__name__}, not an object")
        kind = part.get("type")
        key = "thinking" if kind == "THINKING" else "text"
        value = part.get(key)
        if kind not in ("TEXT", "THINKING"):
            continue
        if not isinstance(value, str):
            raise ResponseDecodeError(f"a {where} {kind} part holds {type(value).__name__}, not a string")
        if value:
            out.append(ReasoningPart(value) if kind == "THINKING" else TextPart(value))
    return out


def answer(chat: Mapping[str, Any]) -> tuple[list[Part], list[ToolCall], str | None]:
    """Parts, tool calls and the raw finish reason of a CohereChatResponseV2."""
    message = chat.get("message") or {}
    if not isinstance(message, Mapping):
        raise ResponseDecodeError("COHEREV2 chatResponse.message is not an object")
    parts: list[Part] = list(parts_of(message.get("content"), "message"))
    calls = [tool_call(c, i) for i, c in enumerate(message.get("toolCalls") or ())]
    return parts, calls, reason(chat.get("finishReason"), "finishReason")
