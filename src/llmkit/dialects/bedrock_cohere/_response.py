"""Cohere's v1 chat answer on Bedrock and its stream (InvokeModelWithResponseStream: event-stream
``chunk`` frames whose ``bytes`` is a base64 JSON event: ``stream-start``, ``text-generation``,
``tool-calls-generation``, ``citation-generation``, ``stream-end``)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import count
from llmkit.dialects.base import CallContext
from llmkit.dialects.bedrock._errors import stream_error
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.eventstream import EventStreamDecoder
from llmkit.types import (
    Citation,
    Completion,
    Finish,
    FinishReason,
    Message,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)

FINISH = {
    "COMPLETE": FinishReason.STOP,
    "STOP_SEQUENCE": FinishReason.STOP,
    "MAX_TOKENS": FinishReason.LENGTH,
    "ERROR": FinishReason.ERROR,
    "ERROR_TOXIC": FinishReason.CONTENT_FILTER,
    "ERROR_LIMIT": FinishReason.LENGTH,
    "USER_CANCEL": FinishReason.OTHER,
}


def _calls(obj: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    out = []
    for i, c in enumerate(obj.get("tool_calls") or ()):
        if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
            raise ResponseDecodeError("a tool call without a name")
        params = c.get("parameters") or {}
        if not isinstance(params, Mapping):
            raise ResponseDecodeError("a tool call's parameters are not an object")
        out.append(ToolCall(f"call_{i}", c["name"], dict(params)))
    return tuple(out)


def usage(meta: Any, headers: Mapping[str, str] | None = None) -> Usage:
    billed = meta.get("billed_units") if isinstance(meta, Mapping) else None
    if isinstance(billed, Mapping):
        i = count(billed.get("input_tokens"), "billed_units.input_tokens") if "input_tokens" in billed else 0
        o = (
            count(billed.get("output_tokens"), "billed_units.output_tokens")
            if "output_tokens" in billed
            else 0
        )
        return Usage(input_tokens=i, output_tokens=o, total_tokens=i + o)
    if headers:
        i = int(headers.get("x-amzn-bedrock-input-token-count") or 0)
        o = int(headers.get("x-amzn-bedrock-output-token-count") or 0)
        return Usage(input_tokens=i, output_tokens=o, total_tokens=i + o)
    return Usage()


def completion(obj: Any, headers: Mapping[str, str], ctx: CallContext) -> Completion:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("text", ""), str):
        raise ResponseDecodeError("Cohere's chat answer has no text", provider=ctx.provider)
    calls = _calls(obj)
    raw = obj.get("finish_reason")
    reason = FINISH.get(raw, FinishReason.OTHER) if isinstance(raw, str) else FinishReason.STOP
    if calls and reason is FinishReason.STOP:
        reason = FinishReason.TOOL_CALLS
    rid = obj.get("response_id") or obj.get("generation_id")
    return Completion(
        message=Message("assistant", obj.get("text", ""), calls),
        finish_reason=reason,
        usage=usage(obj.get("meta"), headers),
        model=ctx.model,
        provider=ctx.provider,
        id=rid if isinstance(rid, str) else None,
        raw_finish_reason=raw if isinstance(raw, str) else None,
        raw=obj,
    )


class CohereBedrockStreamDecoder:
    """Event-stream frames in; each ``chunk``'s base64 JSON event translated; exception frames raise."""

    __slots__ = (
        "_ctx",
        "_done",
        "_frames",
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
        self.error: LLMKitError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        return self._done

    def _event(self, payload: bytes) -> dict[str, Any]:
        try:
            chunk = json.loads(payload)
            event = json.loads(base64.b64decode(chunk["bytes"], validate=True))
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise ResponseDecodeError(
                "a stream chunk is not a base64 JSON event", provider=self._ctx.provider, snippet=payload
            ) from None
        if not isinstance(event, dict):
            raise ResponseDecodeError("a stream event is not an object", provider=self._ctx.provider)
        return event

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        frames, broken = self._frames.feed_until_error(data)
        for frame in frames:
            if frame.kind != "event":
                error = stream_error(frame, self._ctx)
                if not out:
                    raise error
                self.error = error
                return out
            if frame.event_type != "chunk":
                continue
            event = self._event(frame.payload)
            # As the other decoders: the first event and any carrying more than a text piece,
            # so a long stream's memory does not grow with its events.
            if not self.raw_events or not _plain_text(event):
                self.raw_events.append(event)
            out.extend(self._translate(event))
        if broken is not None:
            if not out:
                raise broken
            self.error = broken
        return out

    def _translate(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        kind = event.get("event_type")
        if kind == "text-generation" and isinstance(event.get("text"), str):
            return [TextDelta(event["text"])]
        if kind == "tool-calls-generation":
            calls = _calls(event)
            return [
                ToolCallDelta(i, c.id, c.name, json.dumps(c.arguments, separators=(",", ":")))
                for i, c in enumerate(calls)
            ]
        if kind == "stream-start" and isinstance(event.get("generation_id"), str):
            self.response_id = event["generation_id"]
        if kind == "stream-end":
            self._done = True
            response = event.get("response")
            raw = event.get("finish_reason")
            reason = FINISH.get(raw, FinishReason.OTHER) if isinstance(raw, str) else FinishReason.STOP
            if isinstance(response, Mapping) and response.get("tool_calls") and reason is FinishReason.STOP:
                reason = FinishReason.TOOL_CALLS
            metrics = event.get("amazon-bedrock-invocationMetrics")
            out: list[StreamEvent] = []
            meta = response.get("meta") if isinstance(response, Mapping) else None
            u = usage(meta)
            if not u.input_tokens and isinstance(metrics, Mapping):
                i = count(metrics.get("inputTokenCount", 0), "inputTokenCount")
                o = count(metrics.get("outputTokenCount", 0), "outputTokenCount")
                u = Usage(input_tokens=i, output_tokens=o, total_tokens=i + o)
            out.append(UsageUpdate(u))
            out.append(Finish(reason, raw if isinstance(raw, str) else None))
            return out
        return []  # stream-start, search-queries-generation, citation-generation: nothing to add


def _plain_text(event: Any) -> bool:
    return (
        isinstance(event, dict)
        and event.get("event_type") == "text-generation"
        and event.keys() <= {"event_type", "text", "is_finished"}
    )
