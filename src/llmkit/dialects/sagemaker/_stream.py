"""Decode InvokeEndpointWithResponseStream: PayloadPart frames, then the container's own stream format."""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects import openai_chat
from llmkit.dialects.base import CallContext
from llmkit.dialects.sagemaker._errors import container_error, stream_exception
from llmkit.dialects.sagemaker._options import QUIRKS
from llmkit.dialects.sagemaker._response import tgi_details
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.eventstream import EventStreamDecodeError, EventStreamDecoder
from llmkit.types import Citation, Finish, StreamEvent, TextDelta, UsageUpdate


class SageMakerStreamDecoder:
    """One per stream. The container's bytes are decoded per ``sagemaker_format``."""

    __slots__ = (
        "_chat",
        "_ctx",
        "_error",
        "_format",
        "_frames",
        "_line",
        "_saw_final",
        "_saw_json_lines",
        "_text",
        "citations",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext, fmt: str) -> None:
        self._frames = EventStreamDecoder()
        self._ctx = ctx
        self._format = fmt
        self._chat = openai_chat.OpenAIStreamDecoder(ctx, QUIRKS) if fmt == "messages" else None
        self._line = bytearray()
        self._error: LLMKitError | None = None
        self._text = codecs.getincrementaldecoder("utf-8")("replace")
        self._saw_final = False
        self._saw_json_lines = False
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        if self._chat is not None:
            return self._chat.done
        if self._format == "raw":
            return True  # raw bytes have no terminator of their own
        # TGI's last record carries generated_text and details; JSON-line containers have no end mark.
        return self._saw_final or self._saw_json_lines

    @property
    def error(self) -> LLMKitError | None:
        """An in-stream error, reported after the events that came before it."""
        if self._error is None and self._chat is not None:
            return self._chat.error
        return self._error

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        broken: EventStreamDecodeError | None = None
        try:
            frames = self._frames.feed(data)
        except EventStreamDecodeError as exc:  # keep the whole frames before the bad one
            frames, broken = exc.messages, exc
        chat = self._chat
        for frame in frames:
            if frame.kind != "event":  # an exception frame ends the parts before it
                self._error = stream_exception(frame, self._ctx)
                return out
            if frame.event_type != "PayloadPart":
                continue  # unknown event types are skipped, as the service model allows new members
            part = frame.payload
            if chat is not None:
                out += chat.feed(part)
                self.response_id = chat.response_id
                self.response_model = chat.response_model
                self.raw_events = chat.raw_events
                if chat.error is not None:
                    return out
            elif self._format == "tgi":
                self._tgi(part, out)
                if self._error is not None:
                    return out
            else:
                if not self.raw_events:  # the first part only: the text holds the rest
                    self.raw_events.append(part)
                text = self._text.decode(part)
                if text:
                    out.append(TextDelta(text))
        if broken is not None:
            self._error = broken
        return out

    def _tgi(self, part: bytes, out: list[StreamEvent]) -> None:
        line = self._line
        line += part
        start = 0
        while self._error is None:
            end = line.find(b"\n", start)
            if end < 0:
                break
            self._record(bytes(line[start:end]), out)
            start = end + 1
        del line[:start]

    def _record(self, raw: bytes, out: list[StreamEvent]) -> None:
        text = raw.strip()
        if not text or text.startswith(b":"):
            return
        if text.startswith(b"data:"):
            text = text[5:].strip()
        elif text.startswith((b"event:", b"id:", b"retry:")):
            return
        else:
            self._saw_json_lines = True
        try:
            obj = json.loads(text)
        except ValueError:
            raise ResponseDecodeError(
                "TGI stream record is not JSON", provider=self._ctx.provider, snippet=text
            ) from None
        if not isinstance(obj, dict):
            raise ResponseDecodeError(
                "TGI stream record is not an object", provider=self._ctx.provider, snippet=text
            )
        if isinstance(obj.get("error"), str):
            self._error = container_error(obj, self._ctx)
            return
        if not self.raw_events or _not_plain_token(obj):
            # The first record and the final one (details, generated_text), as the OpenAI path keeps.
            self.raw_events.append(obj)
        token = obj.get("token")
        if isinstance(token, Mapping) and not token.get("special"):
            piece = token.get("text")
            if isinstance(piece, str):
                if piece:
                    out.append(TextDelta(piece))
            elif piece is not None:  # malformed text is an error, never silently dropped
                raise ResponseDecodeError(
                    f"a TGI token's text is {type(piece).__name__}, not a string", provider=self._ctx.provider
                )
        details = obj.get("details")
        if isinstance(details, Mapping) or isinstance(obj.get("generated_text"), str):
            self._saw_final = True
            reason, raw_reason, usage = tgi_details(details)
            if usage.input_tokens or usage.output_tokens:
                out.append(UsageUpdate(usage))
            out.append(Finish(reason, raw_reason))


_PLAIN_TOKEN_KEYS = frozenset({"index", "token", "generated_text", "details", "top_tokens"})


def _not_plain_token(obj: Mapping[str, Any]) -> bool:
    return (
        not obj.keys() <= _PLAIN_TOKEN_KEYS
        or obj.get("generated_text") is not None
        or obj.get("details") is not None
    )
