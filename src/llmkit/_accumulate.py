"""One Accumulator folds any dialect's stream events into a Completion, the same way for every
provider (text, reasoning, tool calls merged by index, usage, citations, refusals). Pure."""

from __future__ import annotations

from typing import Any

from llmkit._guard import check_usage
from llmkit.dialects.base import StreamDecoder
from llmkit.types import (
    CitationsUpdate,
    Completion,
    Finish,
    FinishReason,
    Message,
    Part,
    ReasoningDelta,
    ReasoningPart,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)


class Accumulator:
    """Folds stream events into a Completion.

    Tool-call deltas are joined by index, except that a delta bringing a new ``id`` to an index
    already in use starts a new call: some servers (Ollama's OpenAI route among them) send
    ``index: 0`` for every call, each with its own id.
    """

    __slots__ = (
        "_open",
        "calls",
        "citations",
        "events",
        "finish",
        "reasoning",
        "redacted",
        "refusal",
        "signature",
        "text",
        "usage",
    )

    def __init__(self) -> None:
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.signature: str | None = None
        self.redacted: list[str] = []
        # Each call as [index, id, name, argument pieces], in arrival order; _open maps an index
        # to the call that deltas without an id at that index continue.
        self.calls: list[list[Any]] = []
        self._open: dict[int, list[Any]] = {}
        self.refusal: list[str] | None = None
        self.usage: Usage | None = None
        self.finish: Finish | None = None
        self.citations: list[Any] = []
        self.events = 0

    def add(self, ev: StreamEvent) -> None:
        self.events += 1
        kind = type(ev)
        if kind is TextDelta:
            if type(ev.text) is not str:  # type: ignore[union-attr]
                raise TypeError("a text delta that is not a string")
            self.text.append(ev.text)  # type: ignore[union-attr]
        elif kind is ToolCallDelta:
            assert isinstance(ev, ToolCallDelta)
            # Checked here, once for every dialect: these are what build() sorts and joins.
            if type(ev.index) is not int or not isinstance(ev.arguments_delta, str):
                raise TypeError(f"tool call delta with index {ev.index!r}")
            slot = self._open.get(ev.index)
            if slot is None or (ev.id and slot[1] and ev.id != slot[1]):
                slot = self._open[ev.index] = [ev.index, ev.id, ev.name, [ev.arguments_delta]]
                self.calls.append(slot)
            else:
                if ev.id and not slot[1]:
                    slot[1] = ev.id
                if ev.name and not slot[2]:
                    slot[2] = ev.name
                slot[3].append(ev.arguments_delta)
        elif kind is RefusalDelta:
            assert isinstance(ev, RefusalDelta)
            if self.refusal is None:
                self.refusal = []
            self.refusal.append(ev.text)
        elif kind is ReasoningDelta:
            assert isinstance(ev, ReasoningDelta)
            if type(ev.text) is not str:
                raise TypeError("a reasoning delta that is not a string")
            self.reasoning.append(ev.text)
            if ev.signature:
                self.signature = ev.signature
            if ev.redacted_data:
                self.redacted.append(ev.redacted_data)
        elif kind is UsageUpdate:
            assert isinstance(ev, UsageUpdate)
            check_usage(ev.usage)
            self.usage = _merge_usage(self.usage, ev.usage)
        elif kind is Finish:
            assert isinstance(ev, Finish)
            self.finish = ev
        elif kind is CitationsUpdate:
            assert isinstance(ev, CitationsUpdate)
            self.citations = list(ev.citations)

    def build(self, decoder: StreamDecoder, provider: str, model: str) -> Completion:
        parts: list[Part] = []
        if self.reasoning or self.signature:
            parts.append(ReasoningPart("".join(self.reasoning), self.signature))
        parts.extend(ReasoningPart(redacted_data=d) for d in self.redacted)
        if self.text:
            parts.append(TextPart("".join(self.text)))
        # Sorted by index (a stable sort keeps calls that shared an index in arrival order).
        ordered = sorted(self.calls, key=_index_of)
        calls = tuple(
            ToolCall(slot[1] or f"call_{i}", slot[2] or "", "".join(slot[3]))
            for i, slot in enumerate(ordered)
        )
        finish = self.finish
        reason = finish.reason if finish else (FinishReason.TOOL_CALLS if calls else FinishReason.OTHER)
        return Completion(
            message=Message("assistant", tuple(parts), calls),
            finish_reason=reason,
            usage=self.usage or Usage(),
            model=decoder.response_model or model,
            provider=provider,
            id=decoder.response_id,
            raw_finish_reason=finish.raw_reason if finish else None,
            raw=decoder.raw_events,
            citations=self.citations or list(decoder.citations),
            refusal=None if self.refusal is None else "".join(self.refusal),
        )


def _index_of(slot: list[Any]) -> int:
    index: int = slot[0]
    return index


def _merge_usage(old: Usage | None, new: Usage) -> Usage:
    # Some formats report input tokens at the start and output tokens at the end.
    if old is None:
        return new
    return Usage(
        input_tokens=new.input_tokens or old.input_tokens,
        output_tokens=new.output_tokens or old.output_tokens,
        total_tokens=new.total_tokens if new.input_tokens and new.output_tokens else 0,
        cached_input_tokens=new.cached_input_tokens or old.cached_input_tokens,
        reasoning_tokens=new.reasoning_tokens or old.reasoning_tokens,
        cache_creation_input_tokens=new.cache_creation_input_tokens or old.cache_creation_input_tokens,
        cache_write_1h_tokens=new.cache_write_1h_tokens or old.cache_write_1h_tokens,
        service_tier=new.service_tier or old.service_tier,
        reported_cost=new.reported_cost if new.reported_cost is not None else old.reported_cost,
    )
