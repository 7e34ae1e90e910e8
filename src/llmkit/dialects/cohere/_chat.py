"""Cohere ``POST /v2/chat``: the request body and the answer.

Messages are OpenAI-shaped (roles system/user/assistant/tool, text and ``image_url`` parts,
``tool_calls`` with JSON-string arguments, ``tool_call_id``), so OpenAI's message translation
writes them; what differs is the envelope: ``stop_sequences``, ``tool_choice`` ``REQUIRED`` /
``NONE`` (no forced tool: refused), ``response_format`` ``{"type": "json_object",
"json_schema"}``, an assistant turn's reasoning sent back as its ``tool_plan``, and the
grounding options (``documents``, ``citation_options``) passed as given. The answer's
``message.content`` holds ``text`` and ``thinking`` items; ``tool_plan`` is read as reasoning;
``citations`` become ``Completion.citations`` (span, text, source ids)."""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import count, reason
from llmkit.dialects.base import CallContext, ChatRequest, ForcedTool
from llmkit.dialects.cohere._errors import refuse_others
from llmkit.dialects.openai_chat._request import message_to_wire
from llmkit.errors import NotSupportedError, ResponseDecodeError
from llmkit.types import (
    Citation,
    Completion,
    FinishReason,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    Usage,
)

# Chat body fields beyond the common ones (the API reference's /v2/chat).
CHAT_OPTIONS = frozenset(
    {
        "documents",
        "citation_options",
        "safety_mode",
        "seed",
        "frequency_penalty",
        "presence_penalty",
        "k",
        "p",
        "logprobs",
        "strict_tools",
        "thinking",
        "priority",
    }
)
FINISH = {
    "COMPLETE": FinishReason.STOP,
    "STOP_SEQUENCE": FinishReason.STOP,
    "MAX_TOKENS": FinishReason.LENGTH,
    "TOOL_CALL": FinishReason.TOOL_CALLS,
    "ERROR": FinishReason.ERROR,
    "TIMEOUT": FinishReason.ERROR,
}


def _message(m: Message) -> dict[str, Any]:
    out = message_to_wire(m)
    out.pop("name", None)
    if m.role == "assistant" and m.tool_calls:
        if out.get("content") is None:
            out.pop("content", None)
        if m.reasoning:
            out["tool_plan"] = m.reasoning
    return out


def _tool_choice(tc: Any, provider: str) -> str | None:
    if tc is None or tc == "auto":
        return None
    if isinstance(tc, ForcedTool):
        raise NotSupportedError(
            f"{provider}: Cohere's tool_choice is REQUIRED or NONE; it cannot force one named tool "
            "(pass only that tool with tool_choice='required')"
        )
    return "NONE" if tc == "none" else "REQUIRED"


def build_chat_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    refuse_others(req.options, CHAT_OPTIONS, "chat", ctx.provider)
    body: dict[str, Any] = {"model": req.model, "messages": [_message(m) for m in req.messages]}
    if req.tools:
        tools = []
        for t in req.tools:
            fn: dict[str, Any] = {"name": t.name, "parameters": dict(t.parameters)}
            if t.description:
                fn["description"] = t.description
            tools.append({"type": "function", "function": fn})
        body["tools"] = tools
    choice = _tool_choice(req.tool_choice, ctx.provider)
    if choice is not None:
        body["tool_choice"] = choice
    rf = req.response_format
    if rf is not None:
        fmt: dict[str, Any] = {"type": "json_object"}
        if rf.type != "json_object" and rf.schema is not None:
            fmt["json_schema"] = dict(rf.schema)
        body["response_format"] = fmt
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.max_tokens is not None:
        body["max_tokens"] = req.max_tokens
    if req.stop:
        body["stop_sequences"] = list(req.stop)
    body["stream"] = req.stream  # explicit either way, as the SDK sends it
    body.update(req.options)
    if req.extra_body:
        body.update(req.extra_body)
    return body


