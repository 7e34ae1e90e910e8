"""SageMaker error bodies, stream exception frames and TGI error records -> llmkit exceptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.dialects.bedrock._errors import (
    ERROR_TYPES,
    error_type_of,
    frame_error,
    in_stream_error,
    message_of,
)
from llmkit.errors import (
    BadRequestError,
    ContextWindowExceededError,
    NotFoundError,
    OverloadedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from llmkit.framing.eventstream import EventMessage
from llmkit.wire import HttpResponse

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
# Container error bodies (TGI's among them) carry their text under ``error``.
_MESSAGE_KEYS = ("message", "Message", "error", "errorMessage")


def _too_long(message: str) -> bool:
    return any(p in message.lower() for p in _CONTEXT_PHRASES)


def _class_for_container(status: int, message: str) -> type[ProviderError]:
    if status in (400, 413, 422) and _too_long(message):
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
    message = message_of(body, _MESSAGE_KEYS)
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
        if cls is BadRequestError and _too_long(message):
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
    etype, body, text = frame_error(message, _MESSAGE_KEYS)
    code = body.get("ErrorCode") if isinstance(body, Mapping) else None
    key = (etype or "").lower()
    cls = SAGEMAKER_ERROR_TYPES.get(key) or ERROR_TYPES.get(key) or ServerError
    return in_stream_error(
        cls, text, ctx, body=body, error_type=etype, error_code=code if isinstance(code, str) else None
    )


_TGI_ERROR_TYPES: dict[str, type[ProviderError]] = {
    "validation": BadRequestError,
    "overloaded": OverloadedError,
    "generation": ServerError,
    "incomplete_generation": ServerError,
}


def container_error(obj: Mapping[str, Any], ctx: CallContext) -> ProviderError:
    """A TGI error record (``{"error": ..., "error_type": ...}``) in a 200 answer or stream."""
    message = str(obj.get("error"))
    etype = obj.get("error_type")
    etype = etype if isinstance(etype, str) else None
    cls = _TGI_ERROR_TYPES.get(etype or "", ServerError)
    if cls is BadRequestError and _too_long(message):
        cls = ContextWindowExceededError
    return in_stream_error(cls, message, ctx, body=dict(obj), error_type=etype)
