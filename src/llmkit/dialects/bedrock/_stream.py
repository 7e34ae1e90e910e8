"""Decode ConverseStream's event-stream body into llmkit stream events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import reason
from llmkit.dialects.base import CallContext
from llmkit.dialects.bedrock._errors import stream_error
from llmkit.dialects.bedrock._response import citation_from, finish_reason, usage_from
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.eventstream import EventStreamDecodeError, EventStreamDecoder
from llmkit.framing.json_text import loads as _decode
from llmkit.types import (
    Citation,
    CitationsUpdate,
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageUpdate,
)


class BedrockConverseStreamDecoder:
    """One per stream: event-stream bytes in, llmkit events out; exception frames raise."""

    __slots__ = (
        "_ctx",
        "_done",
        "_frames",
        "_n_calls",
        "_tool_index",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext) -> None:
        self._frames = EventStreamDecoder()
        self._ctx = ctx
        self._done = False
        # contentBlockIndex -> ordinal of that tool call among this message's tool calls
        self._tool_index: dict[int, int] = {}
        self._n_calls = 0
        # An exception frame, reported after the events that preceded it in the same read.
        self.error: LLMKitError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        """True once ``messageStop`` arrived (the ``metadata`` event with usage follows it)."""
        return self._done

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        broken: EventStreamDecodeError | None = None
        try:
            frames = self._frames.feed(data)
        except EventStreamDecodeError as exc:  # keep the whole frames before the bad one
            frames, broken = exc.messages, exc
        raw_events = self.raw_events
        for frame in frames:
            if frame.kind != "event":
                error = stream_error(frame, self._ctx)
                if not out:
                    raise error
                # Hand back the events before the exception first; the stream raises it right after.
                self.error = error
                return out
            kind = frame.event_type or ""
            payload = frame.payload
            try:
                # str first: json.loads(bytes) would sniff the encoding of every payload; the
                # fallback keeps what it accepted (a BOM, UTF-16) for the rare payload that needs it.
                obj = _decode(payload.decode()) if payload else {}
            except ValueError:
                obj = self._json(kind, payload)
            if type(obj) is not dict:  # json gives exact dicts
                raise ResponseDecodeError(
                    f"stream event {kind!r} is not an object", provider=self._ctx.provider, snippet=payload
                )
            if kind == "contentBlockDelta" and raw_events:
                # The plain text delta, nearly every frame of a stream: read here, and not kept
                # in raw_events (a long stream's deltas would otherwise pile up in memory, which
                # the OpenAI path does not do either).
                delta = obj.get("delta")
                if type(delta) is dict and len(delta) == 1:
                    text = delta.get("text")
                    if type(text) is str and obj.keys() <= _PLAIN_EVENT_KEYS:
                        if text:
                            out.append(TextDelta(text))
                        continue
            if kind != "contentBlockDelta" or not raw_events or _not_plain_delta(obj):
                raw_events.append({kind: obj})
            self._event(kind, obj, out)
        if broken is not None:
            if not out:
                raise broken
            self.error = broken  # raised by the stream after the events before the bad frame
        return out

    def _json(self, kind: str, payload: bytes) -> Any:
        try:
            return json.loads(payload)
        except ValueError:
            raise ResponseDecodeError(
                f"stream event {kind!r} is not JSON", provider=self._ctx.provider, snippet=payload
            ) from None

    def _event(self, kind: str, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        if kind == "contentBlockDelta":
            self._delta(obj, out)
        elif kind == "contentBlockStart":
            start = obj.get("start")
            use = start.get("toolUse") if isinstance(start, Mapping) else None
            if isinstance(use, Mapping):
                ordinal = self._start_call(obj)
                out.append(
                    ToolCallDelta(ordinal, str(use.get("toolUseId") or ""), str(use.get("name") or ""))
                )
        elif kind == "messageStop":
            raw = reason(obj.get("stopReason"), "messageStop.stopReason")
            self._done = True
            out.append(Finish(finish_reason(raw), raw))
        elif kind == "metadata":
            usage = obj.get("usage")
            if isinstance(usage, Mapping):
                out.append(UsageUpdate(usage_from(usage)))
        # messageStart and contentBlockStop carry nothing to surface; unknown events are skipped.

    def _start_call(self, obj: Mapping[str, Any]) -> int:
        # Every toolUse block start is a new call, even at a contentBlockIndex seen before.
        index = obj.get("contentBlockIndex")
        ordinal = self._tool_index[index if isinstance(index, int) else -1] = self._n_calls
        self._n_calls += 1
        return ordinal

    def _ordinal(self, obj: Mapping[str, Any]) -> int:
        index = obj.get("contentBlockIndex")
        key = index if isinstance(index, int) else -1
        ordinal = self._tool_index.get(key)
        if ordinal is None:  # input without a start event: a call of its own
            ordinal = self._tool_index[key] = self._n_calls
            self._n_calls += 1
        return ordinal

    def _delta(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        delta = obj.get("delta")
        if not isinstance(delta, Mapping):
            return
        text = delta.get("text")
        if isinstance(text, str):
            if text:
                out.append(TextDelta(text))
            return
        if text is not None:  # malformed text is an error, never silently dropped
            raise ResponseDecodeError(
                f"a text delta holds {type(text).__name__}, not a string", provider=self._ctx.provider
            )
        use = delta.get("toolUse")
        if isinstance(use, Mapping):
            piece = use.get("input")
            if piece is not None and not isinstance(piece, str):
                # Dropping it would end the call with its arguments silently cut.
                raise ResponseDecodeError(
                    f"a toolUse delta's input is {type(piece).__name__}, not a string of JSON",
                    provider=self._ctx.provider,
                )
            if piece:
                out.append(ToolCallDelta(self._ordinal(obj), arguments_delta=piece))
            return
        reasoning = delta.get("reasoningContent")
        if isinstance(reasoning, Mapping):
            if isinstance(reasoning.get("text"), str) and reasoning["text"]:
                out.append(ReasoningDelta(reasoning["text"]))
            if isinstance(reasoning.get("signature"), str) and reasoning["signature"]:
                out.append(ReasoningDelta(signature=reasoning["signature"]))
            if isinstance(reasoning.get("redactedContent"), str):
                out.append(ReasoningDelta(redacted_data=reasoning["redactedContent"]))
            return
        found = citation_from(delta.get("citation"))
        if found is not None and found not in self.citations:
            self.citations.append(found)
            out.append(CitationsUpdate(tuple(self.citations)))


# The keys of a plain contentBlockDelta ("p" is the padding Bedrock adds against size analysis).
_PLAIN_EVENT_KEYS = frozenset({"contentBlockIndex", "delta", "p"})
_PLAIN_INNER = {"toolUse": frozenset({"input"}), "reasoningContent": frozenset({"text"})}


def _not_plain_delta(obj: Mapping[str, Any]) -> bool:
    delta = obj.get("delta")
    if not isinstance(delta, Mapping) or len(delta) != 1 or not obj.keys() <= _PLAIN_EVENT_KEYS:
        return True
    ((key, value),) = delta.items()
    if key == "text":
        return False
    plain = _PLAIN_INNER.get(key)
    return plain is None or not isinstance(value, Mapping) or not value.keys() <= plain
