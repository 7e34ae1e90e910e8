"""The orchestration service's answers: completions, stream events, embeddings and errors.

``final_result`` is an OpenAI chat completion (or chunk), read by the OpenAI dialect's parser; the
module results (``intermediate_results``: templating, filtering, masking) stay in ``raw``. The v1
names (``orchestration_result``, ``module_results``) are read too: SAP's JS SDK recorded both.
"""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import class_for_status, float_vector, parse_retry_after
from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat import DEFAULT_QUIRKS, OpenAIStreamDecoder, parse_chat_body, parse_usage
from llmkit.errors import ContentFilteredError, ProviderError, RateLimitError, ResponseDecodeError
from llmkit.framing.sse import SSEDecoder
from llmkit.types import Completion, Embeddings, StreamEvent
from llmkit.wire import HttpResponse, dumps


def final_of(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return None
    return obj["final_result"] if "final_result" in obj else obj.get("orchestration_result")


def _json(body: bytes, what: str, ctx: CallContext) -> Any:
    try:
        return json.loads(body.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        raise ResponseDecodeError(f"{what} body is not JSON", provider=ctx.provider, snippet=body) from None


def parse_completion(resp: HttpResponse, ctx: CallContext) -> Completion:
    obj = _json(resp.body, "orchestration completion", ctx)
    final = final_of(obj)
    if not isinstance(final, dict):
        raise ResponseDecodeError(
            "orchestration completion without final_result", provider=ctx.provider, snippet=resp.body
        )
    completion = parse_chat_body(final, ctx, DEFAULT_QUIRKS)
    completion.raw = obj  # the module results (templating, filtering, masking) with the answer
    return completion


def parse_embeddings(resp: HttpResponse, model: str, ctx: CallContext) -> Embeddings:
    obj = _json(resp.body, "orchestration embeddings", ctx)
    final = final_of(obj)
    try:
        rows = sorted(final["data"], key=lambda d: d.get("index", 0))
        vectors = [float_vector(d["embedding"]) for d in rows]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ResponseDecodeError(
            f"orchestration embeddings not understood: {type(exc).__name__}",
            provider=ctx.provider,
            snippet=resp.body,
        ) from None
    return Embeddings(
        vectors, parse_usage(final.get("usage")), final.get("model") or model, ctx.provider, obj
    )


def _first_error(body: Any) -> dict[str, Any] | None:
    """The error object of ``{"error": {...}}``, ``{"error": [{...}, ...]}`` or a v1 flat body."""
    if not isinstance(body, dict):
        return None
    err = body.get("error", body if "location" in body else None)
    if isinstance(err, list):
        err = err[0] if err else None
    return err if isinstance(err, dict) else None


def error_from(status: int, body: Any, ctx: CallContext, resp: HttpResponse | None = None) -> ProviderError:
    err = _first_error(body)
    message = str(err.get("message") or "") if err else ""
    location = str(err.get("location") or "") if err else ""
    code = err.get("code") if err else None
    cls = class_for_status(status)
    # The filtering module refusing the input or output (location "Filtering Module - Input Filter").
    if status == 400 and location.startswith("Filtering Module"):
        cls = ContentFilteredError
    text = message or (body if isinstance(body, str) else "") or f"HTTP {status}"
    request_id = (err.get("request_id") or err.get("requestId")) if err else None
    shown = f"{text} ({location})" if location and location not in text else text
    kwargs: dict[str, Any] = {
        "status_code": status,
        "provider": ctx.provider,
        "model": ctx.model,
        "request_id": str(request_id) if request_id else (resp.request_id if resp is not None else None),
        "body": body,
        "error_type": location or None,
        "error_code": str(code) if code is not None else None,
    }
    if issubclass(cls, RateLimitError):
        retry_after = parse_retry_after(resp.headers) if resp is not None else None
        return cls(shown, retry_after=retry_after, **kwargs)
    return cls(shown, **kwargs)


class OrchestrationStreamDecoder:
    """``data: {request_id, intermediate_results, final_result: <chat.completion.chunk>}`` events,
    then ``data: [DONE]``; an in-stream ``{"error": {...}}`` event ends it. ``finish_reason`` is ""
    (not null) until the last chunk; the first event's final_result is an empty chunk."""

    __slots__ = (
        "_ctx",
        "_inner",
        "_saw_done",
        "_sse",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._sse = SSEDecoder()
        self._inner = OpenAIStreamDecoder(ctx, DEFAULT_QUIRKS)
        self._saw_done = False
        self.error: ProviderError | None = None
        self.raw_events = self._inner.raw_events
        self.citations = self._inner.citations
        self.response_id: str | None = None
        self.response_model: str | None = None

    @property
    def done(self) -> bool:
        return self._saw_done or self._inner.done

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for ev in self._sse.feed(data):
            if ev.data == "[DONE]":
                self._saw_done = True
                continue
            try:
                obj = json.loads(ev.data)
            except (ValueError, RecursionError):
                raise ResponseDecodeError(
                    "orchestration stream event is not JSON", provider=self._ctx.provider, snippet=ev.data
                ) from None
            if isinstance(obj, dict) and obj.get("error"):
                err = _first_error(obj)
                status = err.get("code") if err else None
                self.error = error_from(status if isinstance(status, int) else 500, obj, self._ctx)
                return out
            final = final_of(obj)
            if not isinstance(final, dict):
                raise ResponseDecodeError(
                    "orchestration stream event without final_result",
                    provider=self._ctx.provider,
                    snippet=ev.data,
                )
            # The chunk is an OpenAI chat.completion.chunk: the OpenAI decoder reads it.
            out.extend(self._inner.feed(b"data: " + dumps(final) + b"\n\n"))
            self.response_id = self._inner.response_id
            self.response_model = self._inner.response_model
            if self._inner.error is not None:
                self.error = self._inner.error
                return out
        return out
