"""Cohere ``/v2/chat`` with ``stream: true`` -> llmkit stream events.

Server-sent events named by type (``event: content-delta``), the ``data`` JSON repeating it in
``type``: ``message-start`` (the id), ``content-start``/``content-delta``/``content-end`` (text
or ``thinking``), ``tool-plan-delta`` (read as reasoning), ``tool-call-start`` (one call object,
not a list) / ``tool-call-delta`` (argument fragments) / ``tool-call-end``, ``citation-start`` /
``citation-end``, ``debug``, and ``message-end`` with the finish reason and usage, which ends the
stream (a literal ``[DONE]`` also does, as the SDK allows). A ``message-end`` carrying ``error``
is an in-stream error."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects.base import CallContext
from llmkit.dialects.cohere._chat import FINISH, citation, usage
from llmkit.dialects.cohere._errors import classify
from llmkit.errors import LLMKitError, ProviderError, ResponseDecodeError
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    CitationsUpdate,
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageUpdate,
)
from llmkit.wire import HttpResponse

_decode = json.JSONDecoder().decode


def _message(obj: dict[str, Any]) -> dict[str, Any]:
    delta = obj.get("delta")
    msg = delta.get("message") if isinstance(delta, dict) else None
    return msg if isinstance(msg, dict) else {}


class CohereStreamDecoder:
    __slots__ = ("_ctx", "_done", "_sse", "citations", "error", "raw_events", "response_id", "response_model")

    def __init__(self, ctx: CallContext) -> None:
        self._sse = SSEDecoder()
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

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for ev in self._sse.feed(data):
            text = ev.data.strip()
            if not text:
                continue
            if text == "[DONE]":
                self._done = True
                continue
            try:
                obj = _decode(text)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):
                bad = ResponseDecodeError(
                    f"stream event {ev.event!r} is not a JSON object",
                    provider=self._ctx.provider,
                    snippet=text,
                )
                if not out:
                    raise bad
                self.error = bad
                return out
            err = self._event(str(obj.get("type") or ev.event), obj, out)
            if err is not None:
                self.error = err
                return out
        return out

    def _event(self, kind: str, obj: dict[str, Any], out: list[StreamEvent]) -> ProviderError | None:
        msg = _message(obj)
        if kind == "content-delta" or kind == "content-start":
            content = msg.get("content")
            if isinstance(content, dict):
                if isinstance(content.get("text"), str) and content["text"]:
                    out.append(TextDelta(content["text"]))
                elif isinstance(content.get("thinking"), str) and content["thinking"]:
                    out.append(ReasoningDelta(content["thinking"]))
        elif kind == "tool-plan-delta":
            plan = msg.get("tool_plan")
            if isinstance(plan, str) and plan:
                out.append(ReasoningDelta(plan))
        elif kind in ("tool-call-start", "tool-call-delta"):
            self._tool(kind, obj, msg, out)
        elif kind == "citation-start":
            self.citations.append(citation(msg.get("citations")))
            out.append(CitationsUpdate(tuple(self.citations)))
        elif kind == "message-start":
            self.raw_events.append(obj)
            rid = obj.get("id")
            self.response_id = rid if isinstance(rid, str) else None
        elif kind == "message-end":
            self.raw_events.append(obj)
            return self._end(obj, out)
        return None

    def _tool(self, kind: str, obj: dict[str, Any], msg: dict[str, Any], out: list[StreamEvent]) -> None:
        index = obj.get("index")
        call = msg.get("tool_calls")
        if type(index) is not int or not isinstance(call, dict):
            raise ResponseDecodeError(f"{kind} without an index or a tool call", provider=self._ctx.provider)
        fn: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
        args = fn.get("arguments")
        args = args if isinstance(args, str) else ""
        if kind == "tool-call-start":
            out.append(ToolCallDelta(index, call.get("id"), fn.get("name"), args))
        elif args:
            out.append(ToolCallDelta(index, arguments_delta=args))

    def _end(self, obj: dict[str, Any], out: list[StreamEvent]) -> ProviderError | None:
        delta: dict[str, Any] = obj["delta"] if isinstance(obj.get("delta"), dict) else {}
        self._done = True
        if delta.get("error"):
            body = {"message": str(delta["error"])}
            return classify(HttpResponse(500, {}), self._ctx, body)
        if delta.get("usage") is not None:
            out.append(UsageUpdate(usage(delta["usage"])))
        raw = delta.get("finish_reason")
        if isinstance(raw, str):
            out.append(Finish(FINISH.get(raw, FinishReason.OTHER), raw))
        return None
