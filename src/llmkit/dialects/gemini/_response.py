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
from llmkit.framing.sse import SSEDecoder
from llmkit.types import (
    Citation,
    Completion,
    Finish,
    FinishReason,
    ImagePart,
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
        return count(meta.get(key), f"usageMetadata.{key}", digits=True)

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
    if not isinstance(body, Mapping):
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


class GeminiStreamDecoder:
    """``streamGenerateContent?alt=sse``: every event is a whole ``GenerateContentResponse``
    holding only the new parts; there is no end marker, the chunk with ``finishReason`` is last."""

    def __init__(self, ctx: CallContext) -> None:
        self._ctx = ctx
        self._sse = SSEDecoder()
        self._calls = 0
        self._done = False
        self._usage: Mapping[str, Any] | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []
        # An in-stream error (or a block) met after other events of the same read: those events
        # are handed back first, and the stream raises this right after, with them in .partial.
        self.error: ProviderError | None = None

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, data: bytes) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        raw_events = self.raw_events
        for text in self._sse.feed_data(data):
            try:
                chunk = _decode(text)
            except ValueError:
                if not text or text.isspace():  # an empty event: nothing to decode
                    continue
                raise ResponseDecodeError(
                    "undecodable Gemini stream event", provider=self._ctx.provider, snippet=text
                ) from None
            if raw_events and type(chunk) is dict:
                piece = _plain_text(chunk)
                if piece is not None:
                    # A text-only chunk, nearly every chunk of a stream: what _chunk would make of
                    # it, without walking for calls, citations, a block or a finish it cannot hold;
                    # not kept in raw_events, as the OpenAI path keeps no plain chunk either.
                    self.response_id = chunk.get("responseId") or self.response_id
                    self.response_model = chunk.get("modelVersion") or self.response_model
                    usage = chunk.get("usageMetadata")
                    if usage:
                        self._usage = usage
                    if piece:
                        events.append(TextDelta(piece))
                    continue
            if not raw_events or _not_plain_chunk(chunk):
                # The first chunk and any carrying more than text (finish, calls, citations,
                # feedback), as the OpenAI path keeps: every chunk would pile up in memory.
                raw_events.append(chunk)
            try:
                self._chunk(chunk, events)
            except ProviderError as exc:
                if not events:
                    raise
                self.error = exc
                return events
        return events

    def _chunk(self, chunk: Any, out: list[StreamEvent]) -> None:
        """Append one chunk's events to ``out``; an error raises before any is appended."""
        ctx = self._ctx
        if not isinstance(chunk, Mapping):
            raise ResponseDecodeError("a Gemini stream event must be an object", provider=ctx.provider)
        if "error" in chunk:
            raise stream_error(chunk, ctx)
        self.response_id = chunk.get("responseId") or self.response_id
        self.response_model = chunk.get("modelVersion") or self.response_model
        candidates = chunk.get("candidates") or []
        if not candidates and (chunk.get("promptFeedback") or {}).get("blockReason"):
            raise _blocked(chunk, ctx, None)
        events: list[StreamEvent] = []
        cand: Mapping[str, Any] = candidates[0] if candidates else _EMPTY
        for part in (cand.get("content") or {}).get("parts") or []:
            sig = part.get("thoughtSignature")
            if part.get("thought"):
                events.append(ReasoningDelta(text=part.get("text", ""), signature=sig))
                continue
            if sig:
                events.append(ReasoningDelta(signature=sig))
            if "functionCall" in part:
                fc = part["functionCall"]
                args = json.dumps(fc.get("args") or {}, ensure_ascii=False, separators=(",", ":"))
                cid = call_id(fc, self.response_id or "", self._calls)
                events.append(ToolCallDelta(self._calls, cid, fc.get("name", ""), args))
                self._calls += 1
            elif part.get("text"):
                events.append(TextDelta(part["text"]))
        if "citationMetadata" in cand or "groundingMetadata" in cand:  # rare: skipped cheaply
            for citation in citations_of(cand):
                if citation not in self.citations:
                    self.citations.append(citation)
        if chunk.get("usageMetadata"):
            self._usage = chunk["usageMetadata"]
        raw_reason = cand.get("finishReason")
        if raw_reason and self._usage is not None:
            events.append(UsageUpdate(usage_of(self._usage)))
        if raw_reason:
            events.append(Finish(finish_reason(raw_reason, self._calls > 0), raw_reason))
            self._done = True
        out += events


_PLAIN_CHUNK_KEYS = frozenset({"candidates", "usageMetadata", "modelVersion", "responseId", "createTime"})
_PLAIN_CANDIDATE_KEYS = frozenset({"content", "index", "safetyRatings"})
_PLAIN_PART_KEYS = frozenset({"text", "thought"})


def _plain_text(chunk: dict[str, Any]) -> str | None:
    """The text of a chunk holding one candidate with one text part and nothing else a stream
    decoder acts on (no finish, call, thought, citation, feedback or error), else None."""
    if not chunk.keys() <= _PLAIN_CHUNK_KEYS:
        return None
    candidates = chunk.get("candidates")
    if type(candidates) is not list or len(candidates) != 1:
        return None
    cand = candidates[0]
    if type(cand) is not dict or not cand.keys() <= _PLAIN_CANDIDATE_KEYS:
        return None
    content = cand.get("content")
    parts = content.get("parts") if type(content) is dict else None
    if type(parts) is not list or len(parts) != 1:
        return None
    part = parts[0]
    if type(part) is not dict or len(part) != 1:
        return None
    text = part.get("text")
    return text if type(text) is str else None


def _not_plain_chunk(chunk: Any) -> bool:
    """Whether a stream chunk says more than text: the usage every chunk repeats is not counted."""
    if type(chunk) is not dict or not chunk.keys() <= _PLAIN_CHUNK_KEYS:
        return True
    candidates = chunk.get("candidates")
    if type(candidates) is not list or len(candidates) != 1:
        return True
    cand = candidates[0]
    if type(cand) is not dict or not cand.keys() <= _PLAIN_CANDIDATE_KEYS:
        return True
    content = cand.get("content")
    parts = content.get("parts") if type(content) is dict else None
    if type(parts) is not list:
        return True
    return any(type(part) is not dict or not part.keys() <= _PLAIN_PART_KEYS for part in parts)


_decode = json.JSONDecoder().decode
_EMPTY: Mapping[str, Any] = {}


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