def usage(obj: Any) -> Usage:
    """``usage.tokens`` (what the model read and wrote) where given, else ``billed_units``."""
    if not isinstance(obj, dict):
        return Usage()
    tokens = obj.get("tokens") if isinstance(obj.get("tokens"), dict) else obj.get("billed_units")
    if not isinstance(tokens, dict):
        tokens = {}
    cached = obj.get("cached_tokens")
    return Usage(
        input_tokens=_whole(tokens.get("input_tokens"), "usage input_tokens"),
        output_tokens=_whole(tokens.get("output_tokens"), "usage output_tokens"),
        cached_input_tokens=_whole(cached, "usage cached_tokens"),
    )


def _whole(value: Any, name: str) -> int:
    if type(value) is int and value >= 0:  # what count() accepts first, without the call
        return value
    # The SDK types Cohere's counts as floats; the API sends whole numbers.
    if type(value) is float and value.is_integer() and value >= 0:
        return int(value)
    return count(value, name)


def citation(obj: Any) -> Citation:
    if not isinstance(obj, dict):
        raise ResponseDecodeError(f"a citation is {type(obj).__name__}, not an object")
    ids: list[str] = []
    title = None
    for src in obj.get("sources") or ():
        if isinstance(src, dict) and isinstance(src.get("id"), str):
            ids.append(src["id"])
            doc = src.get("document")
            if title is None and isinstance(doc, dict) and isinstance(doc.get("title"), str):
                title = doc["title"]
    start, end, text = obj.get("start"), obj.get("end"), obj.get("text")
    return Citation(
        title=title,
        text=text if isinstance(text, str) else None,
        start=start if type(start) is int else None,
        end=end if type(end) is int else None,
        sources=tuple(ids),
    )


def _content(msg: dict[str, Any]) -> tuple[Part, ...]:
    parts: list[Part] = []
    plan = msg.get("tool_plan")
    if isinstance(plan, str) and plan:
        parts.append(ReasoningPart(plan))
    items = msg.get("content")
    if isinstance(items, str):
        items = [{"type": "text", "text": items}]
    for item in items or ():
        if not isinstance(item, dict):
            raise ResponseDecodeError(f"a content item is {type(item).__name__}, not an object")
        if item.get("type") == "text" and isinstance(item.get("text"), str):
            parts.append(TextPart(item["text"]))
        elif item.get("type") == "thinking" and isinstance(item.get("thinking"), str):
            parts.append(ReasoningPart(item["thinking"]))
    return tuple(parts)


def _calls(msg: dict[str, Any]) -> tuple[ToolCall, ...]:
    out = []
    for c in msg.get("tool_calls") or ():
        fn = c.get("function") if isinstance(c, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ResponseDecodeError("a tool call without a function name")
        args = fn.get("arguments")
        out.append(
            ToolCall(str(c.get("id") or ""), fn["name"], args if isinstance(args, str | dict) else None)
        )
    return tuple(out)


def parse_chat_body(obj: Any, ctx: CallContext) -> Completion:
    if not isinstance(obj, dict) or not isinstance(obj.get("message"), dict):
        raise ResponseDecodeError("the chat response has no message object", provider=ctx.provider)
    msg = obj["message"]
    raw = reason(obj.get("finish_reason"), "finish_reason")
    parts = _content(msg)
    content: str | tuple[Part, ...] = parts
    if all(isinstance(p, TextPart) for p in parts):
        content = "".join(p.text for p in parts if isinstance(p, TextPart))
    rid = obj.get("id")
    return Completion(
        message=Message("assistant", content, _calls(msg)),
        finish_reason=FINISH.get(raw or "", FinishReason.OTHER if raw else FinishReason.STOP),
        usage=usage(obj.get("usage")),
        model=ctx.model,
        provider=ctx.provider,
        id=rid if isinstance(rid, str) else None,
        raw_finish_reason=raw,
        raw=obj,
        citations=[citation(c) for c in msg.get("citations") or ()],
    )
