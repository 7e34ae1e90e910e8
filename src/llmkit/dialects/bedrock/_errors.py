"""AWS error bodies and event-stream exception frames -> llmkit exceptions.

The exception names and the header that carries them are AWS-wide, so the SageMaker
dialect types its errors with these too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from llmkit.framing.eventstream import EventMessage
from llmkit.wire import HttpResponse

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
MESSAGE_KEYS = ("message", "Message", "errorMessage")


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


def message_of(body: Any, keys: Sequence[str] = MESSAGE_KEYS) -> str:
    if isinstance(body, Mapping):
        for key in keys:
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
    message = message_of(body)
    cls = _class_for(resp.status, etype, message)
    err = make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body, error_type=etype)
    if (etype or "").lower() == "servicequotaexceededexception":
        err.retryable = False  # an account quota does not clear by waiting
    return err


def frame_error(message: EventMessage, keys: Sequence[str] = MESSAGE_KEYS) -> tuple[str | None, Any, str]:
    """The error type, body and text of an ``exception`` or ``error`` frame."""
    if message.kind == "exception":
        try:
            body: Any = json.loads(message.payload) if message.payload else None
        except ValueError:
            body = message.payload.decode("utf-8", "replace")
        return message.exception_type, body, message_of(body, keys)
    etype = message.error_code
    text = message.error_message or etype or "unknown error"
    return etype, {"code": etype, "message": message.error_message}, text


def in_stream_error(
    cls: type[ProviderError],
    text: str,
    ctx: CallContext,
    *,
    body: Any,
    error_type: str | None,
    error_code: str | None = None,
) -> ProviderError:
    """An error that arrived inside a 200 stream, which gives it no HTTP status of its own."""
    err = make_error(
        cls,
        text,
        HttpResponse(0, {}),
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=error_type,
        error_code=error_code,
    )
    err.status_code = None
    return err


def stream_error(message: EventMessage, ctx: CallContext) -> ProviderError:
    """The exception for an ``exception`` or ``error`` frame inside a 200 stream."""
    etype, body, text = frame_error(message)
    status = STATUS_OF_TYPE.get((etype or "").lower(), 500)
    return in_stream_error(_class_for(status, etype, text), text, ctx, body=body, error_type=etype)
