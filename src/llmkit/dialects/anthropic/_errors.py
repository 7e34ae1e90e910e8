"""Anthropic error bodies -> llmkit exceptions, by ``error.type`` first and HTTP status second."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from llmkit.wire import HttpResponse

# Anthropic's documented error types (docs "Errors"; SDK types/shared/error_type.py).
ERROR_TYPES: dict[str, type[ProviderError]] = {
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "billing_error": PermissionDeniedError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "request_too_large": BadRequestError,
    "rate_limit_error": RateLimitError,
    "api_error": ServerError,
    "timeout_error": ServerError,
    "overloaded_error": OverloadedError,
}

# The status that goes with each type, for errors that arrive inside a 200 stream.
STATUS_OF_TYPE: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

# ``error.details.error_code`` values that mean the prompt does not fit.
CONTEXT_CODES = frozenset({"prompt_too_long", "context_length_exceeded", "context_window_exceeded"})
# The API has no structured code for an over-long prompt yet; its message is the only
# signal, and it begins with one of these (checked only for a 400 invalid_request_error).
CONTEXT_MESSAGE_PREFIXES = ("prompt is too long", "input is too long", "input length and `max_tokens` exceed")

Fields = tuple[str, str | None, str | None]  # message, error type, error code


def error_fields(body: Any) -> Fields:
    """(message, ``error.type``, ``error.details.error_code``) from an Anthropic error body."""
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            details = err.get("details")
            code = details.get("error_code") if isinstance(details, Mapping) else None
            # Google's front end (Anthropic on Vertex AI) answers {"error": {"code", "message", "status"}}.
            etype = err.get("type") or err.get("status")
            message = err.get("message")
            return (
                str(message) if message else str(etype or "unknown error"),
                str(etype) if etype else None,
                str(code) if code else None,
            )
        return str(body)[:500], None, None
    if isinstance(body, str) and body.strip():
        return body.strip()[:500], None, None
    return "no error details in the response body", None, None


def is_context_overflow(status: int | None, etype: str | None, code: str | None, message: str) -> bool:
    if code in CONTEXT_CODES:
        return True
    if etype != "invalid_request_error" or status not in (None, 400):
        return False
    return message.strip().lower().startswith(CONTEXT_MESSAGE_PREFIXES)


def _class_for(status: int, etype: str | None, code: str | None, message: str) -> type[ProviderError]:
    cls = ERROR_TYPES.get(etype or "") or class_for_status(status)
    if issubclass(cls, BadRequestError) and is_context_overflow(status, etype, code, message):
        return ContextWindowExceededError
    return cls


def _build(
    cls: type[ProviderError], resp: HttpResponse, body: Any, fields: Fields, provider: str, model: str
) -> ProviderError:
    message, etype, code = fields
    err = make_error(
        cls, message, resp, provider=provider, model=model, body=body, error_type=etype, error_code=code
    )
    if etype == "billing_error":
        err.retryable = False  # a billing problem does not clear by waiting
    if err.request_id is None:
        err.request_id = _request_id(body)
    return err


def classify(resp: HttpResponse, body: Any, provider: str, model: str) -> ProviderError:
    fields = error_fields(body)
    cls = _class_for(resp.status, fields[1], fields[2], fields[0])
    return _build(cls, resp, body, fields, provider, model)


def stream_error(obj: Mapping[str, Any], provider: str, model: str) -> ProviderError:
    """The exception for an ``error`` event that arrived inside a 200 stream.

    It is classified as the same error type would be as an HTTP error, but
    carries no status code: the HTTP status really was 200.
    """
    fields = error_fields(obj)
    status = STATUS_OF_TYPE.get(fields[1] or "", 500)
    cls = _class_for(status, fields[1], fields[2], fields[0])
    err = _build(cls, HttpResponse(0, {}), obj, fields, provider, model)
    err.status_code = None
    return err


def _request_id(body: Any) -> str | None:
    if isinstance(body, Mapping) and isinstance(body.get("request_id"), str):
        return str(body["request_id"])
    return None
