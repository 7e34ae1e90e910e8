"""Amazon SageMaker Runtime: InvokeEndpoint and InvokeEndpointWithResponseStream.

``POST {base}/endpoints/{EndpointName}/invocations`` sends the body to the
container and returns its bytes as they are; ``/invocations-response-stream``
returns an ``application/vnd.amazon.eventstream`` body whose ``PayloadPart``
events each carry a raw slice of the container's output (``Bytes`` is the event
payload). A slice may end anywhere: inside an SSE event, a JSON line or a UTF-8
character, so the decoders here buffer across parts.

SageMaker defines no body schema; ``sagemaker_format=`` picks the container's:

- ``"messages"`` (default): the OpenAI chat body and answer (TGI >= 1.4, vLLM, LMI),
  streamed as SSE. Built and parsed with ``llmkit.dialects.openai_chat``.
- ``"tgi"``: Text Generation Inference's ``generate``: ``{"inputs", "parameters"}``,
  answered with ``[{"generated_text", "details"}]`` and streamed as
  ``data:{"token": {...}}`` records (JSON lines without ``data:`` are read too).
- ``"raw"``: the bytes given in ``raw_body=`` (or ``extra_body=`` as JSON) are sent
  as they are; the answer's bytes become the text.

The SageMaker request headers are keyword options (``custom_attributes``,
``target_variant``, ...). Signing is the provider auth's job (SigV4, name
``sagemaker``). Sources: botocore ``data/sagemaker-runtime/2017-05-13/service-2.json``.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from llmkit.dialects import openai_chat
from llmkit.dialects._errors import class_for_status, decode_body, make_error
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.bedrock_converse import ERROR_TYPES, error_type_of
from llmkit.errors import (
    BadRequestError,
    ConfigurationError,
    ContextWindowExceededError,
    NotFoundError,
    NotSupportedError,
    OverloadedError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.transport.aws_eventstream import EventMessage, EventStreamDecoder
from llmkit.types import (
    Citation,
    Completion,
    Embeddings,
    Finish,
    FinishReason,
    Message,
    Part,
    StreamEvent,
    TextDelta,
    TextPart,
    TokenCount,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "FORMATS", "HEADER_OPTIONS", "OPTIONS", "SageMakerDialect"]

FORMATS = ("messages", "tgi", "raw")

# Typed options sent as SageMaker request headers (botocore member -> header name).
HEADER_OPTIONS: dict[str, str] = {
    "custom_attributes": "X-Amzn-SageMaker-Custom-Attributes",
    "target_variant": "X-Amzn-SageMaker-Target-Variant",
    "target_model": "X-Amzn-SageMaker-Target-Model",
    "target_container_hostname": "X-Amzn-SageMaker-Target-Container-Hostname",
    "inference_component": "X-Amzn-SageMaker-Inference-Component",
    "session_id": "X-Amzn-SageMaker-Session-Id",
    "inference_id": "X-Amzn-SageMaker-Inference-Id",
    "enable_explanations": "X-Amzn-SageMaker-Enable-Explanations",
}
# Only InvokeEndpoint takes these two.
_SYNC_ONLY = frozenset({"target_model", "enable_explanations"})

# TGI ``parameters`` a caller may set by keyword (besides max_tokens, temperature, stop).
TGI_PARAMETERS = frozenset(
    {
        "top_p",
        "top_k",
        "typical_p",
        "do_sample",
        "seed",
        "repetition_penalty",
        "frequency_penalty",
        "truncate",
        "watermark",
        "return_full_text",
        "decoder_input_details",
        "best_of",
    }
)

_TGI_ONLY = TGI_PARAMETERS - openai_chat.OPTIONS

_OWN_OPTIONS = frozenset(
    {"sagemaker_format", "content_type", "accept", "raw_body", "container_model"}
) | frozenset(HEADER_OPTIONS)

OPTIONS = _OWN_OPTIONS | openai_chat.OPTIONS | TGI_PARAMETERS

# A messages-format container speaks OpenAI chat; usage in the last chunk is asked for.
_QUIRKS = openai_chat.OpenAIQuirks()

TGI_FINISH = {
    "eos_token": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "error": FinishReason.ERROR,
}


def _format(req_options: Mapping[str, Any]) -> str:
    fmt = req_options.get("sagemaker_format") or "messages"
    if fmt not in FORMATS:
        raise ConfigurationError(f"sagemaker_format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return str(fmt)


def endpoint_path(endpoint: str, stream: bool) -> str:
    """``/endpoints/{EndpointName}/invocations[-response-stream]``, the name one encoded segment."""
    route = "invocations-response-stream" if stream else "invocations"
    return f"/endpoints/{quote(endpoint, safe='')}/{route}"


def _headers(
    options: Mapping[str, Any], stream: bool, content_type: str, accept: str | None
) -> dict[str, str]:
    headers = {"content-type": str(options.get("content_type") or content_type)}
    accept = options.get("accept") or accept
    if accept:
        # The stream route reads the container's accept type from its own header.
        headers["x-amzn-sagemaker-accept" if stream else "accept"] = str(accept)
    for name, header in HEADER_OPTIONS.items():
        value = options.get(name)
        if value is None:
            continue
        if stream and name in _SYNC_ONLY:
            raise ConfigurationError(f"{name}= is not accepted by InvokeEndpointWithResponseStream")
        if isinstance(value, bool):
            value = "true" if value else "false"
        headers[header.lower()] = str(value)
    return headers


# ---------------------------------------------------------------- request bodies


def _messages_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    passed = {k: v for k, v in req.options.items() if k not in _OWN_OPTIONS and k not in _TGI_ONLY}
    plain = dataclasses.replace(req, options=passed)
    body = openai_chat.build_chat_body(plain, ctx, _QUIRKS)
    # The endpoint name is not the container's model name; send the one asked for, or the endpoint's.
    body["model"] = str(req.options.get("container_model") or req.model)
    return body


def prompt_text(messages: Sequence[Message]) -> str:
    """The conversation as plain text for a generate-style container (no chat template)."""
    if len(messages) == 1 and messages[0].role == "user":
        return messages[0].text
    lines = []
    for m in messages:
        if m.role == "tool":
            lines.append(f"tool result: {m.text}")
        else:
            lines.append(f"{m.role}: {m.text}")
    lines.append("assistant:")
    return "\n\n".join(lines)


def _tgi_body(req: ChatRequest) -> dict[str, Any]:
    if req.tools:
        raise NotSupportedError("sagemaker_format='tgi' has no tool calling; use the messages format")
    if req.response_format is not None:
        raise NotSupportedError("sagemaker_format='tgi' has no structured output here; use messages")
    parameters: dict[str, Any] = {}
    if req.max_tokens is not None:
        parameters["max_new_tokens"] = req.max_tokens
    if req.temperature is not None:
        parameters["temperature"] = req.temperature
    if req.stop:
        parameters["stop"] = list(req.stop)
    for key in sorted(TGI_PARAMETERS):
        if req.options.get(key) is not None:
            parameters[key] = req.options[key]
    parameters.setdefault("details", True)
    body: dict[str, Any] = {"inputs": prompt_text(req.messages), "parameters": parameters}
    if req.stream:
        body["stream"] = True
    if req.extra_body:
        body.update(req.extra_body)
    return body


def _raw_body(req: ChatRequest | EmbedRequest) -> tuple[bytes, Any, str]:
    raw = req.options.get("raw_body")
    if raw is not None:
        if isinstance(raw, str):
            return raw.encode(), None, "application/json"
        if isinstance(raw, (bytes, bytearray, memoryview)):
            return bytes(raw), None, "application/octet-stream"
        return dumps(raw), raw, "application/json"
    if req.extra_body is not None:
        body = dict(req.extra_body)
        return dumps(body), body, "application/json"
    raise ConfigurationError(
        "sagemaker_format='raw' sends raw_body= (bytes, str or a JSON value) or extra_body= as it is; "
        "give one of them"
    )


# ---------------------------------------------------------------- responses


def _json(body: bytes, what: str, provider: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise ResponseDecodeError(f"{what} body is not JSON", provider=provider, snippet=body) from None


def _tgi_details(details: Any) -> tuple[FinishReason, str | None, Usage]:
    if not isinstance(details, Mapping):
        return FinishReason.STOP, None, Usage()
    raw = details.get("finish_reason")
    raw = raw if isinstance(raw, str) else None
    generated = details.get("generated_tokens")
    prefill = details.get("prefill")
    usage = Usage(
        input_tokens=len(prefill) if isinstance(prefill, list) else 0,
        output_tokens=generated if isinstance(generated, int) and not isinstance(generated, bool) else 0,
    )
    return TGI_FINISH.get(raw or "", FinishReason.OTHER), raw, usage


def tgi_completion(obj: Any, resp: HttpResponse, ctx: CallContext) -> Completion:
    first = obj[0] if isinstance(obj, list) and obj else obj
    if not isinstance(first, Mapping):
        raise ResponseDecodeError("TGI answer is not an object", provider=ctx.provider, snippet=str(obj))
    if isinstance(first.get("error"), str):
        raise _container_error(first, ctx)
    text = first.get("generated_text")
    if not isinstance(text, str):
        raise ResponseDecodeError(
            "TGI answer without generated_text", provider=ctx.provider, snippet=str(obj)
        )
    reason, raw_reason, usage = _tgi_details(first.get("details"))
    return Completion(
        message=Message("assistant", (TextPart(text),) if text else ()),
        finish_reason=reason,
        usage=usage,
        model=ctx.model,
        provider=ctx.provider,
        id=resp.request_id,
        raw_finish_reason=raw_reason,
        raw=obj,
    )


def raw_completion(resp: HttpResponse, ctx: CallContext) -> Completion:
    text = resp.body.decode("utf-8", "replace")
    raw: Any = resp.body
    content_type = resp.headers.get("content-type") or ""
    if "json" in content_type:
        try:
            raw = json.loads(resp.body)
        except ValueError:
            pass
    parts: tuple[Part, ...] = (TextPart(text),) if text else ()
    return Completion(
        message=Message("assistant", parts),
        finish_reason=FinishReason.STOP,
        usage=Usage(),
        model=ctx.model,
        provider=ctx.provider,
        id=resp.request_id,
        raw=raw,
    )


# ---------------------------------------------------------------- errors

# SageMaker Runtime's own exceptions (``x-amzn-ErrorType``), beside the AWS-wide auth ones.
SAGEMAKER_ERROR_TYPES: dict[str, type[ProviderError]] = {
    "validationerror": BadRequestError,
    "modelnotreadyexception": RateLimitError,
    "internalfailure": ServerError,
    "serviceunavailable": ServerError,
    "internaldependencyexception": ServerError,
    "modelstreamerror": ServerError,
    "internalstreamfailure": ServerError,
}
_CONTEXT_PHRASES = (
    "input validation error: `inputs` tokens + `max_new_tokens` must be",
    "maximum context length",
    "context length",
    "too many input tokens",
)


def _message_of(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "Message", "error", "errorMessage"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
        return json.dumps(body)[:500]
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return "no error details in the response body"


def _class_for_container(status: int, message: str) -> type[ProviderError]:
    if status in (400, 413, 422) and any(p in message.lower() for p in _CONTEXT_PHRASES):
        return ContextWindowExceededError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status in (401, 403) or 400 <= status < 500:
        return BadRequestError
    return ServerError


def _original(body: Mapping[str, Any]) -> tuple[int | None, str | None]:
    status = body.get("OriginalStatusCode")
    message = body.get("OriginalMessage")
    return (
        status if isinstance(status, int) and not isinstance(status, bool) else None,
        message if isinstance(message, str) else None,
    )


def classify(resp: HttpResponse, body: Any, ctx: CallContext) -> ProviderError:
    etype = error_type_of(resp, body)
    key = (etype or "").lower()
    message = _message_of(body)
    error_code: str | None = None
    if key == "modelerror" and isinstance(body, Mapping):
        # The container answered an error: type it by the container's own status.
        original_status, original_message = _original(body)
        cls = _class_for_container(original_status or 500, original_message or message)
        error_code = str(original_status) if original_status is not None else None
        if original_message and original_message not in message:
            message = f"{message} (container said {original_status}: {original_message[:500]})"
    else:
        cls = SAGEMAKER_ERROR_TYPES.get(key) or ERROR_TYPES.get(key) or class_for_status(resp.status)
        if cls is BadRequestError and any(p in message.lower() for p in _CONTEXT_PHRASES):
            cls = ContextWindowExceededError
    err = make_error(
        cls,
        message,
        resp,
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=etype,
        error_code=error_code,
    )
    if key == "modelerror":
        err.retryable = False  # the container decided; a retry is the caller's call
    return err


def stream_exception(message: EventMessage, ctx: CallContext) -> ProviderError:
    """``ModelStreamError`` / ``InternalStreamFailure`` (or an unmodelled error) inside a 200 stream."""
    if message.kind == "exception":
        etype = message.exception_type
        try:
            body: Any = json.loads(message.payload) if message.payload else None
        except ValueError:
            body = message.payload.decode("utf-8", "replace")
        text = _message_of(body)
        code = body.get("ErrorCode") if isinstance(body, Mapping) else None
    else:
        etype = message.error_code
        body = {"code": etype, "message": message.error_message}
        text = message.error_message or etype or "unknown error"
        code = None
    key = (etype or "").lower()
    cls = SAGEMAKER_ERROR_TYPES.get(key) or ERROR_TYPES.get(key) or ServerError
    err = make_error(
        cls,
        text,
        HttpResponse(0, {}),
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=etype,
        error_code=code if isinstance(code, str) else None,
    )
    err.status_code = None
    return err


_TGI_ERROR_TYPES: dict[str, type[ProviderError]] = {
    "validation": BadRequestError,
    "overloaded": OverloadedError,
    "generation": ServerError,
    "incomplete_generation": ServerError,
}


def _container_error(obj: Mapping[str, Any], ctx: CallContext) -> ProviderError:
    """A TGI error record (``{"error": ..., "error_type": ...}``) in a 200 answer or stream."""
    message = str(obj.get("error"))
    etype = obj.get("error_type")
    etype = etype if isinstance(etype, str) else None
    cls = _TGI_ERROR_TYPES.get(etype or "", ServerError)
    if cls is BadRequestError and any(p in message.lower() for p in _CONTEXT_PHRASES):
        cls = ContextWindowExceededError
    err = make_error(
        cls, message, HttpResponse(0, {}), provider=ctx.provider, model=ctx.model, body=dict(obj),
        error_type=etype,
    )  # fmt: skip
    err.status_code = None
    return err


# ---------------------------------------------------------------- streams


class _PayloadParts:
    """Event-stream frames in, the container's raw bytes out; exception frames raise."""

    __slots__ = ("_ctx", "_frames")

    def __init__(self, ctx: CallContext) -> None:
        self._frames = EventStreamDecoder()
        self._ctx = ctx

    def feed(self, data: bytes) -> tuple[list[bytes], ProviderError | None]:
        """The payloads of the whole frames in ``data``, and an exception frame that ended them."""
        parts: list[bytes] = []
        for frame in self._frames.feed(data):
            if frame.kind != "event":
                return parts, stream_exception(frame, self._ctx)
            if frame.event_type == "PayloadPart":
                parts.append(frame.payload)
            # Unknown event types are skipped, as the service model allows new members.
        return parts, None


