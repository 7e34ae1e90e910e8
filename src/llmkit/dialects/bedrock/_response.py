"""Decode Converse answers: content blocks, finish reason, usage and citations (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import count, reason
from llmkit.dialects.base import CallContext
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
from llmkit.wire import HttpResponse

FINISH_REASONS = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "guardrail_intervened": FinishReason.CONTENT_FILTER,
    "content_filtered": FinishReason.CONTENT_FILTER,
    "malformed_model_output": FinishReason.ERROR,
    "malformed_tool_use": FinishReason.ERROR,
}


def finish_reason(raw: str | None) -> FinishReason:
    return FINISH_REASONS.get(raw or "", FinishReason.OTHER)


def usage_from(u: Any) -> Usage:
    """Converse ``usage`` -> llmkit Usage.

    Converse's ``inputTokens`` excludes the tokens read from and written to the prompt cache
    (``totalTokens`` counts them); llmkit's ``input_tokens`` is the whole prompt.
    """
    if type(u) is not dict and not isinstance(u, Mapping):  # json gives dicts: the ABC check is rare
        return Usage()
    # A count that is a float, a bool or a string is a drifted body, not zero tokens.
    read = count(u.get("cacheReadInputTokens"), "usage.cacheReadInputTokens")
    written = count(u.get("cacheWriteInputTokens"), "usage.cacheWriteInputTokens")
    prompt = count(u.get("inputTokens"), "usage.inputTokens") + read + written
    output = count(u.get("outputTokens"), "usage.outputTokens")
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=count(u.get("totalTokens"), "usage.totalTokens") or prompt + output,
        cached_input_tokens=read,
        cache_creation_input_tokens=written,
        cache_write_1h_tokens=_written_1h(u.get("cacheDetails")),
    )


def _written_1h(details: Any) -> int:
    # cacheDetails splits the cache write by TTL; the 1-hour part is priced apart.
    if not isinstance(details, list):
        return 0
    return sum(
        count(d.get("inputTokens"), "usage.cacheDetails.inputTokens")
        for d in details
        if isinstance(d, Mapping) and d.get("ttl") == "1h"
    )


def citation_from(c: Any) -> Citation | None:
    if not isinstance(c, Mapping):
        return None
    location = c.get("location")
    web = location.get("web") if isinstance(location, Mapping) else None
    url = web.get("url") if isinstance(web, Mapping) else None
    url = url or c.get("source")
    if not isinstance(url, str) or not url:
        return None
    title = c.get("title")
    return Citation(url, title if isinstance(title, str) else None)


def _content(blocks: Any, parts: list[Part], calls: list[ToolCall], citations: list[Citation]) -> None:
    for block in blocks if isinstance(blocks, list) else ():
        if type(block) is not dict and not isinstance(block, Mapping):
            raise ResponseDecodeError(f"a content block is {type(block).__name__}, not an object")
        text = block.get("text")
        if type(text) is str or isinstance(text, str):
            if text:
                parts.append(TextPart(text))
        elif "text" in block:
            # Malformed text is an error, never silently an empty answer.
            raise ResponseDecodeError(f"a text block holds {type(text).__name__}, not a string")
        elif isinstance(block.get("toolUse"), Mapping):
            use = block["toolUse"]
            raw_input = use.get("input")
            arguments = raw_input if isinstance(raw_input, (Mapping, str)) else None
            if raw_input is not None and arguments is None:
                arguments = json.dumps(raw_input)  # not an object: ToolCall records the parse error
            calls.append(ToolCall(str(use.get("toolUseId") or ""), str(use.get("name") or ""), arguments))
        elif isinstance(block.get("reasoningContent"), Mapping):
            reasoning = block["reasoningContent"]
            text = reasoning.get("reasoningText")
            if isinstance(text, Mapping):
                parts.append(ReasoningPart(str(text.get("text") or ""), text.get("signature") or None))
            elif isinstance(reasoning.get("redactedContent"), str):
                parts.append(ReasoningPart(redacted_data=reasoning["redactedContent"]))
        elif isinstance(block.get("citationsContent"), Mapping):
            cited = block["citationsContent"]
            for piece in cited.get("content") or ():
                if isinstance(piece, Mapping) and isinstance(piece.get("text"), str) and piece["text"]:
                    parts.append(TextPart(piece["text"]))
            for c in cited.get("citations") or ():
                found = citation_from(c)
                if found is not None and found not in citations:
                    citations.append(found)
        # image, document, guardContent, searchResult, ... stay in ``raw``.


def completion_from(obj: Any, resp: HttpResponse, ctx: CallContext) -> Completion:
    # json gives dicts: the exact type is checked first, the Mapping ABC (slow) only otherwise.
    output = obj.get("output") if type(obj) is dict or isinstance(obj, Mapping) else None
    message = output.get("message") if type(output) is dict or isinstance(output, Mapping) else None
    if type(message) is not dict and not isinstance(message, Mapping):
        raise ResponseDecodeError(
            "Converse answer without output.message", provider=ctx.provider, snippet=str(obj)
        )
    parts: list[Part] = []
    calls: list[ToolCall] = []
    citations: list[Citation] = []
    _content(message.get("content"), parts, calls, citations)
    raw_reason = reason(obj.get("stopReason"), "stopReason")
    return Completion(
        message=Message("assistant", tuple(parts), tuple(calls)),
        finish_reason=finish_reason(raw_reason),
        usage=usage_from(obj.get("usage")),
        model=ctx.model,
        provider=ctx.provider,
        id=resp.request_id,
        raw_finish_reason=raw_reason,
        raw=obj,
        citations=citations,
    )
