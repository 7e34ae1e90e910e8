"""Decode OCI chat streams: Server-Sent Events without ``event:`` lines, one JSON object each.

GENERIC (live cassette): ``{"index":0,"message":{"role":"ASSISTANT","content":[{"type":"TEXT",
"text":…}]},"pad":…}`` per delta; an index-less chunk with ``finishReason``; with
``streamOptions.isIncludeUsage`` a ``{"usage":…}`` chunk; then ``data: [DONE]``. Tool calls come
whole, one chunk per call, or in pieces: a chunk with ``id`` and ``name`` starts a call, chunks
with only ``arguments`` continue the last one (langchain4j-community's recorded streams).

COHERE (live cassette): ``{"apiFormat":"COHERE","text":…}`` per delta; the last chunk carries
``finishReason``, ``usage``, the chat history and the whole text again (not a delta: only what
the deltas missed, if any, is surfaced), and tool calls whole. No ``[DONE]``: that chunk ends it.

COHEREV2: GENERIC-like chunks (``message.content`` deltas, ``TEXT`` or ``THINKING``), tool calls
in v2's shape (``{id, type, function: {name, arguments}}``, whole or in pieces like GENERIC's), a
chunk with ``finishReason`` (and ``usage``), maybe ``[DONE]``: the text is not repeated (cohere's
``oci_client`` turns every chunk's content into a delta).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import reason
from llmkit.dialects.base import CallContext
from llmkit.dialects.oci._cohere_v2 import parts_of
from llmkit.dialects.oci._response import finish_reason, text_of, usage_from
from llmkit.errors import LLMKitError, ResponseDecodeError
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    Finish,
    ReasoningDelta,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    UsageUpdate,
)


class OciStreamDecoder:
    __slots__ = (
        "_calls",
        "_cohere",
        "_ctx",
        "_done",
        "_ids",
        "_sse",
        "_text",
        "_v2",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext, cohere: bool, v2: bool = False) -> None:
        self._sse = SSEDecoder()
        self._ctx = ctx
        self._cohere = cohere
        self._v2 = v2
        self._done = False
        self._calls = 0
        self._ids: dict[str, int] = {}
        self._text: list[str] = []  # COHERE: what the deltas said, to compare with the final text
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
        for event in self._sse.feed(data):
            if event.data == "[DONE]":
                self._done = True
                continue
            try:
                obj = json.loads(event.data)
            except (ValueError, RecursionError):
                obj = None
            if not isinstance(obj, dict):
                error = ResponseDecodeError(
                    "a stream chunk is not a JSON object", provider=self._ctx.provider, snippet=event.data
                )
                if not out:
                    raise error
                self.error = error
                return out
            if not self.raw_events or _not_plain_chunk(obj):
                # The first chunk and any carrying more than text, as the OpenAI path keeps.
                self.raw_events.append(obj)
            if self._cohere:
                self._cohere_chunk(obj, out)
            else:
                self._generic_chunk(obj, out)
        return out

    def _generic_chunk(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        message = obj.get("message")
        if isinstance(message, Mapping) and self._v2:
            for part in parts_of(message.get("content"), "delta"):
                is_thought = isinstance(part, ReasoningPart)
                out.append(ReasoningDelta(part.text) if is_thought else TextDelta(part.text))
            for call in message.get("toolCalls") or ():
                self._generic_call(_flat(call), out)
        elif isinstance(message, Mapping):
            text = text_of(message.get("content"), "delta")
            if text:
                out.append(TextDelta(text))
            for call in message.get("toolCalls") or ():
                self._generic_call(call, out)
        raw = reason(obj.get("finishReason"), "finishReason")
        if raw is not None:
            out.append(Finish(finish_reason(raw, self._calls > 0), raw))
        if isinstance(obj.get("usage"), Mapping):
            out.append(UsageUpdate(usage_from(obj["usage"])))

    def _generic_call(self, call: Any, out: list[StreamEvent]) -> None:
        # GENERIC's flat {id, name, arguments}; COHEREV2's arrive flattened by _flat.
        if not isinstance(call, Mapping):
            raise ResponseDecodeError("a streamed tool call is not an object", provider=self._ctx.provider)
        args = call.get("arguments")
        if args is not None and not isinstance(args, str):
            raise ResponseDecodeError(
                "a streamed tool call's arguments are not a string", provider=self._ctx.provider
            )
        call_id = call.get("id")
        if isinstance(call_id, str) and call_id and call_id not in self._ids:
            self._ids[call_id] = self._calls
            self._calls += 1
            out.append(ToolCallDelta(self._ids[call_id], call_id, str(call.get("name") or ""), args or ""))
            return
        if not self._calls:  # pieces before any start: a call of its own
            self._calls = 1
            out.append(ToolCallDelta(0, "call_0", str(call.get("name") or ""), args or ""))
            return
        index = self._ids.get(call_id, self._calls - 1) if isinstance(call_id, str) else self._calls - 1
        if args:
            out.append(ToolCallDelta(index, arguments_delta=args))

    def _cohere_chunk(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        text = obj.get("text")
        if text is not None and not isinstance(text, str):
            raise ResponseDecodeError("a COHERE chunk's text is not a string", provider=self._ctx.provider)
        raw = reason(obj.get("finishReason"), "finishReason")
        if raw is None:
            if text:
                self._text.append(text)
                out.append(TextDelta(text))
            return
        # The final chunk repeats the whole text: surface only what the deltas did not say.
        said = "".join(self._text)
        if text and text != said:
            if text.startswith(said):
                out.append(TextDelta(text[len(said) :]))
            elif not said:
                out.append(TextDelta(text))
        for call in obj.get("toolCalls") or ():
            if not isinstance(call, Mapping):
                raise ResponseDecodeError("a COHERE tool call is not an object", provider=self._ctx.provider)
            params = call.get("parameters")
            out.append(
                ToolCallDelta(
                    self._calls,
                    f"cohere_call_{self._calls}",
                    str(call.get("name") or ""),
                    json.dumps(params if params is not None else {}),
                )
            )
            self._calls += 1
        out.append(Finish(finish_reason(raw, self._calls > 0), raw))
        if isinstance(obj.get("usage"), Mapping):
            out.append(UsageUpdate(usage_from(obj["usage"])))
        self._done = True


def _flat(call: Any) -> Any:
    """A COHEREV2 streamed call ``{id, type, function: {name, arguments}}`` as GENERIC's flat shape."""
    if not isinstance(call, Mapping) or not isinstance(call.get("function"), Mapping):
        return call
    fn = call["function"]
    flat = {k: v for k, v in call.items() if k != "function"}
    flat.update({k: fn[k] for k in ("name", "arguments") if k in fn})
    return flat


_PLAIN_CHUNK_KEYS = frozenset({"index", "message", "apiFormat", "text", "pad"})
_PLAIN_MESSAGE_KEYS = frozenset({"role", "content"})


def _not_plain_chunk(obj: Mapping[str, Any]) -> bool:
    if not obj.keys() <= _PLAIN_CHUNK_KEYS:
        return True  # finishReason, usage, toolCalls, citations, ...
    message = obj.get("message")
    return message is not None and (
        not isinstance(message, Mapping) or not message.keys() <= _PLAIN_MESSAGE_KEYS
    )
