"""A prediction's ``urls.stream``: Server-Sent Events ``output`` (raw text, not JSON; a token
with newlines spans several ``data:`` lines), ``logs``, ``error`` (the error text) and ``done``
(``{}``, or ``{"reason": "canceled"|"error"}``). As in Replicate's own client, an event without
an ``id:`` line is not taken."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects.base import CallContext
from llmkit.errors import LLMKitError, PredictionFailedError
from llmkit.framing.sse import SSEDecoder
from llmkit.types import Citation, Finish, FinishReason, StreamEvent, TextDelta


class ReplicateStreamDecoder:
    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._sse = SSEDecoder()
        self._done = False
        self._error: LLMKitError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        return self._done

    @property
    def error(self) -> LLMKitError | None:
        return self._error

    def _failed(self, text: str, status: str) -> PredictionFailedError:
        what = "was canceled" if status == "canceled" else "failed"
        return PredictionFailedError(
            f"the prediction {what} while streaming: {text or 'Replicate gave no error text'}",
            provider=self._ctx.provider,
            model=self._ctx.model,
            error_type=status,
        )

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for ev in self._sse.feed(data):
            if self._done or ev.id is None:
                continue
            if ev.event != "output" or not self.raw_events:
                # Not every output token (the accumulated text holds them), as the OpenAI path keeps.
                self.raw_events.append({"event": ev.event, "id": ev.id, "data": ev.data})
            if ev.event == "output":
                if ev.data:
                    out.append(TextDelta(ev.data))
            elif ev.event == "error":
                err = self._failed(ev.data, "failed")
                if not out:
                    raise err
                self._error = err
                return out
            elif ev.event == "done":
                self._done = True
                reason = _reason(ev.data)
                if reason in ("canceled", "error"):
                    err = self._failed(reason, "canceled" if reason == "canceled" else "failed")
                    if not out:
                        raise err
                    self._error = err
                    return out
                out.append(Finish(FinishReason.STOP, reason or "succeeded"))
        return out


def _reason(data: str) -> str | None:
    try:
        obj = json.loads(data) if data.strip() else {}
    except ValueError:
        return None
    reason = obj.get("reason") if isinstance(obj, dict) else None
    return reason if isinstance(reason, str) and reason else None