class SageMakerStreamDecoder:
    """One per stream. The container's bytes are decoded per ``sagemaker_format``."""

    __slots__ = (
        "_chat",
        "_ctx",
        "_error",
        "_format",
        "_line",
        "_parts",
        "_saw_final",
        "_saw_json_lines",
        "_text",
        "citations",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext, fmt: str) -> None:
        self._parts = _PayloadParts(ctx)
        self._ctx = ctx
        self._format = fmt
        self._chat = openai_chat.OpenAIStreamDecoder(ctx, _QUIRKS) if fmt == "messages" else None
        self._line = bytearray()
        self._error: ProviderError | None = None
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
    def error(self) -> ProviderError | None:
        """An in-stream error, reported after the events that came before it."""
        if self._error is None and self._chat is not None:
            return self._chat.error
        return self._error

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        parts, exception = self._parts.feed(data)
        for part in parts:
            if self._chat is not None:
                out.extend(self._chat.feed(part))
                self.response_id = self._chat.response_id
                self.response_model = self._chat.response_model
                self.raw_events = self._chat.raw_events
                if self._chat.error is not None:
                    return out
            elif self._format == "tgi":
                self._tgi(part, out)
                if self._error is not None:
                    return out
            else:
                self.raw_events.append(part)
                text = self._text.decode(part)
                if text:
                    out.append(TextDelta(text))
        if exception is not None:
            self._error = exception
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
            self._error = _container_error(obj, self._ctx)
            return
        self.raw_events.append(obj)
        token = obj.get("token")
        if isinstance(token, Mapping) and not token.get("special"):
            piece = token.get("text")
            if isinstance(piece, str) and piece:
                out.append(TextDelta(piece))
        details = obj.get("details")
        if isinstance(details, Mapping) or isinstance(obj.get("generated_text"), str):
            self._saw_final = True
            reason, raw_reason, usage = _tgi_details(details)
            if usage.input_tokens or usage.output_tokens:
                out.append(UsageUpdate(usage))
            out.append(Finish(reason, raw_reason))


