"""Amazon Bedrock Converse / ConverseStream: one request shape for every Bedrock chat model.

``POST {base}/model/{modelId}/converse`` (``/converse-stream`` to stream,
``/count-tokens`` to count), JSON in; JSON out, or an
``application/vnd.amazon.eventstream`` body of binary frames whose
``:event-type`` names the member (``contentBlockDelta``, ``messageStop``, ...).
The model id (a base model, an inference profile or an ARN) is one path
segment, percent-encoded. Signing is not done here: the provider's auth
(SigV4 with signing name ``bedrock``, or a Bedrock API key as a bearer token)
decorates the request this builds.

Embeddings go through InvokeModel (``POST {base}/model/{modelId}/invoke``), whose body
is the model's own: Amazon Titan text embeddings (``inputText``, ``dimensions``,
``normalize``; one text per request) and Cohere Embed (``texts``, ``input_type``),
picked by the model id.

Sources: botocore ``data/bedrock-runtime/2023-09-30/service-2.json`` (shapes,
operations, exception status codes) and ``parsers.py`` (event-stream errors).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from llmkit.dialects._errors import class_for_status, decode_body, make_error
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.errors import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContextWindowExceededError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.transport.aws_eventstream import EventMessage, EventStreamDecoder
from llmkit.types import (
    AudioPart,
    Citation,
    CitationsUpdate,
    Completion,
    DocumentPart,
    Embeddings,
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
    TokenCount,
    Tool,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "BedrockConverseDialect", "BedrockConverseStreamDecoder"]

# Keyword options: name -> where it goes.
OPTIONS = frozenset(
    {
        "top_p",  # inferenceConfig.topP
        "thinking",  # additionalModelRequestFields.thinking (Anthropic models)
        "additional_model_request_fields",  # merged into additionalModelRequestFields
        "additional_model_response_field_paths",
        "guardrail_config",
        "performance_config",  # "optimized" | "standard" | {"latency": ...}
        "service_tier",  # "priority" | "default" | "flex" | {"type": ...}
        "request_metadata",
        "prompt_variables",
        # InvokeModel embeddings
        "normalize",  # Titan v2: normalize
        "input_type",  # Cohere: input_type (search_document when not given)
        "truncate",  # Cohere: truncate (NONE | START | END)
        "embedding_types",  # Cohere: embedding_types; Titan v2: embeddingTypes
    }
)

FINISH_REASONS = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "guardrail_intervened": FinishReason.CONTENT_FILTER,
    "content_filtered": FinishReason.CONTENT_FILTER,
    "malformed_model_output": FinishReason.ERROR,
    "malformed_tool_use": FinishReason.ERROR,
}

_IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}
_DOCUMENT_FORMATS = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}
# DocumentBlock.name: letters, digits, single spaces, hyphens, parentheses and square brackets.
_DOC_NAME_BAD = re.compile(r"[^A-Za-z0-9\-()\[\] ]+")


# ---------------------------------------------------------------- request


def model_path(model: str, operation: str) -> str:
    """``/model/{modelId}/{operation}``, the id one encoded segment (``:`` -> ``%3A``, ``/`` -> ``%2F``)."""
    return f"/model/{quote(model, safe='')}/{operation}"


def _cache_point(cache_control: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not cache_control:
        return None
    point: dict[str, Any] = {"type": "default"}
    ttl = cache_control.get("ttl")
    if ttl in ("5m", "1h"):
        point["ttl"] = ttl
    return {"cachePoint": point}


def _image_block(p: ImagePart) -> dict[str, Any]:
    media_type = p.media_type
    if p.data is not None:
        source: dict[str, Any] = {"bytes": p.data}
    elif p.url is not None and p.url.startswith("data:"):
        header, _, data = p.url.partition(",")
        media_type = media_type or header[5:].split(";")[0]
        source = {"bytes": data}
    elif p.url is not None and p.url.startswith("s3://"):
        source = {"s3Location": {"uri": p.url}}
    else:
        raise NotSupportedError("Bedrock Converse takes images inline (base64) or from s3://, not by URL")
    fmt = _IMAGE_FORMATS.get((media_type or "image/png").lower())
    if fmt is None:
        raise NotSupportedError(f"Bedrock Converse does not take images of type {media_type!r}")
    return {"image": {"format": fmt, "source": source}}


def _document_block(p: DocumentPart, ordinal: int) -> dict[str, Any]:
    fmt = _DOCUMENT_FORMATS.get(p.media_type.lower())
    if fmt is None:
        raise NotSupportedError(f"Bedrock Converse does not take documents of type {p.media_type!r}")
    if p.data is not None:
        source: dict[str, Any] = {"bytes": p.data}
    elif p.url is not None and p.url.startswith("s3://"):
        source = {"s3Location": {"uri": p.url}}
    else:
        raise NotSupportedError("Bedrock Converse takes documents inline (base64) or from s3://, not by URL")
    name = " ".join(_DOC_NAME_BAD.sub(" ", p.title or "").split())[:200] or f"document-{ordinal + 1}"
    return {"document": {"format": fmt, "name": name, "source": source}}


def _blocks(parts: Sequence[Part]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    documents = 0
    for p in parts:
        if isinstance(p, TextPart):
            if p.text:
                out.append({"text": p.text})
            point = _cache_point(p.cache_control)
        elif isinstance(p, ImagePart):
            out.append(_image_block(p))
            point = _cache_point(p.cache_control)
        elif isinstance(p, DocumentPart):
            out.append(_document_block(p, documents))
            documents += 1
            point = _cache_point(p.cache_control)
        elif isinstance(p, ReasoningPart):
            if p.redacted_data is not None:
                out.append({"reasoningContent": {"redactedContent": p.redacted_data}})
            elif p.text or p.signature:
                text: dict[str, Any] = {"text": p.text}
                if p.signature:
                    text["signature"] = p.signature
                out.append({"reasoningContent": {"reasoningText": text}})
            point = None
        elif isinstance(p, AudioPart):
            out.append({"audio": {"format": p.format, "source": {"bytes": p.data}}})
            point = None
        else:  # pragma: no cover - Part is a closed union
            raise NotSupportedError(f"Bedrock Converse cannot send {type(p).__name__}")
        if point is not None:
            out.append(point)
    return out


def _tool_result(m: Message) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for block in _blocks(m.parts):
        if "text" in block or "image" in block or "document" in block:
            content.append(block)
    return {"toolResult": {"toolUseId": m.tool_call_id or "", "content": content}}


def _turns(messages: Sequence[Message]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system blocks, messages) with tool results folded into user turns and same-role turns merged."""
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role in ("system", "developer"):
            system.extend(b for b in _blocks(m.parts) if "text" in b or "cachePoint" in b)
            continue
        if m.role == "tool":
            role, content = "user", [_tool_result(m)]
        else:
            role, content = m.role, _blocks(m.parts)
            if m.role == "assistant":
                content += [
                    {"toolUse": {"toolUseId": c.id, "name": c.name, "input": _tool_input(c)}}
                    for c in m.tool_calls
                ]
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(content)
        else:
            turns.append({"role": role, "content": content})
    return system, turns


