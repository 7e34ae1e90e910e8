"""Ollama ``/api/chat`` answers and NDJSON streams -> llmkit types.

An answer (and each stream line) is ``{model, created_at, message: {role, content, thinking?,
tool_calls?}, done}``; the last one has ``done: true``, ``done_reason``, the token counts
``prompt_eval_count`` / ``eval_count`` (llmkit's usage) and the durations in nanoseconds
(``total_duration``, ``load_duration``, ``prompt_eval_duration``, ``eval_duration``), which stay
in ``Completion.raw`` (a stream keeps its final object, last in ``raw``). Tool calls carry their
arguments as an object and no id (newer servers may send one): llmkit names them ``call_<n>``.
An ``{"error": ...}`` line inside a 200 stream is the run failing."""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import count, reason
from llmkit.dialects.base import CallContext
from llmkit.dialects.ollama._errors import stream_error
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.ndjson import NDJSONDecodeError, NDJSONDecoder
from llmkit.types import (
    Completion,
    Finish,
    FinishReason,
    Message,
    Part,
    ReasoningDelta,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)

_FINISH = {"stop": FinishReason.STOP, "length": FinishReason.LENGTH}


def usage_of(obj: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=count(obj.get("prompt_eval_count"), "prompt_eval_count"),
        output_tokens=count(obj.get("eval_count"), "eval_count"),
    )


def finish_of(obj: dict[str, Any], calls: bool) -> FinishReason:
    raw = reason(obj.get("done_reason"), "done_reason")
    if calls and raw in (None, "stop"):
        return FinishReason.TOOL_CALLS
    return _FINISH.get(raw or "stop", FinishReason.OTHER)


def _message(obj: dict[str, Any], ctx: CallContext) -> dict[str, Any]:
    msg = obj.get("message")
    if not isinstance(msg, dict):
        raise ResponseDecodeError("chat body has no message object", provider=ctx.provider)
    return msg


def _text(msg: dict[str, Any], key: str) -> str:
    value = msg.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ResponseDecodeError(f"message.{key} is {type(value).__name__}, not a string")
    return value


def tool_calls(msg: dict[str, Any], first: int = 0) -> list[ToolCall]:
    raw = msg.get("tool_calls") or []
    if not isinstance(raw, list):
        raise ResponseDecodeError("message.tool_calls is not a list")
    out = []
    for i, call in enumerate(raw, first):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ResponseDecodeError(f"tool_calls[{i - first}] has no function name")
        args = fn.get("arguments")
        if args is not None and not isinstance(args, (dict, str)):
            raise ResponseDecodeError(f"tool_calls[{i - first}].function.arguments is not an object")
        cid = call.get("id")
        out.append(ToolCall(cid if isinstance(cid, str) and cid else f"call_{i}", fn["name"], args))
    return out


def parse_chat_obj(obj: Any, ctx: CallContext) -> Completion:
    if not isinstance(obj, dict):
        raise ResponseDecodeError("chat body is not a JSON object", provider=ctx.provider)
    msg = _message(obj, ctx)
    parts: list[Part] = []
    thinking = _text(msg, "thinking")
    if thinking:
        parts.append(ReasoningPart(thinking))
    text = _text(msg, "content")
    if text:
        parts.append(TextPart(text))
    calls = tool_calls(msg)
    model = obj.get("model")
    return Completion(
        message=Message("assistant", tuple(parts), tool_calls=tuple(calls)),
        finish_reason=finish_of(obj, bool(calls)),
        usage=usage_of(obj),
        model=model if isinstance(model, str) else ctx.model,
        provider=ctx.provider,
        raw_finish_reason=reason(obj.get("done_reason"), "done_reason"),
        raw=obj,
    )


class OllamaStreamDecoder:
    """NDJSON lines -> stream events; the line with ``done: true`` ends the stream."""

    __slots__ = (
        "_calls",
        "_ctx",
        "_done",
        "_lines",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._lines = NDJSONDecoder()
        self._calls = 0
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
            # The lines before the broken one come out first; the stream raises it right after.
            values, broken = exc.values, exc
            exc.provider = self._ctx.provider
        if broken is None and self._lines.pending:
            values += self._lines.complete_tail()
        self._lines_to_events(values, out)
        if broken is not None:
            if not out:
                raise broken
            self.error = broken
        return out

    def _lines_to_events(self, values: list[Any], out: list[StreamEvent]) -> None:
        for obj in values:
            if not isinstance(obj, dict):
                bad = ResponseDecodeError("stream line is not a JSON object", provider=self._ctx.provider)
                if not out:
                    raise bad
                self.error = bad
                return
            if "error" in obj:
                self.error = stream_error(obj, self._ctx)
                if not out:
                    raise self.error
                return
            self._line(obj, out)

    def _line(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        model = obj.get("model")
        if isinstance(model, str) and self.response_model is None:
            self.response_model = model
        msg = obj.get("message")
        if isinstance(msg, dict):
            thinking = _text(msg, "thinking")
            if thinking:
                out.append(ReasoningDelta(thinking))
            text = _text(msg, "content")
            if text:
                out.append(TextDelta(text))
            for call in tool_calls(msg, self._calls):
                # Ollama sends each call whole, in one line: one delta per call, arguments complete.
                out.append(ToolCallDelta(self._calls, call.id, call.name, call.raw_arguments))
                self._calls += 1
        if obj.get("done") is True:
            self.raw_events.append(obj)
            out.append(UsageUpdate(usage_of(obj)))
            out.append(Finish(finish_of(obj, self._calls > 0), reason(obj.get("done_reason"), "done_reason")))
            self._done = True
