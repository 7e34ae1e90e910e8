"""Decode Gemini's ``streamGenerateContent?alt=sse`` stream (pure).

Split from ``_response`` (which keeps the whole-response decode and the errors this module
shares); ``_response.GeminiStreamDecoder`` still names the class defined here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext
from llmkit.dialects.gemini._response import (
    _blocked,
    call_id,
    citations_of,
    finish_reason,
    stream_error,
    usage_of,
)
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.framing.json_text import loads
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageUpdate,
)


class GeminiStreamDecoder:
    """``streamGenerateContent?alt=sse``: every event is a whole ``GenerateContentResponse``
    holding only the new parts; there is no end marker, the chunk with ``finishReason`` is last."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._sse = SSEDecoder()
        self._calls = 0
        self._done = False
        self._usage: Mapping[str, Any] | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []
        # An in-stream error (or a block) met after other events of the same read: those events
        # are handed back first, and the stream raises this right after, with them in .partial.
        self.error: ProviderError | None = None

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, data: bytes) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        raw_events = self.raw_events
        for text in self._sse.feed_data(data):
            try:
                chunk = loads(text)
            except ValueError:
                if not text or text.isspace():  # an empty event: nothing to decode
                    continue
                raise ResponseDecodeError(
                    "undecodable Gemini stream event", provider=self._ctx.provider, snippet=text
                ) from None
            if raw_events and type(chunk) is dict:
                piece = _plain_text(chunk)
                if piece is not None:
                    # A text-only chunk, nearly every chunk of a stream: what _chunk would make of
                    # it, without walking for calls, citations, a block or a finish it cannot hold;
                    # not kept in raw_events, as the OpenAI path keeps no plain chunk either.
                    self.response_id = chunk.get("responseId") or self.response_id
                    self.response_model = chunk.get("modelVersion") or self.response_model
                    usage = chunk.get("usageMetadata")
                    if usage:
                        self._usage = usage
                    if piece:
                        events.append(TextDelta(piece))
                    continue
            if not raw_events or _not_plain_chunk(chunk):
                # The first chunk and any carrying more than text (finish, calls, citations,
                # feedback), as the OpenAI path keeps: every chunk would pile up in memory.
                raw_events.append(chunk)
            try:
                self._chunk(chunk, events)
            except ProviderError as exc:
                if not events:
                    raise
                self.error = exc
                return events
        return events

    def _chunk(self, chunk: Any, out: list[StreamEvent]) -> None:
        """Append one chunk's events to ``out``; an error raises before any is appended."""
        ctx = self._ctx
        if not isinstance(chunk, Mapping):
            raise ResponseDecodeError("a Gemini stream event must be an object", provider=ctx.provider)
        if "error" in chunk:
            raise stream_error(chunk, ctx)
        self.response_id = chunk.get("responseId") or self.response_id
        self.response_model = chunk.get("modelVersion") or self.response_model
        candidates = chunk.get("candidates") or []
        if not candidates and (chunk.get("promptFeedback") or {}).get("blockReason"):
            raise _blocked(chunk, ctx, None)
        events: list[StreamEvent] = []
        cand: Mapping[str, Any] = candidates[0] if candidates else _EMPTY
        for part in (cand.get("content") or {}).get("parts") or []:
            sig = part.get("thoughtSignature")
            if part.get("thought"):
                events.append(ReasoningDelta(text=part.get("text", ""), signature=sig))
                continue
            if sig:
                events.append(ReasoningDelta(signature=sig))
            if "functionCall" in part:
                fc = part["functionCall"]
                args = json.dumps(fc.get("args") or {}, ensure_ascii=False, separators=(",", ":"))
                cid = call_id(fc, self.response_id or "", self._calls)
                events.append(ToolCallDelta(self._calls, cid, fc.get("name", ""), args))
                self._calls += 1
            elif part.get("text"):
                events.append(TextDelta(part["text"]))
        if "citationMetadata" in cand or "groundingMetadata" in cand:  # rare: skipped cheaply
            for citation in citations_of(cand):
                if citation not in self.citations:
                    self.citations.append(citation)
        if chunk.get("usageMetadata"):
            self._usage = chunk["usageMetadata"]
        raw_reason = cand.get("finishReason")
        if raw_reason and self._usage is not None:
            events.append(UsageUpdate(usage_of(self._usage)))
        if raw_reason:
            events.append(Finish(finish_reason(raw_reason, self._calls > 0), raw_reason))
            self._done = True
        out += events


_PLAIN_CHUNK_KEYS = frozenset({"candidates", "usageMetadata", "modelVersion", "responseId", "createTime"})
_PLAIN_CANDIDATE_KEYS = frozenset({"content", "index", "safetyRatings"})
_PLAIN_PART_KEYS = frozenset({"text", "thought"})


def _plain_parts(chunk: dict[str, Any]) -> list[Any] | None:
    """The parts of a chunk holding one candidate and nothing else a stream decoder acts on (no
    finish, feedback, citation or error keys), else None."""
    if not chunk.keys() <= _PLAIN_CHUNK_KEYS:
        return None
    candidates = chunk.get("candidates")
    if type(candidates) is not list or len(candidates) != 1:
        return None
    cand = candidates[0]
    if type(cand) is not dict or not cand.keys() <= _PLAIN_CANDIDATE_KEYS:
        return None
    content = cand.get("content")
    parts = content.get("parts") if type(content) is dict else None
    return parts if type(parts) is list else None


def _plain_text(chunk: dict[str, Any]) -> str | None:
    """The text of a plain chunk (``_plain_parts``) with one text part and nothing else (no call,
    thought or other part), else None."""
    parts = _plain_parts(chunk)
    if parts is None or len(parts) != 1:
        return None
    part = parts[0]
    if type(part) is not dict or len(part) != 1:
        return None
    text = part.get("text")
    return text if type(text) is str else None


def _not_plain_chunk(chunk: Any) -> bool:
    """Whether a stream chunk says more than text: the usage every chunk repeats is not counted."""
    parts = _plain_parts(chunk) if type(chunk) is dict else None
    if parts is None:
        return True
    return any(type(part) is not dict or not part.keys() <= _PLAIN_PART_KEYS for part in parts)


_EMPTY: Mapping[str, Any] = {}