def _tool_input(call: ToolCall) -> Any:
    if call.parse_error is None:
        return call.arguments
    return {}  # Converse needs an object; the malformed original cannot be sent back as one


def _tool_spec(t: Tool) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": t.name, "inputSchema": {"json": dict(t.parameters)}}
    if t.description:
        spec["description"] = t.description
    if t.strict is not None:
        spec["strict"] = t.strict
    return {"toolSpec": spec}


def _tool_config(req: ChatRequest, history_has_tools: bool) -> dict[str, Any] | None:
    tc = req.tool_choice
    if not req.tools or (tc == "none" and not history_has_tools):
        # Converse has no "none" choice: leaving the tools out is how to forbid calls.
        return None
    tools: list[dict[str, Any]] = []
    for t in req.tools:
        tools.append(_tool_spec(t))
        point = _cache_point(t.cache_control)
        if point is not None:
            tools.append(point)
    config: dict[str, Any] = {"tools": tools}
    if isinstance(tc, ForcedTool):
        config["toolChoice"] = {"tool": {"name": tc.name}}
    elif tc in ("required", "any"):
        config["toolChoice"] = {"any": {}}
    elif tc == "auto":
        config["toolChoice"] = {"auto": {}}
    return config


def build_body(req: ChatRequest, *, for_count: bool = False) -> dict[str, Any]:
    system, turns = _turns(req.messages)
    body: dict[str, Any] = {"messages": turns}
    if system:
        body["system"] = system
    options = req.options
    if not for_count:
        inference: dict[str, Any] = {}
        if req.max_tokens is not None:
            inference["maxTokens"] = req.max_tokens
        if req.temperature is not None:
            inference["temperature"] = req.temperature
        if options.get("top_p") is not None:
            inference["topP"] = options["top_p"]
        if req.stop:
            inference["stopSequences"] = list(req.stop)
        if inference:
            body["inferenceConfig"] = inference
    history_has_tools = any(m.role == "tool" or m.tool_calls for m in req.messages)
    config = _tool_config(req, history_has_tools)
    if config is not None:
        body["toolConfig"] = config
    additional: dict[str, Any] = dict(options.get("additional_model_request_fields") or {})
    if options.get("thinking") is not None:
        additional["thinking"] = options["thinking"]
    if additional:
        body["additionalModelRequestFields"] = additional
    if for_count:
        return body
    rf = req.response_format
    if rf is not None:
        schema = dict(rf.schema or {}) if rf.type == "json_schema" else {"type": "object"}
        definition = {
            "schema": json.dumps(schema, ensure_ascii=False, separators=(",", ":")),
            "name": rf.name,
        }
        body["outputConfig"] = {
            "textFormat": {"type": "json_schema", "structure": {"jsonSchema": definition}}
        }
    if options.get("additional_model_response_field_paths"):
        body["additionalModelResponseFieldPaths"] = list(options["additional_model_response_field_paths"])
    if options.get("guardrail_config") is not None:
        body["guardrailConfig"] = options["guardrail_config"]
    perf = options.get("performance_config")
    if perf is not None:
        body["performanceConfig"] = {"latency": perf} if isinstance(perf, str) else perf
    tier = options.get("service_tier")
    if tier is not None:
        body["serviceTier"] = {"type": tier} if isinstance(tier, str) else tier
    if options.get("request_metadata") is not None:
        body["requestMetadata"] = options["request_metadata"]
    if options.get("prompt_variables") is not None:
        body["promptVariables"] = options["prompt_variables"]
    if req.extra_body:
        body.update(req.extra_body)
    return body