# ---------------------------------------------------------------- dialect


class SageMakerDialect:
    name = "sagemaker"
    options = OPTIONS

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        fmt = _format(req.options)
        url = ctx.base_url.rstrip("/") + endpoint_path(req.model, req.stream)
        accept: str | None
        if fmt == "messages":
            body: Any = _messages_body(req, ctx)
            raw, content_type = dumps(body), "application/json"
            accept = "text/event-stream" if req.stream else "application/json"
        elif fmt == "tgi":
            body = _tgi_body(req)
            raw, content_type = dumps(body), "application/json"
            accept = None if req.stream else "application/json"
        else:
            raw, body, content_type = _raw_body(req)
            accept = None
        headers = _headers(req.options, req.stream, content_type, accept)
        return HttpRequest("POST", url, headers, raw, body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        fmt = _format(req.options)
        if fmt == "raw":
            return raw_completion(resp, ctx)
        obj = _json(resp.body, "InvokeEndpoint", ctx.provider)
        if fmt == "tgi":
            return tgi_completion(obj, resp, ctx)
        if isinstance(obj, Mapping) and "choices" not in obj and obj.get("error"):
            raise openai_chat.classify(500, obj, ctx, resp, _QUIRKS)
        return openai_chat.parse_chat_body(obj, ctx, _QUIRKS)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> SageMakerStreamDecoder:
        return SageMakerStreamDecoder(ctx, _format(req.options))

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        raise NotSupportedError(f"{ctx.provider}: embeddings are not offered for SageMaker endpoints yet")

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        raise NotSupportedError(f"{ctx.provider}: embeddings are not offered for SageMaker endpoints yet")

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest | None:
        return None

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount:
        raise NotSupportedError(f"{ctx.provider} has no token-counting endpoint")


DIALECT = SageMakerDialect()
