"""Cortex's own ``inference:complete`` and ``inference:embed`` formats (cortex-inference.yaml,
cortex-embed.yaml in snowflakedb/snowflake-rest-api-specs), pure translation.

``inference:complete`` answers with Server-Sent Events (the spec declares only
``text/event-stream``), each ``data:`` a ``{"choices": [{"delta": {...}}], ...}`` whose delta is
typed: ``text`` (``content``), ``tool_use`` (``tool_use_id``, ``name``, then ``input`` as *string
fragments*), ``anthropic`` (``thinking``) or ``openai`` (``reasoning``). Older answers carry an
untyped ``{"content": ...}`` delta (the snowflake-ml client reads only that); it is text. ``usage``
(with ``guard_tokens`` when Cortex Guard ran) comes on the last event, or on several; a stream is
complete once one has arrived. A non-streaming call is sent ``stream: true`` too and its events
folded into the Completion; a JSON answer (``NonStreamingCompleteResponse``) is read as well, with
``finish_reason``/``usage`` at the top level as the spec has them, or inside the choice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import ChatRequest, EmbedRequest
from llmkit.errors import ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    ReasoningDelta,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)

COMPLETE_PATH = "/api/v2/cortex/inference:complete"
EMBED_PATH = "/api/v2/cortex/inference:embed"
FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "content_filter": FinishReason.CONTENT_FILTER,
}
_IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/jpg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif"}
)


# ---------------------------------------------------------------- request


def _image(part: ImagePart) -> dict[str, Any]:
    if part.data is None or part.media_type not in _IMAGE_TYPES:
        raise ConfigurationError(
            "Cortex inference:complete takes images as base64 data (ImagePart(data=..., "
            f"media_type=...)) of {', '.join(sorted(_IMAGE_TYPES))}, not URLs"
        )
    details: dict[str, Any] = {"type": "base64", "content": part.data, "content_type": part.media_type}
    if part.detail:
        details["detail"] = part.detail
    return {"type": "image", "details": details}


def _content_list(msg: Message) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for part in msg.parts:
        if isinstance(part, TextPart):
            items.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart):
            items.append(_image(part))
        elif isinstance(part, ReasoningPart):
            continue  # not sent back: Cortex's thinking round-trip is model-specific
        else:
            raise ConfigurationError(
                f"Cortex inference:complete takes text and images, not {type(part).__name__}"
            )
    return items


def _message(msg: Message, names: Mapping[str, str]) -> dict[str, Any]:
    if msg.role == "tool":
        call_id = msg.tool_call_id or ""
        result = {
            "tool_use_id": call_id,
            "name": msg.name or names.get(call_id, ""),
            "content": [{"type": "text", "text": msg.text}],
        }
        return {"role": "user", "content_list": [{"type": "tool_results", "tool_results": result}]}
    role = "system" if msg.role in ("system", "developer") else msg.role
    if msg.tool_calls:
        items = _content_list(msg)
        for call in msg.tool_calls:
            items.append(
                {
                    "type": "tool_use",
                    "tool_use": {"tool_use_id": call.id, "name": call.name, "input": call.arguments},
                }
            )
        return {"role": role, "content_list": items}
    if isinstance(msg.content, str) or all(isinstance(p, TextPart) for p in msg.parts):
        return {"role": role, "content": msg.text}
    return {"role": role, "content_list": _content_list(msg)}


def complete_body(req: ChatRequest) -> dict[str, Any]:
    names = {c.id: c.name for m in req.messages for c in m.tool_calls}
    body: dict[str, Any] = {"model": req.model, "messages": [_message(m, names) for m in req.messages]}
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.max_tokens is not None:
        body["max_tokens"] = req.max_tokens
    if req.tools:
        body["tools"] = [
            {
                "tool_spec": {
                    "type": "generic",
                    "name": t.name,
                    "description": t.description,
                    "input_schema": dict(t.parameters),
                }
            }
            for t in req.tools
        ]
    if req.tool_choice is not None:
        body["tool_choice"] = _tool_choice(req.tool_choice)
    if req.response_format is not None:
        fmt: dict[str, Any] = {"type": "json"}
        if req.response_format.schema is not None:
            fmt["schema"] = dict(req.response_format.schema)
        body["response_format"] = fmt
    body["stream"] = True  # the service answers in events either way
    body.update(req.options)
    if req.extra_body:
        body.update(req.extra_body)
    return body


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice == "auto":
        return {"type": "auto"}
    if choice == "required":
        return {"type": "required"}
    name = getattr(choice, "name", None)
    if isinstance(name, str):
        return {"type": "tool", "name": [name]}
    raise ConfigurationError(
        f"Cortex inference:complete has no tool_choice {choice!r} (auto, required, or a tool)"
    )


def embed_body(req: EmbedRequest) -> dict[str, Any]:
    if req.dimensions is not None:
        raise ConfigurationError(
            "Cortex inference:embed has no dimensions option; each model has its own size"
        )
    body: dict[str, Any] = {"model": req.model, "text": list(req.inputs)}
    body.update(req.options)
    if req.extra_body:
        body.update(req.extra_body)
    return body


# ---------------------------------------------------------------- response


def usage_of(raw: Any) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    cached = raw.get("cache_read_input_tokens") or 0
    written = raw.get("cache_write_input_tokens") or 0
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        output_tokens=int(raw.get("completion_tokens") or 0),
        total_tokens=int(raw.get("total_tokens") or 0),
        cached_input_tokens=int(cached),
        cache_creation_input_tokens=int(written),
    )


class NativeStreamDecoder:
    """``inference:complete`` events -> llmkit stream events."""

    __slots__ = (
        "_calls",
        "_done",
        "_finished",
        "_model",
        "_provider",
        "_sse",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
        "usage_raw",
    )

    def __init__(self, provider: str, model: str) -> None:
        self._sse = SSEDecoder()
        self._provider = provider
        self._model = model
        self._calls: dict[str, int] = {}
        self._done = False
        self._finished = False
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []
        self.error: ProviderError | None = None
        self.usage_raw: Any = None

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for ev in self._sse.feed(data):
            if ev.data == "[DONE]":
                self._done = True
                continue
            try:
                obj = json.loads(ev.data)
            except ValueError:
                raise ResponseDecodeError(
                    "Cortex stream event is not JSON", provider=self._provider, snippet=ev.data
                ) from None
            if not isinstance(obj, dict):
                raise ResponseDecodeError(
                    "Cortex stream event is not a JSON object", provider=self._provider, snippet=ev.data
                )
            if obj.get("error") or (obj.get("code") and obj.get("message") and "choices" not in obj):
                self.error = stream_error(obj, self._provider, self._model)
                return out
            if not self.raw_events:
                self.raw_events.append(obj)
            self.chunk(obj, out)
        return out

    def chunk(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        self.response_id = self.response_id or obj.get("id")
        self.response_model = self.response_model or obj.get("model")
        raw_finish = obj.get("finish_reason")
        for choice in obj.get("choices") or ():
            delta = choice.get("delta") or choice.get("message") or {}
            items = delta.get("content_list")
            if items:  # a JSON answer's message: its items hold the content too, and its tool uses
                for item in items:
                    self._delta(_flatten(item), out)
            else:
                self._delta(delta, out)
            raw_finish = choice.get("finish_reason") or raw_finish
        usage = obj.get("usage")
        if usage:
            self.usage_raw = usage
            out.append(UsageUpdate(usage_of(usage)))
        if raw_finish or usage:
            self._done = True
            if raw_finish or not self._finished:
                default = FinishReason.TOOL_CALLS if self._calls else FinishReason.STOP
                out.append(
                    Finish(FINISH.get(str(raw_finish), default) if raw_finish else default, raw_finish)
                )
                self._finished = True

    def _delta(self, delta: Mapping[str, Any], out: list[StreamEvent]) -> None:
        kind = delta.get("type")
        if kind == "tool_use":
            self._tool(delta, out)
        elif kind == "anthropic":
            thinking = delta.get("thinking") or {}
            if thinking.get("thinking") or thinking.get("signature"):
                out.append(ReasoningDelta(thinking.get("thinking") or "", thinking.get("signature")))
        elif kind == "openai":
            reasoning = delta.get("reasoning") or {}
            if reasoning.get("summary"):
                out.append(ReasoningDelta(reasoning["summary"]))
        elif kind in (None, "text"):
            text = delta.get("content") if "content" in delta else delta.get("text")
            if text:
                if not isinstance(text, str):
                    raise ResponseDecodeError(
                        f"Cortex text delta is {type(text).__name__}, not text", provider=self._provider
                    )
                out.append(TextDelta(text))

    def _tool(self, delta: Mapping[str, Any], out: list[StreamEvent]) -> None:
        call_id = delta.get("tool_use_id")
        fragment = delta.get("input") or ""
        if not isinstance(fragment, str):  # a whole object (a JSON answer's tool_use)
            fragment = json.dumps(fragment, ensure_ascii=False, separators=(",", ":"))
        if call_id and call_id not in self._calls:
            self._calls[call_id] = len(self._calls)
        if not self._calls:
            raise ResponseDecodeError("Cortex tool_use delta before any tool_use_id", provider=self._provider)
        index = self._calls[call_id] if call_id else len(self._calls) - 1
        out.append(ToolCallDelta(index, call_id or None, delta.get("name") or None, fragment))


def _flatten(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """A non-streaming content_list item as the delta it would have streamed as."""
    if item.get("type") == "tool_use" and isinstance(item.get("tool_use"), dict):
        return {"type": "tool_use", **item["tool_use"]}
    if item.get("type") == "text":
        return {"type": "text", "content": item.get("text")}
    return item


def stream_error(obj: Mapping[str, Any], provider: str, model: str) -> ProviderError:
    """An error event inside a 200 stream (``{"error": {...}}`` as snowflake-ml expects, or a bare
    ``{"code", "message"}``): a server error unless it names a status."""
    from llmkit.dialects._errors import class_for_status, make_error
    from llmkit.wire import HttpResponse

    inner = obj.get("error")
    err: Mapping[str, Any] = inner if isinstance(inner, dict) else obj
    message = str(err.get("message") or inner or "error event in the Cortex stream")
    code = err.get("code") or err.get("error_code")
    given = err.get("status")
    status = given if isinstance(given, int) and 400 <= given < 600 else 500
    resp = HttpResponse(status, {})
    return make_error(
        class_for_status(status),
        message,
        resp,
        provider=provider,
        model=model,
        body=dict(obj),
        error_code=None if code is None else str(code),
    )


def embeddings_from(obj: Any, provider: str) -> tuple[list[list[float]], Usage, str | None]:
    """Vectors from ``{"data": [{"embedding": [[...]], "index"}], "usage"}``: each embedding is a list
    holding one vector (the spec's ``[[float]]``); a flat vector is read too."""
    rows = sorted(obj["data"], key=lambda d: d.get("index", 0))
    vectors: list[list[float]] = []
    for row in rows:
        emb = row["embedding"]
        if emb and isinstance(emb[0], list):
            if len(emb) != 1:
                raise ValueError(f"an embedding holds {len(emb)} vectors, not one")
            emb = emb[0]
        vectors.append([float(x) for x in emb])
    usage = obj.get("usage") or {}
    total = int(usage.get("total_tokens") or 0)
    return vectors, Usage(input_tokens=total, total_tokens=total), obj.get("model")