# ---------------------------------------------------------------- response


def finish_reason(raw: str | None) -> FinishReason:
    return FINISH_REASONS.get(raw or "", FinishReason.OTHER)


def usage_from(u: Any) -> Usage:
    if not isinstance(u, Mapping):
        return Usage()
    return Usage(
        input_tokens=_int(u.get("inputTokens")),
        output_tokens=_int(u.get("outputTokens")),
        total_tokens=_int(u.get("totalTokens")),
        cached_input_tokens=_int(u.get("cacheReadInputTokens")),
        cache_creation_input_tokens=_int(u.get("cacheWriteInputTokens")),
    )


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def citation_from(c: Any) -> Citation | None:
    if not isinstance(c, Mapping):
        return None
    location = c.get("location")
    web = location.get("web") if isinstance(location, Mapping) else None
    url = web.get("url") if isinstance(web, Mapping) else None
    url = url or c.get("source")
    if not isinstance(url, str) or not url:
        return None
    title = c.get("title")
    return Citation(url, title if isinstance(title, str) else None)


def _content(blocks: Any, parts: list[Part], calls: list[ToolCall], citations: list[Citation]) -> None:
    for block in blocks if isinstance(blocks, list) else ():
        if not isinstance(block, Mapping):
            continue
        if isinstance(block.get("text"), str):
            if block["text"]:
                parts.append(TextPart(block["text"]))
        elif isinstance(block.get("toolUse"), Mapping):
            use = block["toolUse"]
            raw_input = use.get("input")
            arguments = raw_input if isinstance(raw_input, (Mapping, str)) else None
            if raw_input is not None and arguments is None:
                arguments = json.dumps(raw_input)  # not an object: ToolCall records the parse error
            calls.append(ToolCall(str(use.get("toolUseId") or ""), str(use.get("name") or ""), arguments))
        elif isinstance(block.get("reasoningContent"), Mapping):
            reasoning = block["reasoningContent"]
            text = reasoning.get("reasoningText")
            if isinstance(text, Mapping):
                parts.append(ReasoningPart(str(text.get("text") or ""), text.get("signature") or None))
            elif isinstance(reasoning.get("redactedContent"), str):
                parts.append(ReasoningPart(redacted_data=reasoning["redactedContent"]))
        elif isinstance(block.get("citationsContent"), Mapping):
            cited = block["citationsContent"]
            for piece in cited.get("content") or ():
                if isinstance(piece, Mapping) and isinstance(piece.get("text"), str) and piece["text"]:
                    parts.append(TextPart(piece["text"]))
            for c in cited.get("citations") or ():
                found = citation_from(c)
                if found is not None and found not in citations:
                    citations.append(found)
        # image, document, guardContent, searchResult, ... stay in ``raw``.


