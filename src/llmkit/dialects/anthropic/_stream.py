"""Anthropic Messages SSE stream -> llmkit stream events (sans-I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.anthropic._errors import stream_error
from llmkit.dialects.anthropic._response import citation_from, finish_reason, refusal_of, usage_from
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.framing.json_text import loads
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    CitationsUpdate,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageUpdate,
)


class AnthropicStreamDecoder:
    """One per stream. ``feed`` bytes, get events; an ``error`` event raises the typed error.

    When an ``error`` event shares a chunk with earlier events, those events are
    returned first and the error is raised by the next ``feed`` call, or by
    ``done`` if the connection ends there, so nothing that arrived is lost.
    """

    __slots__ = (
        "_done",
        "_error",
        "_model",
        "_n_calls",
        "_provider",
        "_sse",
        "_tool_index",
        "_usage",
        "citations",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, provider: str, model: str) -> None:
        self._sse = SSEDecoder()
        self._provider = provider
        self._model = model
        self._done = False
        # An in-stream error met after other events of the same chunk: raised on the next call, so the
        # events before it are delivered (and kept in the partial result) first.
        self._error: ProviderError | None = None
        # content block index -> ordinal of that tool call among this message's tool calls
        self._tool_index: dict[int, int] = {}
        self._n_calls = 0
        # The raw usage so far: message_start's, updated by each message_delta's.
        self._usage: dict[str, Any] = {}
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []

    @property
    def error(self) -> ProviderError | None:
        """Always None: this decoder reports an error event that follows other events of a chunk
        the protocol's other way, raising it from the next ``feed`` or from ``done``, so the stream
        yields those events first (as it always has for Anthropic)."""
        return None

    @property
    def done(self) -> bool:
        self._raise_pending()
        return self._done

    def _raise_pending(self) -> None:
        err, self._error = self._error, None
        if err is not None:
            raise err

    def feed(self, data: bytes) -> list[StreamEvent]:
        if self._error is not None:
            self._raise_pending()
        out: list[StreamEvent] = []
        for sse in self._sse.feed(data):
            try:
                obj = loads(sse.data)
            except ValueError:
                if not sse.data.strip():  # an empty event: nothing to decode
                    continue
                raise ResponseDecodeError(
                    f"stream event {sse.event!r} is not JSON", provider=self._provider, snippet=sse.data
                ) from None
            if type(obj) is not dict:
                raise ResponseDecodeError(
                    "stream event is not an object", provider=self._provider, snippet=sse.data
                )
            kind = obj.get("type") or sse.event
            if kind == "content_block_delta" and sse.event != "error":
                # A text delta and nothing else, nearly every event of a stream: what _delta makes
                # of it, read here without the calls; not kept in raw_events (see below).
                delta = obj.get("delta")
                if (
                    type(delta) is dict
                    and delta.get("type") == "text_delta"
                    and delta.keys() <= _TEXT_DELTA_KEYS
                    and obj.keys() <= _PLAIN_EVENT_KEYS
                ):
                    piece = delta.get("text")
                    if type(piece) is str:
                        if piece:
                            out.append(TextDelta(piece))
                        continue
            if kind == "ping":
                continue
            if kind != "content_block_delta" or _not_plain_delta(obj):
                # Every event but the plain text/JSON/thinking deltas, as the OpenAI path keeps:
                # a long stream's deltas would otherwise pile up in memory.
                self.raw_events.append(obj)
            if kind == "error" or sse.event == "error":
                err = stream_error(obj, self._provider, self._model)
                if not out:
                    raise err
                self._error = err
                return out
            self._event(kind, obj, out)
        return out

    def _event(self, kind: str, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        if kind == "content_block_delta":
            self._delta(obj, out)
        elif kind == "content_block_start":
            self._block_start(obj, out)
        elif kind == "message_start":
            msg = obj.get("message")
            if isinstance(msg, Mapping):
                self.response_id = msg.get("id")
                self.response_model = msg.get("model")
                self._merge_usage(msg.get("usage"))
                if self._usage:
                    out.append(UsageUpdate(usage_from(self._usage)))
        elif kind == "message_delta":
            self._merge_usage(obj.get("usage"))
            if self._usage:
                out.append(UsageUpdate(usage_from(self._usage)))
            delta = obj.get("delta")
            raw = delta.get("stop_reason") if isinstance(delta, Mapping) else None
            if raw:
                refusal = refusal_of(raw, delta.get("stop_details") if isinstance(delta, Mapping) else None)
                if refusal is not None:
                    out.append(RefusalDelta(refusal))
                out.append(Finish(finish_reason(raw), raw))
        elif kind == "message_stop":
            self._done = True
        # content_block_stop needs nothing; unknown event types are skipped, as the docs ask.

    def _merge_usage(self, usage: Any) -> None:
        if isinstance(usage, Mapping):
            self._usage.update((k, v) for k, v in usage.items() if v is not None)

    def _block_start(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        block = obj.get("content_block")
        if not isinstance(block, Mapping):
            return
        kind = block.get("type")
        if kind == "text":
            if block.get("text"):
                out.append(TextDelta(_str(block, "text")))
        elif kind == "tool_use":
            # Every tool_use block start is a new call, even at an index seen before.
            ordinal = self._n_calls
            self._n_calls += 1
            self._tool_index[_index(obj)] = ordinal
            tool_input = block.get("input")
            # The input normally streams as input_json_delta; a server may send it whole here instead.
            args = json.dumps(tool_input, ensure_ascii=False) if tool_input else ""
            out.append(ToolCallDelta(ordinal, str(block.get("id") or ""), str(block.get("name") or ""), args))
        elif kind == "thinking":
            if block.get("thinking") or block.get("signature"):
                out.append(ReasoningDelta(_str(block, "thinking"), block.get("signature") or None))
        elif kind == "redacted_thinking":
            out.append(ReasoningDelta(redacted_data=str(block.get("data") or "")))

    def _delta(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        delta = obj.get("delta")
        if not isinstance(delta, Mapping):
            return
        kind = delta.get("type")
        if kind == "text_delta":
            if delta.get("text"):
                out.append(TextDelta(_str(delta, "text")))
        elif kind == "input_json_delta":
            part = _str(delta, "partial_json")  # a number here is drift, not "5" glued onto the JSON
            ordinal = self._tool_index.get(_index(obj))
            if part and ordinal is not None:
                out.append(ToolCallDelta(ordinal, arguments_delta=part))
        elif kind == "thinking_delta":
            if delta.get("thinking"):
                out.append(ReasoningDelta(_str(delta, "thinking")))
        elif kind == "signature_delta":
            if delta.get("signature"):
                out.append(ReasoningDelta(signature=str(delta["signature"])))
        elif kind == "citations_delta":
            cit = citation_from(delta.get("citation"))
            if cit is not None and cit not in self.citations:
                self.citations.append(cit)
                out.append(CitationsUpdate(tuple(self.citations)))


def _str(obj: Mapping[str, Any], key: str) -> str:
    # Text that is not a string is malformed: an error, never str() of a list read as text.
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ResponseDecodeError(f"{obj.get('type')}.{key} is {type(value).__name__}, not a string")
    return value


def _index(obj: Mapping[str, Any]) -> int:
    index = obj.get("index")
    return index if isinstance(index, int) else -1


_PLAIN_EVENT_KEYS = frozenset({"type", "index", "delta"})
# A delta type -> the keys a plain delta of it carries (signature and citation deltas are kept).
_PLAIN_DELTAS = {
    "text_delta": frozenset({"type", "text"}),
    "input_json_delta": frozenset({"type", "partial_json"}),
    "thinking_delta": frozenset({"type", "thinking"}),
}
_TEXT_DELTA_KEYS = _PLAIN_DELTAS["text_delta"]


def _not_plain_delta(obj: dict[str, Any]) -> bool:
    delta = obj.get("delta")
    if not isinstance(delta, dict) or not obj.keys() <= _PLAIN_EVENT_KEYS:
        return True
    plain = _PLAIN_DELTAS.get(delta.get("type"))  # type: ignore[arg-type]
    return plain is None or not delta.keys() <= plain
