"""Server-Sent Events of the ``generate_stream`` endpoints -> llmkit stream events.

TGI and LoRAX send one event a token, ``{"index", "token": {"id", "text", "logprob", "special"},
"generated_text": null, "details": null}``, and a last one whose ``generated_text`` is the whole
answer and whose ``details`` (with ``details: true``) hold ``finish_reason``,
``generated_tokens`` and the prompt's length (``input_length``, LoRAX's ``prompt_tokens``); no
``[DONE]`` follows. Special tokens (``</s>``) are not text. Triton sends ``{"model_name",
"model_version", "text_output"}`` events, each a piece of the answer, and no final event at all.
An ``{"error": ...}`` event is the generation failing; what came before it is handed back first."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from llmkit.dialects._errors import count, reason
from llmkit.dialects.base import CallContext
from llmkit.dialects.generate._errors import stream_error
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.sse import SSEDecoder
from llmkit.types import Finish, FinishReason, StreamEvent, TextDelta, Usage, UsageUpdate

_decode = json.JSONDecoder().decode

# TGI's FinishReason: the model's end-of-sequence token, a stop sequence, or max_new_tokens.
FINISH = {"eos_token": FinishReason.STOP, "stop_sequence": FinishReason.STOP, "length": FinishReason.LENGTH}


def usage_of(details: dict[str, Any]) -> Usage:
    prompt = details.get("prompt_tokens", details.get("input_length"))
    if prompt is None and isinstance(details.get("prefill"), list) and details["prefill"]:
        prompt = len(details["prefill"])  # decoder_input_details=True: one entry a prompt token
    return Usage(
        input_tokens=count(prompt, "details.input_length"),
        output_tokens=count(details.get("generated_tokens"), "details.generated_tokens"),
    )


def finish_of(details: dict[str, Any] | None) -> tuple[FinishReason, str | None]:
    raw = reason(details.get("finish_reason"), "details.finish_reason") if details else None
    if raw is None:
        return FinishReason.STOP, None
    return FINISH.get(raw, FinishReason.OTHER), raw


class GenerateStreamDecoder:
    """SSE events -> stream events; ``read`` turns one event's JSON object into events and says
    whether it was the last one (TGI's), or None where the format has no last event (Triton's)."""

    __slots__ = (
        "_ctx",
        "_done",
        "_read",
        "_sse",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(
        self, ctx: CallContext, read: Callable[[dict[str, Any], list[StreamEvent]], bool | None]
    ) -> None:
        self._ctx = ctx
        self._read = read
        self._sse = SSEDecoder()
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
        for ev in self._sse.feed(data):
            try:
                obj = _decode(ev.data)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):
                bad = ResponseDecodeError(
                    "stream event is not a JSON object", provider=self._ctx.provider, snippet=ev.data
                )
                return self._fail(bad, out)
            if "error" in obj:
                return self._fail(stream_error(obj, self._ctx), out)
            last = self._read(obj, out)
            if last is None:
                # A format with no last event (Triton): it ends when the server closes the stream.
                self._done = True
            elif last:
                self.raw_events.append(obj)
                self._done = True
        return out

    def _fail(self, error: LLMKitError, out: list[StreamEvent]) -> list[StreamEvent]:
        if not out:
            raise error
        self.error = error
        return out


def read_tgi(obj: dict[str, Any], out: list[StreamEvent]) -> bool:
    """One TGI/LoRAX event; True for the last (``generated_text`` or ``details`` set)."""
    token = obj.get("token")
    if not isinstance(token, dict) or not isinstance(token.get("text"), str):
        raise ResponseDecodeError("stream event has no token with text")
    if token.get("special") is not True and token["text"]:
        out.append(TextDelta(token["text"]))
    details = obj.get("details")
    if details is not None and not isinstance(details, dict):
        raise ResponseDecodeError("stream event's details is not an object")
    if details is None and obj.get("generated_text") is None:
        return False
    if details:
        out.append(UsageUpdate(usage_of(details)))
    out.append(Finish(*finish_of(details)))
    return True