def completion_from(obj: Any, resp: HttpResponse, ctx: CallContext) -> Completion:
    output = obj.get("output") if isinstance(obj, Mapping) else None
    message = output.get("message") if isinstance(output, Mapping) else None
    if not isinstance(message, Mapping):
        raise ResponseDecodeError(
            "Converse answer without output.message", provider=ctx.provider, snippet=str(obj)
        )
    parts: list[Part] = []
    calls: list[ToolCall] = []
    citations: list[Citation] = []
    _content(message.get("content"), parts, calls, citations)
    raw_reason = obj.get("stopReason")
    raw_reason = raw_reason if isinstance(raw_reason, str) else None
    return Completion(
        message=Message("assistant", tuple(parts), tuple(calls)),
        finish_reason=finish_reason(raw_reason),
        usage=usage_from(obj.get("usage")),
        model=ctx.model,
        provider=ctx.provider,
        id=resp.request_id,
        raw_finish_reason=raw_reason,
        raw=obj,
        citations=citations,
    )


# ---------------------------------------------------------------- errors

# Exception names (HTTP ``x-amzn-ErrorType`` and in-stream ``:exception-type``, compared
# case-insensitively) -> class. The auth ones are AWS-wide, not in the Bedrock model.
ERROR_TYPES: dict[str, type[ProviderError]] = {
    "validationexception": BadRequestError,
    "accessdeniedexception": PermissionDeniedError,
    "resourcenotfoundexception": NotFoundError,
    "throttlingexception": RateLimitError,
    "modelnotreadyexception": RateLimitError,
    "servicequotaexceededexception": RateLimitError,
    "modeltimeoutexception": APITimeoutError,
    "modelerrorexception": ServerError,
    "modelstreamerrorexception": ServerError,
    "internalserverexception": ServerError,
    "serviceunavailableexception": ServerError,
    "unrecognizedclientexception": AuthenticationError,
    "invalidsignatureexception": AuthenticationError,
    "incompletesignatureexception": AuthenticationError,
    "missingauthenticationtokenexception": AuthenticationError,
    "expiredtokenexception": AuthenticationError,
}
# The status each exception carries in the service model, for those that arrive inside a 200 stream.
STATUS_OF_TYPE = {
    "validationexception": 400,
    "throttlingexception": 429,
    "modelstreamerrorexception": 424,
    "internalserverexception": 500,
    "serviceunavailableexception": 503,
}
# Bedrock has no structured code for an over-long prompt: a ValidationException's message
# is the only signal (forwarded from the model provider), so a few known phrasings are checked.
_CONTEXT_PHRASES = (
    "input is too long",
    "prompt is too long",
    "too many input tokens",
    "input length and `max_tokens` exceed context limit",
    "exceeds the maximum number of tokens",
)


