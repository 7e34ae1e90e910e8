"""watsonx.ai ``chat_stream`` -> llmkit stream events.

The chunks are OpenAI's ``chat.completion.chunk`` (with ``model_id``, ``model_version``,
``created_at`` and a first chunk's ``system.warnings`` added), so OpenAI's chunk reader does
the translation. The framing is watsonx's own (recorded live in IBM's Java SDK tests): each
event is ``id: N`` / ``event: message`` / ``data: {...}``; there is no ``[DONE]`` (the stream
ends after a last chunk with ``choices: []`` and ``usage``); ``event: error`` carries an error
body; ``event: close`` ends the stream (the Java SDK handles it; not seen live)."""

from __future__ import annotations

import json

from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat import OpenAIQuirks, OpenAIStreamDecoder
from llmkit.dialects.watsonx._errors import stream_error
from llmkit.errors import ResponseDecodeError
from llmkit.types import StreamEvent

_decode = json.JSONDecoder().decode


class WatsonxStreamDecoder(OpenAIStreamDecoder):
    __slots__ = ("_closed", "_pending")

    def __init__(self, ctx: CallContext, q: OpenAIQuirks) -> None:
        super().__init__(ctx, q)
        self._closed = False
        # A broken event that followed others of the same read: raised by the next feed or done.
        self._pending: ResponseDecodeError | None = None

    @property
    def done(self) -> bool:
        if self._pending is not None:
            raise self._pending
        # The finish chunk (the usage chunk after it is a bonus) or an explicit close.
        return self._closed or self._saw_finish

    def feed(self, data: bytes) -> list[StreamEvent]:
        if self._pending is not None:
            raise self._pending
        out: list[StreamEvent] = []
        for ev in self._sse.feed(data):
            if ev.event == "close":
                self._closed = True
                continue
            try:
                obj = _decode(ev.data)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):
                bad = ResponseDecodeError(
                    "stream event is not a JSON object", provider=self._ctx.provider, snippet=ev.data
                )
                if not out:
                    raise bad
                # Events decoded from this same read come out first; the error right after them.
                self._pending = bad
                return out
            if ev.event == "error" or "errors" in obj:
                # What came before the error is handed back first; the stream raises it right after.
                self.error = stream_error(obj, self._ctx)
                return out
            if not self.raw_events or not obj.get("choices") or _finished(obj):
                # The first chunk (warnings), the finish and the usage chunk; not every delta.
                self.raw_events.append(obj)
            self._chunk(obj, out)
        return out


def _finished(obj: dict[str, object]) -> bool:
    choices = obj.get("choices")
    return isinstance(choices, list) and any(isinstance(c, dict) and c.get("finish_reason") for c in choices)
