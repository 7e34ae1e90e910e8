"""Decode Gemini responses, streams and errors (pure)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import class_for_status, count, decode_body, make_error
from llmkit.dialects.base import CallContext
from llmkit.dialects.gemini._request import SYNTHETIC_ID_PREFIX
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ContentFilteredError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.types import (
    Citation,
    Completion,
    FinishReason,
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    Usage,
)
from llmkit.wire import HttpResponse

_FILTERED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "LANGUAGE",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    }
)
_ERRORED = frozenset({"MALFORMED_FUNCTION_CALL", "MALFORMED_RESPONSE", "MISSING_THOUGHT_SIGNATURE"})


def finish_reason(raw: str | None, has_calls: bool) -> FinishReason:
    if raw in (None, "", "STOP", "FINISH_REASON_UNSPECIFIED"):
        return FinishReason.TOOL_CALLS if has_calls else FinishReason.STOP
    if raw == "MAX_TOKENS":
        return FinishReason.LENGTH
    if raw in _FILTERED:
        return FinishReason.CONTENT_FILTER
    if raw in _ERRORED:
        return FinishReason.ERROR
    return FinishReason.OTHER


def usage_of(meta: Mapping[str, Any] | None) -> Usage:
    if not meta:
        return Usage()

    def n(key: str) -> int:
        value = meta.get(key)
        if type(value) is int and value >= 0:  # the usual count, without building count's label
            return value
        return count(value, f"usageMetadata.{key}", digits=True)

    prompt = n("promptTokenCount") + n("toolUsePromptTokenCount")
    thoughts = n("thoughtsTokenCount")
    # candidatesTokenCount excludes thoughts; llmkit's output_tokens counts everything generated.
    output = n("candidatesTokenCount") + thoughts
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=n("totalTokenCount") or prompt + output,
        cached_input_tokens=n("cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )


def call_id(call: Mapping[str, Any], salt: str, index: int) -> str:
    """Gemini's own id when it gives one, else a stable id derived from the call itself."""
    given = call.get("id")
    if given:
        return str(given)
    args = json.dumps(call.get("args") or {}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(f"{salt}|{index}|{call.get('name')}|{args}".encode()).hexdigest()
    return f"{SYNTHETIC_ID_PREFIX}{digest[:24]}"


def citations_of(candidate: Mapping[str, Any]) -> list[Citation]:
    out: list[Citation] = []
    seen: set[str] = set()
    meta = candidate.get("citationMetadata") or {}
    # AI Studio names the list citationSources, Vertex AI names it citations.
    for src in (meta.get("citationSources") or []) + (meta.get("citations") or []):
        uri = src.get("uri")
        if uri and uri not in seen:
            seen.add(uri)
            out.append(Citation(url=uri, title=src.get("title")))
    for chunk in (candidate.get("groundingMetadata") or {}).get("groundingChunks") or []:
        web = chunk.get("web") or chunk.get("retrievedContext") or {}
        uri = web.get("uri")
        if uri and uri not in seen:
            seen.add(uri)
            out.append(Citation(url=uri, title=web.get("title")))
    return out


def _blocked(body: Mapping[str, Any], ctx: CallContext, status: int | None) -> ContentFilteredError:
    feedback = body.get("promptFeedback") or {}
    reason = str(feedback.get("blockReason", "OTHER"))
    return ContentFilteredError(
        f"the prompt was blocked by Gemini's safety system (blockReason {reason})",
        status_code=status,
        provider=ctx.provider,
        model=ctx.model,
        body=dict(body),
        error_type=reason,
    )


def _decode_parts(parts: list[Any], salt: str) -> tuple[list[Part], list[ToolCall]]:
    content: list[Part] = []
    calls: list[ToolCall] = []
    for part in parts:
        sig = part.get("thoughtSignature")
        if part.get("thought"):
            content.append(ReasoningPart(text=part.get("text", ""), signature=sig))
            continue
        if sig:
            content.append(ReasoningPart(text="", signature=sig))
        if "functionCall" in part:
            fc = part["functionCall"]
            calls.append(ToolCall(call_id(fc, salt, len(calls)), fc.get("name", ""), fc.get("args") or {}))
        elif "text" in part:
            if part["text"]:
                if content and isinstance(content[-1], TextPart):
                    content[-1] = TextPart(content[-1].text + part["text"])
                else:
                    content.append(TextPart(part["text"]))
        elif "inlineData" in part:
            blob = part["inlineData"]
            content.append(ImagePart(data=blob.get("data"), media_type=blob.get("mimeType")))
    return content, calls


def parse_generate(body: Any, ctx: CallContext, status: int | None = 200) -> Completion:
    if type(body) is not dict and not isinstance(body, Mapping):  # the ABC check only off JSON's dict
        raise ResponseDecodeError("a Gemini response must be a JSON object", provider=ctx.provider)
    candidates = body.get("candidates") or []
    if not candidates:
        if (body.get("promptFeedback") or {}).get("blockReason"):
            raise _blocked(body, ctx, status)
        raise ResponseDecodeError(
            "Gemini returned no candidates", provider=ctx.provider, snippet=json.dumps(body)
        )
    cand = candidates[0]
    salt = str(body.get("responseId", ""))
    content, calls = _decode_parts((cand.get("content") or {}).get("parts") or [], salt)
    raw_reason = cand.get("finishReason")
    return Completion(
        message=Message(role="assistant", content=tuple(content), tool_calls=tuple(calls)),
        finish_reason=finish_reason(raw_reason, bool(calls)),
        usage=usage_of(body.get("usageMetadata")),
        model=str(body.get("modelVersion") or ctx.model),
        provider=ctx.provider,
        id=body.get("responseId"),
        raw_finish_reason=raw_reason,
        raw=body,
        citations=citations_of(cand),
    )


# ---------------------------------------------------------------- errors

# google.rpc.Code names (the ``status`` field) → exception class; the HTTP status decides otherwise.
_BY_CODE: dict[str, type[ProviderError]] = {
    "INVALID_ARGUMENT": BadRequestError,
    "FAILED_PRECONDITION": BadRequestError,
    "OUT_OF_RANGE": BadRequestError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "INTERNAL": ServerError,
    "UNKNOWN": ServerError,
    "UNAVAILABLE": OverloadedError,
    "DEADLINE_EXCEEDED": ServerError,
}
# ErrorInfo reasons that mean the credential itself is bad, whatever the status says
# (AI Studio answers a wrong key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID).
_BAD_KEY_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED", "ACCESS_TOKEN_EXPIRED"})


def _seconds(value: Any) -> float | None:
    """A protobuf Duration in JSON (``"30s"``, ``"1.5s"``) as seconds."""
    text = str(value).strip().removesuffix("s")
    try:
        return float(text)
    except ValueError:
        return None


def classify(resp: HttpResponse, body: Any, ctx: CallContext) -> ProviderError:
    # A streamed call can answer with a one-element array ``[{"error": ...}]``.
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    err = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(err, Mapping):
        message = (
            body if isinstance(body, str) and body else f"HTTP {resp.status} without a Google error body"
        )
        cls = class_for_status(resp.status)
        return make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body)
    code = str(err.get("status") or "") or None
    cls = _BY_CODE.get(code or "", class_for_status(resp.status))
    reason: str | None = None
    retry_delay: float | None = None
    for detail in err.get("details") or ():
        if not isinstance(detail, Mapping):
            continue
        kind = str(detail.get("@type", ""))
        if kind.endswith("google.rpc.ErrorInfo") and detail.get("reason"):
            reason = str(detail["reason"])
        elif kind.endswith("google.rpc.RetryInfo") and detail.get("retryDelay") is not None:
            retry_delay = _seconds(detail["retryDelay"])
    if reason in _BAD_KEY_REASONS:
        cls = AuthenticationError
    message = str(err.get("message") or code or "error")
    out = make_error(
        cls,
        message,
        resp,
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=code,
        error_code=reason,
    )
    if isinstance(out, RateLimitError) and out.retry_after is None:
        out.retry_after = retry_delay
    return out


def stream_error(obj: Mapping[str, Any], ctx: CallContext) -> ProviderError:
    err = obj.get("error")
    status = err.get("code") if isinstance(err, Mapping) else None
    return classify(HttpResponse(status if isinstance(status, int) else 500, {}), obj, ctx)


def parse_error(resp: HttpResponse, ctx: CallContext) -> ProviderError:
    return classify(resp, decode_body(resp), ctx)


def __getattr__(name: str) -> Any:
    # The stream decoder moved to ``_stream``; loaded on first use, since ``_stream`` imports
    # this module (an import at the top would be a cycle).
    if name == "GeminiStreamDecoder":
        from llmkit.dialects.gemini._stream import GeminiStreamDecoder

        return GeminiStreamDecoder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
