"""OpenAI chat completions SSE stream -> llmkit stream events (sans-I/O)."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat._errors import classify, stream_error
from llmkit.dialects.openai_chat._quirks import OpenAIQuirks
from llmkit.dialects.openai_chat._response import delta_parts, parse_usage, reasoning_of, stop_reason
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.framing import json_text
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    Finish,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageUpdate,
)
from llmkit.wire import HttpResponse

# How much of a stream's start is kept while no event has arrived (an error object is small).
_HEAD_BYTES = 16384


class OpenAIStreamDecoder:
    __slots__ = (
        "_calls",
        "_ctx",
        "_head",
        "_n_calls",
        "_q",
        "_refused",
        "_saw_done",
        "_saw_finish",
        "_sse",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext, q: OpenAIQuirks) -> None:
        self._sse = SSEDecoder()
        self._ctx = ctx
        self._q = q
        self._saw_done = False
        self._saw_finish = False
        # wire tool-call index -> (id, ordinal): a new id at a used index is a new call (Ollama
        # and other compatible servers send index 0 for every call).
        self._calls: dict[Any, tuple[str | None, int]] = {}
        self._n_calls = 0
        self._refused = False
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []
        self.error: ProviderError | None = None
        # The first bytes, kept until an event arrives: a server may answer a streamed request
        # with one JSON error object (HTTP 200, application/json) instead of an event stream.
        self._head = b""

    @property
    def done(self) -> bool:
        # Some compatible servers close after the finish chunk without "[DONE]".
        if self._saw_done or self._saw_finish:
            return True
        if not self.raw_events and self._head:
            self._json_instead_of_events()
        return False

    def _json_instead_of_events(self) -> None:
        """Raise the typed error a whole-JSON answer to a streamed request carries, if it does."""
        try:
            obj = json.loads(self._head)
        except (ValueError, RecursionError):
            return
        if not isinstance(obj, dict):
            return
        q = self._q
        status = q.in_body_status(obj) if q.in_body_status is not None else None
        if status is not None:
            raise classify(status, obj, self._ctx, HttpResponse(status, {}), q)
        if obj.get("error"):
            raise stream_error(obj, self._ctx, q)

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        if not self.raw_events and len(self._head) < _HEAD_BYTES:
            self._head += data[: _HEAD_BYTES - len(self._head)]
        for ev in self._sse.feed(data):
            text = ev.data
            if text == "[DONE]":
                self._saw_done = True
                continue
            try:
                obj = _decode(text)
            except ValueError:
                raise ResponseDecodeError(
                    f"stream event {len(self.raw_events)} is not JSON",
                    provider=self._ctx.provider,
                    snippet=text,
                ) from None
            if not isinstance(obj, dict):
                raise ResponseDecodeError(
                    "stream event is not a JSON object", provider=self._ctx.provider, snippet=text
                )
            if obj.get("error"):
                # Hand back what came before the error first; the stream raises it right after.
                self.error = stream_error(obj, self._ctx, self._q)
                return out
            if self._q.in_body_status is not None:  # MiniMax: base_resp in an event
                status = self._q.in_body_status(obj)
                if status is not None:
                    self.error = classify(status, obj, self._ctx, HttpResponse(status, {}), self._q)
                    return out
            if not self.raw_events or _not_plain_delta(obj):
                # Keep the first chunk and any carrying more than a delta (finish, usage, extras);
                # a long stream's content chunks would otherwise pile up in memory.
                self.raw_events.append(obj)
            self._chunk(obj, out)
        return out

    def _chunk(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        # Azure OpenAI opens with a filter-results chunk whose id and model are empty strings.
        if not self.response_id and obj.get("id"):
            self.response_id = obj.get("id")
        if not self.response_model and obj.get("model"):
            self.response_model = obj.get("model")
        for choice in obj.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if "reasoning_content" in delta or "reasoning" in delta:
                reasoning = reasoning_of(delta)
                if reasoning:
                    out.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if content:
                if isinstance(content, str):
                    out.append(TextDelta(content))
                elif isinstance(content, list):  # Mistral may stream a list of typed parts, thinking included
                    out.extend(delta_parts(content))
                else:
                    raise ResponseDecodeError(
                        f"delta content is {type(content).__name__}, not text", provider=self._ctx.provider
                    )
            refusal = delta.get("refusal")
            if refusal and isinstance(refusal, str):  # the first chunk carries "" or null
                self._refused = True
                out.append(RefusalDelta(refusal))
            for tc in delta.get("tool_calls") or ():
                fn = tc.get("function") or {}
                args = fn.get("arguments") or ""
                if not isinstance(args, str):  # some servers send the arguments as an object
                    args = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
                call_id = tc.get("id") or None
                out.append(
                    ToolCallDelta(self._ordinal(tc.get("index", 0), call_id), call_id, fn.get("name"), args)
                )
            raw = choice.get("finish_reason")
            if raw:
                self._saw_finish = True
                out.append(Finish(stop_reason(raw, self._refused), raw))
        usage = obj.get("usage")
        if usage:
            out.append(
                UsageUpdate(parse_usage(usage, obj.get("service_tier"), obj.get("cost"), self._q.uncounted))
            )
        if self._q.chunk_hook is not None:
            out.extend(self._q.chunk_hook(obj))

    def _ordinal(self, index: Any, call_id: str | None) -> int:
        """The call's position among this stream's tool calls."""
        if type(index) is not int:
            # Absent means the first call (some servers leave it out); anything else is drift.
            raise ResponseDecodeError(
                f"tool call index is {type(index).__name__}, not an integer", provider=self._ctx.provider
            )
        key = index
        known = self._calls.get(key)
        if known is None or (call_id is not None and known[0] is not None and call_id != known[0]):
            ordinal = self._n_calls
            self._n_calls += 1
            self._calls[key] = (call_id, ordinal)
            return ordinal
        if call_id is not None and known[0] is None:
            self._calls[key] = (call_id, known[1])
        return known[1]


# The C scanner alone (json_text.loads: json.loads' values and errors); once per streamed chunk.
_decode = json_text.loads

_PLAIN_CHUNK_KEYS = frozenset(
    {"id", "object", "created", "model", "system_fingerprint", "choices", "service_tier"}
)


def _not_plain_delta(obj: dict[str, Any]) -> bool:
    if not obj.keys() <= _PLAIN_CHUNK_KEYS:
        return True
    choices: list[Any] = obj.get("choices") or []
    return len(choices) != 1 or choices[0].get("finish_reason") is not None
