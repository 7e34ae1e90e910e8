"""OpenAI-style error bodies -> the llmkit error classes, for HTTP errors and errors inside a stream."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat._quirks import ErrorFields, OpenAIQuirks
from llmkit.errors import (
    AuthenticationError,
    ContentFilteredError,
    ContextWindowExceededError,
    ProviderError,
    RateLimitError,
)
from llmkit.wire import HttpResponse


def error_fields(body: Any) -> ErrorFields:
    """(message, type, code) from the common shapes of OpenAI-style error bodies."""
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            if not (err.get("message") or err.get("msg")) and isinstance(err.get("detail"), list):
                return _validation_detail(err["detail"])
            if not (err.get("message") or err.get("msg")) and isinstance(err.get("detail"), dict):
                # FastAPI's HTTPException(detail={...}): Chutes' 402 {"detail": {"message": ...}},
                # and an upstream SGLang error object passed through whole.
                err = err["detail"]
            msg = err.get("message") or err.get("msg") or err.get("detail") or json.dumps(err)[:500]
            code = err.get("code")
            return str(msg), _opt_str(err.get("type")), _opt_str(code)
        if isinstance(err, str):
            return err, _opt_str(body.get("type")), _opt_str(body.get("code"))
        return json.dumps(body)[:500], None, None
    if isinstance(body, str) and body:
        return body[:500], None, None
    return "no error details in the response body", None, None


def _validation_detail(detail: list[Any]) -> ErrorFields:
    """FastAPI's validation failure, ``{"detail": [{"loc", "msg", "type"}]}`` (DeepInfra's
    documented 422), read as ``loc: msg`` parts rather than a Python repr of the list."""
    items = [d for d in detail if isinstance(d, dict) and isinstance(d.get("msg"), str)]
    if not items:
        return json.dumps(detail)[:500], None, None
    parts = []
    for d in items:
        loc = d.get("loc")
        where = ".".join(str(x) for x in loc) if isinstance(loc, list) and loc else ""
        parts.append(f"{where}: {d['msg']}" if where else d["msg"])
    return "; ".join(parts)[:500], _opt_str(items[0].get("type")), None


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def classify(status: int, body: Any, ctx: CallContext, resp: HttpResponse, q: OpenAIQuirks) -> ProviderError:
    message, etype, code = (q.error_fields or error_fields)(body)
    cls = class_for_status(status)
    codes = {c for c in (etype, code) if c}
    if codes & q.auth_error_codes:
        cls = AuthenticationError
    elif codes & q.rate_limit_codes:
        cls = RateLimitError
    elif status in (400, 413, 422) and codes & q.context_codes:
        cls = ContextWindowExceededError
    elif 400 <= status < 500 and codes & q.content_filter_codes:
        cls = ContentFilteredError
    err = make_error(
        cls,
        message,
        resp,
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=etype,
        error_code=code,
    )
    if codes & q.no_retry_codes:
        err.retryable = False
    elif cls is RateLimitError and status != 429:
        err.retryable = True  # a rate-limit code under another status: waiting clears it too
    return err


# An error inside a 200 stream has no status of its own: infer one from its type or code.
_STATUS_OF_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "tokens": 429,
    "requests": 429,
    "insufficient_quota": 429,
    "overloaded_error": 529,
    "server_error": 500,
    "api_error": 500,
}


def stream_error(obj: dict[str, Any], ctx: CallContext, q: OpenAIQuirks) -> ProviderError:
    err = obj["error"]
    status: Any = None
    if isinstance(err, dict):
        status = err.get("status_code") or err.get("status")
        if not isinstance(status, int):
            status = _STATUS_OF_TYPE.get(str(err.get("type"))) or _STATUS_OF_TYPE.get(str(err.get("code")))
    status_code = status if isinstance(status, int) and 400 <= status < 600 else 500
    return classify(status_code, obj, ctx, HttpResponse(status_code, {}), q)
