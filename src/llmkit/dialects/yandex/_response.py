"""Yandex Foundation Models answers and streams -> llmkit types.

An answer is ``{"result": CompletionResponse}`` where the response is the proto3 JSON of
``{alternatives: [{message: {role, text | toolCallList}, status}], usage: {inputTextTokens,
completionTokens, totalTokens, completionTokensDetails: {reasoningTokens}}, modelVersion}``;
token counts are int64, so proto3 JSON writes them as decimal strings (the SDK's recorded
cassettes show ``"inputTextTokens": "26"``). The ``result`` wrapper is REST's; a bare response
(the gRPC message as JSON) is read the same.

A stream (``completionOptions.stream: true``) is newline-delimited JSON of the same objects,
each holding the **whole text so far** (status ``ALTERNATIVE_STATUS_PARTIAL``) and the usage so
far, the last with a final status (the SDK's live ``test_run_stream`` cassette): the decoder
sends the difference as a delta. Tool calls arrive whole, in the final object.
"""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import count
from llmkit.dialects.base import CallContext
from llmkit.dialects.yandex._errors import stream_error
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.ndjson import NDJSONDecodeError, NDJSONDecoder
from llmkit.types import (
    Completion,
    Finish,
    FinishReason,
    Message,
    Part,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)

PARTIAL = "ALTERNATIVE_STATUS_PARTIAL"
_FINISH = {
    "ALTERNATIVE_STATUS_FINAL": FinishReason.STOP,
    "ALTERNATIVE_STATUS_TRUNCATED_FINAL": FinishReason.LENGTH,
    "ALTERNATIVE_STATUS_CONTENT_FILTER": FinishReason.CONTENT_FILTER,
    "ALTERNATIVE_STATUS_TOOL_CALLS": FinishReason.TOOL_CALLS,
}


def unwrap(obj: Any, provider: str) -> dict[str, Any]:
    """The CompletionResponse inside REST's ``{"result": ...}`` (or given bare)."""
    inner = obj.get("result", obj) if isinstance(obj, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("alternatives"), list):
        raise ResponseDecodeError("completion body has no result.alternatives list", provider=provider)
    return inner


def _first(result: dict[str, Any], provider: str) -> tuple[dict[str, Any], str | None]:
    alts = result["alternatives"]
    alt = alts[0] if alts else None
    msg = alt.get("message") if isinstance(alt, dict) else None
    if not isinstance(msg, dict):
        raise ResponseDecodeError("alternatives[0] has no message object", provider=provider)
    status = alt.get("status") if isinstance(alt, dict) else None
    if status is not None and not isinstance(status, str):
        raise ResponseDecodeError(f"alternatives[0].status is {status!r}, not a string", provider=provider)
    return msg, status


def usage_of(result: dict[str, Any]) -> Usage:
    usage = result.get("usage")
    if usage is None:
        return Usage()
    if not isinstance(usage, dict):
        raise ResponseDecodeError("usage is not an object")
    details = usage.get("completionTokensDetails")
    reasoning = details.get("reasoningTokens") if isinstance(details, dict) else None
    return Usage(
        input_tokens=count(usage.get("inputTextTokens"), "usage.inputTextTokens", digits=True),
        output_tokens=count(usage.get("completionTokens"), "usage.completionTokens", digits=True),
        total_tokens=count(usage.get("totalTokens"), "usage.totalTokens", digits=True),
        reasoning_tokens=count(reasoning, "usage.completionTokensDetails.reasoningTokens", digits=True),
    )


def _text(msg: dict[str, Any]) -> str:
    text = msg.get("text")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ResponseDecodeError(f"message.text is {type(text).__name__}, not a string")
    return text


def tool_calls(msg: dict[str, Any]) -> list[ToolCall]:
    holder = msg.get("toolCallList")
    if holder is None:
        return []
    calls = holder.get("toolCalls") if isinstance(holder, dict) else None
    if not isinstance(calls, list):
        raise ResponseDecodeError("message.toolCallList.toolCalls is not a list")
    out = []
    for i, call in enumerate(calls):
        fn = call.get("functionCall") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise ResponseDecodeError(f"toolCalls[{i}] has no functionCall.name")
        args = fn.get("arguments")
        if args is not None and not isinstance(args, dict):
            raise ResponseDecodeError(f"toolCalls[{i}].functionCall.arguments is not an object")
        # No ids on this wire: the call's position names it (mapped back to the name on the way out).
        out.append(ToolCall(f"call_{i}", fn["name"], json.dumps(args or {}, ensure_ascii=False)))
    return out


def finish_of(status: str | None) -> FinishReason:
    return _FINISH.get(status or "", FinishReason.OTHER)


def parse_result(obj: Any, ctx: CallContext) -> Completion:
    result = unwrap(obj, ctx.provider)
    msg, status = _first(result, ctx.provider)
    text = _text(msg)
    parts: tuple[Part, ...] = (TextPart(text),) if text else ()
    return Completion(
        message=Message("assistant", parts, tool_calls=tuple(tool_calls(msg))),
        finish_reason=finish_of(status),
        usage=usage_of(result),
        model=ctx.model,
        provider=ctx.provider,
        raw_finish_reason=status,
        raw=obj,
    )


class YandexStreamDecoder:
    """NDJSON of cumulative results -> deltas; the first object with a final status ends it."""

    __slots__ = (
        "_ctx",
        "_done",
        "_lines",
        "_sent",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._lines = NDJSONDecoder()
        self._sent = ""  # the text already sent as deltas
        self._done = False
        self.error: LLMKitError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Any] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        broken: NDJSONDecodeError | None = None
        try:
            values = self._lines.feed(data)
        except NDJSONDecodeError as exc:
            values, broken = exc.values, exc  # the good lines before it come out first
            exc.provider = self._ctx.provider
        if broken is None and self._lines.pending:
            values += self._lines.complete_tail()
        for obj in values:
            problem = self._line(obj, out)
            if problem is not None:
                broken = broken or problem  # type: ignore[assignment]
                break
        if broken is not None:
            if not out:
                raise broken
            self.error = broken
        return out

    def _line(self, obj: Any, out: list[StreamEvent]) -> LLMKitError | None:
        if self._done:
            return None
        if isinstance(obj, dict) and "error" in obj:
            return stream_error(obj, self._ctx)
        try:
            result = unwrap(obj, self._ctx.provider)
            msg, status = _first(result, self._ctx.provider)
            text = _text(msg)
        except ResponseDecodeError as exc:
            return exc
        if text:
            if not text.startswith(self._sent):
                return ResponseDecodeError(
                    "stream result does not continue the text it sent before", provider=self._ctx.provider
                )
            if len(text) > len(self._sent):
                out.append(TextDelta(text[len(self._sent) :]))
                self._sent = text
        if status == PARTIAL or status is None:
            return None
        for i, call in enumerate(tool_calls(msg)):
            out.append(ToolCallDelta(i, call.id, call.name, call.raw_arguments))
        self.raw_events.append(obj)
        out.append(UsageUpdate(usage_of(result)))
        out.append(Finish(finish_of(status), status))
        self._done = True
        return None
