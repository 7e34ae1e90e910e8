"""Anthropic Message JSON -> llmkit Completion (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from llmkit.dialects._errors import count
from llmkit.errors import ResponseDecodeError
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

STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "refusal": FinishReason.CONTENT_FILTER,
    "pause_turn": FinishReason.OTHER,
}


def _mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(value, Mapping)``, answered without the ABC check for what JSON decodes to
    (a dict, or None for an absent field): that check is most of reading a small answer's
    optional fields."""
    if type(value) is dict:
        return True
    return value is not None and isinstance(value, Mapping)


def finish_reason(raw: str | None) -> FinishReason:
    return STOP_REASONS.get(raw, FinishReason.OTHER) if raw else FinishReason.OTHER


def refusal_of(stop_reason: Any, stop_details: Any) -> str | None:
    """With ``stop_reason: "refusal"``, the explanation Anthropic gives (or "" when it gives none)."""
    if stop_reason != "refusal":
        return None
    explanation = stop_details.get("explanation") if _mapping(stop_details) else None
    return explanation if isinstance(explanation, str) else ""


def _int(value: Any, name: str = "a usage count") -> int:
    if type(value) is int and value >= 0:  # what count() accepts first, without the call
        return value
    return count(value, name)


def usage_from(u: Mapping[str, Any] | None) -> Usage:
    """Anthropic usage -> llmkit Usage.

    Anthropic's ``input_tokens`` excludes tokens written to or read from the
    prompt cache; llmkit's ``input_tokens`` is the whole prompt (as in every
    other dialect), with ``cached_input_tokens`` (cache reads) and
    ``cache_creation_input_tokens`` (cache writes) as parts of it.
    """
    if not u:
        return Usage()
    fresh = _int(u.get("input_tokens"))
    written = _int(u.get("cache_creation_input_tokens"))
    read = _int(u.get("cache_read_input_tokens"))
    output = _int(u.get("output_tokens"))
    details = u.get("output_tokens_details")
    thinking = _int(details.get("thinking_tokens")) if _mapping(details) else 0
    total_in = fresh + written + read
    split = u.get("cache_creation")
    # The 1-hour part of the cache write is priced apart (2x input against 1.25x for 5 minutes).
    written_1h = _int(split.get("ephemeral_1h_input_tokens")) if _mapping(split) else 0
    tier = u.get("service_tier")
    return Usage(
        input_tokens=total_in,
        output_tokens=output,
        total_tokens=total_in + output,
        cached_input_tokens=read,
        reasoning_tokens=thinking,
        cache_creation_input_tokens=written,
        cache_write_1h_tokens=written_1h,
        service_tier=tier if isinstance(tier, str) else None,
    )


def citation_from(c: Any) -> Citation | None:
    """A citation with a URL (web search, web fetch); document citations stay in ``raw``."""
    if isinstance(c, Mapping) and isinstance(c.get("url"), str):
        title = c.get("title")
        return Citation(c["url"], title if isinstance(title, str) else None)
    return None


def content_from(blocks: Sequence[Any]) -> tuple[tuple[Part, ...], tuple[ToolCall, ...], list[Citation]]:
    """(message content, tool calls, citations) from a list of response content blocks."""
    parts: list[Part] = []
    calls: list[ToolCall] = []
    citations: list[Citation] = []
    for block in blocks:
        if type(block) is not dict and not isinstance(block, Mapping):
            raise ResponseDecodeError(f"a content block is {type(block).__name__}, not an object")
        kind = block.get("type")
        if kind == "text":
            parts.append(TextPart(_text(block, "text")))
            for c in block.get("citations") or ():
                cit = citation_from(c)
                if cit is not None and cit not in citations:
                    citations.append(cit)
        elif kind == "thinking":
            parts.append(ReasoningPart(_text(block, "thinking"), block.get("signature")))
        elif kind == "redacted_thinking":
            parts.append(ReasoningPart(redacted_data=str(block.get("data") or "")))
        elif kind == "tool_use":
            tool_input = block.get("input")
            calls.append(ToolCall(str(block.get("id") or ""), str(block.get("name") or ""), tool_input or {}))
        # Server tool blocks (server_tool_use, web_search_tool_result, ...) are kept in ``raw`` only.
    return tuple(parts), tuple(calls), citations


def _text(block: Mapping[str, Any], key: str) -> str:
    # A text block whose text is not a string is malformed: never read it as "".
    value = block.get(key)
    if not isinstance(value, str):
        kind = block.get("type")
        raise ResponseDecodeError(f"a {kind} block's {key} is {type(value).__name__}, not a string")
    return value


def completion_from(obj: Any, model: str, provider: str) -> Completion:
    if not _mapping(obj) or not isinstance(obj.get("content"), list):
        raise ResponseDecodeError(
            "Anthropic message without a content list", provider=provider, snippet=str(obj)
        )
    content, calls, citations = content_from(obj["content"])
    raw_reason = obj.get("stop_reason")
    return Completion(
        message=Message("assistant", content, calls),
        finish_reason=finish_reason(raw_reason),
        usage=usage_from(obj.get("usage")),
        model=obj.get("model") or model,
        provider=provider,
        id=obj.get("id"),
        raw_finish_reason=raw_reason,
        raw=obj,
        citations=citations,
        refusal=refusal_of(raw_reason, obj.get("stop_details")),
    )