def error_type_of(resp: HttpResponse, body: Any) -> str | None:
    header = resp.headers.get("x-amzn-errortype")
    if header:
        return header.split(":", 1)[0].strip() or None
    if isinstance(body, Mapping):
        for key in ("__type", "code", "Code"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value.rsplit("#", 1)[-1]
    return None


def _message_of(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "Message", "errorMessage"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        return json.dumps(body)[:500]
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return "no error details in the response body"


def _class_for(status: int, etype: str | None, message: str) -> type[ProviderError]:
    key = (etype or "").lower()
    cls = ERROR_TYPES.get(key) or class_for_status(status)
    if cls is BadRequestError and any(p in message.lower() for p in _CONTEXT_PHRASES):
        return ContextWindowExceededError
    return cls


def classify(resp: HttpResponse, body: Any, ctx: CallContext) -> ProviderError:
    etype = error_type_of(resp, body)
    message = _message_of(body)
    cls = _class_for(resp.status, etype, message)
    err = make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body, error_type=etype)
    if (etype or "").lower() == "servicequotaexceededexception":
        err.retryable = False  # an account quota does not clear by waiting
    return err


def stream_error(message: EventMessage, ctx: CallContext) -> ProviderError:
    """The exception for an ``exception`` or ``error`` frame inside a 200 stream (no HTTP status)."""
    if message.kind == "exception":
        etype = message.exception_type
        try:
            body: Any = json.loads(message.payload) if message.payload else None
        except ValueError:
            body = message.payload.decode("utf-8", "replace")
        text = _message_of(body)
    else:
        etype = message.error_code
        body = {"code": etype, "message": message.error_message}
        text = message.error_message or etype or "unknown error"
    status = STATUS_OF_TYPE.get((etype or "").lower(), 500)
    cls = _class_for(status, etype, text)
    err = make_error(
        cls, text, HttpResponse(0, {}), provider=ctx.provider, model=ctx.model, body=body, error_type=etype
    )
    err.status_code = None
    return err


# ---------------------------------------------------------------- stream


class BedrockConverseStreamDecoder:
    """One per stream: event-stream bytes in, llmkit events out; exception frames raise."""

    __slots__ = (
        "_ctx",
        "_done",
        "_frames",
        "_tool_index",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext) -> None:
        self._frames = EventStreamDecoder()
        self._ctx = ctx
        self._done = False
        # contentBlockIndex -> ordinal of that tool call among this message's tool calls
        self._tool_index: dict[int, int] = {}
        # An exception frame, reported after the events that preceded it in the same read.
        self.error: ProviderError | None = None
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []

    @property
    def done(self) -> bool:
        """True once ``messageStop`` arrived (the ``metadata`` event with usage follows it)."""
        return self._done

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for frame in self._frames.feed(data):
            if frame.kind != "event":
                error = stream_error(frame, self._ctx)
                if not out:
                    raise error
                # Hand back the events before the exception first; the stream raises it right after.
                self.error = error
                return out
            kind = frame.event_type or ""
            try:
                obj = json.loads(frame.payload) if frame.payload else {}
            except ValueError:
                raise ResponseDecodeError(
                    f"stream event {kind!r} is not JSON", provider=self._ctx.provider, snippet=frame.payload
                ) from None
            if not isinstance(obj, dict):
                raise ResponseDecodeError(
                    f"stream event {kind!r} is not an object",
                    provider=self._ctx.provider,
                    snippet=frame.payload,
                )
            self.raw_events.append({kind: obj})
            self._event(kind, obj, out)
        return out

    def _event(self, kind: str, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        if kind == "contentBlockDelta":
            self._delta(obj, out)
        elif kind == "contentBlockStart":
            start = obj.get("start")
            use = start.get("toolUse") if isinstance(start, Mapping) else None
            if isinstance(use, Mapping):
                ordinal = self._ordinal(obj)
                out.append(
                    ToolCallDelta(ordinal, str(use.get("toolUseId") or ""), str(use.get("name") or ""))
                )
        elif kind == "messageStop":
            raw = obj.get("stopReason")
            raw = raw if isinstance(raw, str) else None
            self._done = True
            out.append(Finish(finish_reason(raw), raw))
        elif kind == "metadata":
            usage = obj.get("usage")
            if isinstance(usage, Mapping):
                out.append(UsageUpdate(usage_from(usage)))
        # messageStart and contentBlockStop carry nothing to surface; unknown events are skipped.

    def _ordinal(self, obj: Mapping[str, Any]) -> int:
        index = obj.get("contentBlockIndex")
        key = index if isinstance(index, int) else -1
        ordinal = self._tool_index.get(key)
        if ordinal is None:
            ordinal = self._tool_index[key] = len(self._tool_index)
        return ordinal

    def _delta(self, obj: Mapping[str, Any], out: list[StreamEvent]) -> None:
        delta = obj.get("delta")
        if not isinstance(delta, Mapping):
            return
        text = delta.get("text")
        if isinstance(text, str):
            if text:
                out.append(TextDelta(text))
            return
        use = delta.get("toolUse")
        if isinstance(use, Mapping):
            piece = use.get("input")
            if isinstance(piece, str) and piece:
                out.append(ToolCallDelta(self._ordinal(obj), arguments_delta=piece))
            return
        reasoning = delta.get("reasoningContent")
        if isinstance(reasoning, Mapping):
            if isinstance(reasoning.get("text"), str) and reasoning["text"]:
                out.append(ReasoningDelta(reasoning["text"]))
            if isinstance(reasoning.get("signature"), str) and reasoning["signature"]:
                out.append(ReasoningDelta(signature=reasoning["signature"]))
            if isinstance(reasoning.get("redactedContent"), str):
                out.append(ReasoningDelta(redacted_data=reasoning["redactedContent"]))
            return
        found = citation_from(delta.get("citation"))
        if found is not None and found not in self.citations:
            self.citations.append(found)
            out.append(CitationsUpdate(tuple(self.citations)))


# ---------------------------------------------------------------- embeddings (InvokeModel)

# The InvokeModel body is the model's own format; the model id says which one.
_COHERE_INPUT_TYPES = frozenset({"search_document", "search_query", "classification", "clustering"})


def embed_family(model: str) -> str:
    """``titan`` or ``cohere`` from a model id, inference profile id or ARN; else NotSupportedError."""
    name = model.rsplit("/", 1)[-1].lower()
    if "titan-embed" in name:
        return "titan"
    if "cohere.embed" in name:
        return "cohere"
    raise NotSupportedError(
        f"Bedrock embeddings through llmkit take Amazon Titan (amazon.titan-embed-*) or Cohere "
        f"(cohere.embed-*) models, not {model!r}"
    )


def embed_body(req: EmbedRequest) -> dict[str, Any]:
    options = req.options
    if embed_family(req.model) == "titan":
        if len(req.inputs) != 1:
            raise NotSupportedError(
                "Titan embedding models take one text per request: call embed() once per text"
            )
        body: dict[str, Any] = {"inputText": req.inputs[0]}
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        if options.get("normalize") is not None:
            body["normalize"] = bool(options["normalize"])
        if options.get("embedding_types") is not None:
            body["embeddingTypes"] = list(options["embedding_types"])
    else:
        input_type = options.get("input_type") or "search_document"
        if input_type not in _COHERE_INPUT_TYPES:
            raise ConfigurationError(
                f"input_type must be one of {', '.join(sorted(_COHERE_INPUT_TYPES))}, not {input_type!r}"
            )
        body = {"texts": list(req.inputs), "input_type": input_type}
        if options.get("truncate") is not None:
            body["truncate"] = options["truncate"]
        if options.get("embedding_types") is not None:
            body["embedding_types"] = list(options["embedding_types"])
        if req.dimensions is not None:
            body["output_dimension"] = req.dimensions  # Cohere Embed v4 only
    if req.extra_body:
        body.update(req.extra_body)
    return body


def build_embed_request(req: EmbedRequest, ctx: CallContext) -> HttpRequest:
    body = embed_body(req)
    url = ctx.base_url.rstrip("/") + model_path(req.model, "invoke")
    headers = {"content-type": "application/json", "accept": "application/json"}
    return HttpRequest("POST", url, headers, dumps(body), body)


def _floats(rows: Any) -> list[list[float]]:
    if not isinstance(rows, list):
        raise TypeError("expected a list of vectors")
    return [[float(x) for x in row] for row in rows]


def _header_int(resp: HttpResponse, name: str) -> int:
    value = resp.headers.get(name)
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def parse_embed_response(resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    obj = _json(resp, "InvokeModel", ctx.provider)
    # Bedrock reports InvokeModel token counts in a response header (not in the service model).
    header_tokens = _header_int(resp, "x-amzn-bedrock-input-token-count")
    try:
        if embed_family(req.model) == "titan":
            vector = obj.get("embedding")
            if vector is None:  # embeddingTypes without "float"
                by_type = obj["embeddingsByType"]
                vector = next(iter(by_type.values()))
            vectors = _floats([vector])
            tokens = _int(obj.get("inputTextTokenCount")) or header_tokens
        else:
            rows = obj["embeddings"]
            if isinstance(rows, Mapping):  # embeddings_by_type: {"float": [...], "int8": [...]}
                rows = rows.get("float") or next(iter(rows.values()))
            vectors = _floats(rows)
            tokens = header_tokens
    except (KeyError, TypeError, ValueError, AttributeError, StopIteration) as exc:
        raise ResponseDecodeError(
            f"InvokeModel embeddings body not understood: {exc!r}", provider=ctx.provider, snippet=resp.body
        ) from None
    return Embeddings(vectors, Usage(input_tokens=tokens), req.model, ctx.provider, obj)


# ---------------------------------------------------------------- dialect


def _json(resp: HttpResponse, what: str, provider: str) -> Any:
    try:
        return json.loads(resp.body)
    except ValueError:
        raise ResponseDecodeError(f"{what} body is not JSON", provider=provider, snippet=resp.body) from None


class BedrockConverseDialect:
    name = "bedrock_converse"
    options = OPTIONS

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = build_body(req)
        operation = "converse-stream" if req.stream else "converse"
        url = ctx.base_url.rstrip("/") + model_path(req.model, operation)
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return completion_from(_json(resp, "Converse", ctx.provider), resp, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> BedrockConverseStreamDecoder:
        return BedrockConverseStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        return build_embed_request(req, ctx)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed_response(resp, req, ctx)

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = {"input": {"converse": build_body(req, for_count=True)}}
        url = ctx.base_url.rstrip("/") + model_path(req.model, "count-tokens")
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount:
        obj = _json(resp, "CountTokens", ctx.provider)
        count = obj.get("inputTokens") if isinstance(obj, Mapping) else None
        if not isinstance(count, int) or isinstance(count, bool):
            raise ResponseDecodeError(
                "CountTokens answer without inputTokens", provider=ctx.provider, snippet=resp.body
            )
        return TokenCount(input_tokens=count, exact=True)


DIALECT = BedrockConverseDialect()
