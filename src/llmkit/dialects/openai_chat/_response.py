"""An OpenAI chat completion body -> a ``Completion``, and the usage / finish-reason / content
readers the stream decoder shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat._errors import classify
from llmkit.dialects.openai_chat._quirks import OpenAIQuirks
from llmkit.errors import ResponseDecodeError
from llmkit.types import (
    Completion,
    FinishReason,
    Message,
    Part,
    ReasoningDelta,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    Usage,
)
from llmkit.wire import HttpResponse

FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
    "content_filter": FinishReason.CONTENT_FILTER,
    "eos": FinishReason.STOP,
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_length": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "error": FinishReason.ERROR,
}


def parse_usage(
    u: Mapping[str, Any] | None, service_tier: Any = None, cost: Any = None, uncounted: int | None = None
) -> Usage:
    """``usage`` read into a Usage; ``cost`` is the body's top-level ``cost`` object (Venice
    puts ``{"usd", "diem"}`` there, outside ``usage``). ``uncounted``: the value the server writes
    for a count it did not make (its quirk), read as 0; any other value, negative or not a number,
    is left for the usage guard to reject."""
    if not u:
        return Usage()
    get = u.get  # every response reads up to nine keys: one attribute lookup for them all
    prompt = get("prompt_tokens")
    completion = get("completion_tokens")
    if prompt is None and completion is None:
        # AssemblyAI's LLM Gateway documents only input_tokens / output_tokens / total_tokens.
        prompt, completion = get("input_tokens"), get("output_tokens")
    pd = get("prompt_tokens_details")
    cd = get("completion_tokens_details")
    total = get("total_tokens")
    cached = pd.get("cached_tokens") if pd else None
    reasoning = cd.get("reasoning_tokens") if cd else None
    if uncounted is not None:
        counts = (prompt, completion, cached, reasoning, total)
        prompt, completion, cached, reasoning, total = (
            0 if type(v) is int and v == uncounted else v for v in counts
        )
    prompt = prompt or 0
    completion = completion or 0
    cached = cached or 0
    if not cached:
        cached = get("prompt_cache_hit_tokens")
        cached = (0 if uncounted is not None and type(cached) is int and cached == uncounted else cached) or 0
    reasoning = reasoning or 0
    total = total or prompt + completion
    if reasoning and _ints(prompt, completion, reasoning, total) and total == prompt + completion + reasoning:
        # OpenAI counts reasoning inside completion_tokens; a server whose total shows it kept
        # reasoning outside (xAI) gets it added back, so output covers everything generated.
        completion += reasoning
    # No cost field anywhere (the usual body) reads as no reported cost without the lookups.
    reported = _reported_cost(u, cost) if cost is not None or "cost" in u or "estimated_cost" in u else None
    return Usage(
        prompt,
        completion,
        total,
        cached,
        reasoning,
        service_tier=service_tier if isinstance(service_tier, str) else None,
        reported_cost=reported,
    )


def _reported_cost(u: Mapping[str, Any], cost: Any) -> float | None:
    """What the provider says the call cost, in USD. OpenRouter (and some gateways) send
    usage.cost; DeepInfra usage.estimated_cost (its model pages' documented response); Venice a
    top-level cost.usd beside cost.diem, its own credit (swagger.yaml's chat example)."""
    reported = _money(u.get("cost", u.get("estimated_cost")))
    if reported is None and isinstance(cost, Mapping):
        usd, diem = _money(cost.get("usd")), _money(cost.get("diem"))
        # A call paid in Diem reports usd 0: that is no USD figure, not a free call.
        reported = None if usd == 0 and diem else usd
    return reported


def _money(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def finish_reason(raw: str | None) -> FinishReason:
    if raw is None:
        return FinishReason.OTHER
    return FINISH_REASONS.get(raw, FinishReason.OTHER)


def stop_reason(raw: str | None, refused: bool) -> FinishReason:
    """The finish reason, with a refusal's ``"stop"`` read as CONTENT_FILTER (OpenAI flags a
    refusal only in ``message.refusal``; the finish reason stays ``"stop"``)."""
    reason = finish_reason(raw)
    return FinishReason.CONTENT_FILTER if refused and reason is FinishReason.STOP else reason


def reasoning_of(obj: Mapping[str, Any]) -> str | None:
    r = obj.get("reasoning_content")
    if r is None:
        r = obj.get("reasoning")
    return r if isinstance(r, str) else None


def parse_chat_body(obj: Any, ctx: CallContext, q: OpenAIQuirks) -> Completion:
    choices = obj.get("choices") if isinstance(obj, dict) else None
    if not isinstance(choices, list):
        if q.in_body_status is not None:  # a failure reported inside a 2xx (MiniMax's base_resp)
            status = q.in_body_status(obj)
            if status is not None:
                raise classify(status, obj, ctx, HttpResponse(status, {}), q)
        raise ResponseDecodeError(
            "chat completion without a choices list", provider=ctx.provider, snippet=str(obj)
        )
    # No choices at all is read as an empty answer (some gateways send that); a choice that is
    # not an object is drift.
    choice = choices[0] if choices else {}
    if not isinstance(choice, dict):
        raise ResponseDecodeError(
            "chat completion without a choice object", provider=ctx.provider, snippet=str(obj)
        )
    msg = choice.get("message") or {}
    if not isinstance(msg, dict):
        raise ResponseDecodeError(
            "choices[0].message is not an object", provider=ctx.provider, snippet=str(obj)
        )
    reasoning = reasoning_of(msg) if "reasoning_content" in msg or "reasoning" in msg else None
    content = msg.get("content")
    parts: tuple[Part, ...]
    if type(content) is str and not reasoning:  # the usual answer: one text part, or none
        parts = (TextPart(content),) if content else ()
    else:
        parts = _content_parts(reasoning, content, ctx, obj)
    raw_calls = msg.get("tool_calls")
    calls = () if raw_calls is None else _tool_calls(raw_calls, ctx)
    raw_reason = choice.get("finish_reason")
    refusal = msg.get("refusal")
    refusal = refusal if isinstance(refusal, str) and refusal else None
    reason = FinishReason.OTHER if raw_reason is None else FINISH_REASONS.get(raw_reason, FinishReason.OTHER)
    if refusal is not None and reason is FinishReason.STOP:
        reason = FinishReason.CONTENT_FILTER  # as stop_reason reads a refusal's "stop"
    completion = Completion(
        Message("assistant", parts, calls),
        reason,
        parse_usage(obj.get("usage"), obj.get("service_tier"), obj.get("cost"), q.uncounted),
        obj.get("model") or ctx.model,
        ctx.provider,
        obj.get("id"),
        raw_reason,
        obj,
        refusal=refusal,
    )
    if q.response_hook is not None:
        q.response_hook(obj, completion)
    return completion


def _content_parts(reasoning: str | None, content: Any, ctx: CallContext, obj: Any) -> tuple[Part, ...]:
    """The message's parts in general: reasoning first, then text or typed parts (some servers,
    Mistral, return a list, thinking included); anything else but ``{}`` is drift."""
    parts: list[Part] = [ReasoningPart(reasoning)] if reasoning else []
    if type(content) is str:
        if content:
            parts.append(TextPart(content))
    elif isinstance(content, list):
        for ev in delta_parts(content):
            parts.append(TextPart(ev.text) if isinstance(ev, TextDelta) else ReasoningPart(ev.text))  # type: ignore[union-attr]
    elif content is not None and content != {}:  # {}: a documented placeholder (Novita), no text
        raise ResponseDecodeError(
            f"message content is {type(content).__name__}, not text", provider=ctx.provider, snippet=str(obj)
        )
    return tuple(parts)


def _tool_calls(raw_calls: Any, ctx: CallContext) -> tuple[ToolCall, ...]:
    if not (isinstance(raw_calls, list) and all(_is_function_call(c) for c in raw_calls)):
        raise ResponseDecodeError(
            "tool_calls is not a list of function calls", provider=ctx.provider, snippet=str(raw_calls)
        )
    return tuple(
        ToolCall(
            c.get("id") or f"call_{i}",
            (c.get("function") or {}).get("name", ""),
            (c.get("function") or {}).get("arguments"),
        )
        for i, c in enumerate(raw_calls)
    )


def _is_function_call(c: Any) -> bool:
    return isinstance(c, dict) and isinstance(c.get("function"), dict)


def delta_parts(parts: Any) -> list[StreamEvent]:
    out: list[StreamEvent] = []
    for p in parts if isinstance(parts, list) else ():
        if not isinstance(p, dict):
            continue
        if p.get("type") == "text" and p.get("text"):
            out.append(TextDelta(str(p["text"])))
        elif p.get("type") == "thinking":
            inner = p.get("thinking")
            text = (
                "".join(t.get("text", "") for t in inner if isinstance(t, dict))
                if isinstance(inner, list)
                else inner
            )
            if text:
                out.append(ReasoningDelta(str(text)))
    return out
