"""watsonx.ai error bodies -> llmkit errors.

The service answers ``{"errors": [{"code", "message", "more_info"}], "trace", "status_code"}``
(IBM's Java SDK tests; the same shape inside a stream after ``event: error``). The class comes
from the HTTP status (or the body's ``status_code`` in a stream), never from the message text."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import AuthenticationError, PermissionDeniedError, ProviderError
from llmkit.wire import HttpResponse

_AUTH_HINT = (
    "; check api_key= / WATSONX_APIKEY (or token= / WATSONX_TOKEN), and that project_id= / "
    "space_id= names a project or space the key may use"
)


def error_fields(body: Any) -> tuple[str, str | None, str | None]:
    """(message, code, trace) from a watsonx error body, whatever arrived."""
    if isinstance(body, dict):
        errors = body.get("errors")
        trace = body.get("trace")
        first = errors[0] if isinstance(errors, list) and errors else None
        if isinstance(first, dict):
            message = str(first.get("message") or first.get("code") or "no message")
            code = first.get("code")
            return message, str(code) if code is not None else None, str(trace) if trace else None
        return json.dumps(body)[:500], None, str(trace) if trace else None
    if isinstance(body, str) and body:
        return body[:500], None, None
    return "no error details in the response body", None, None


def classify(status: int, body: Any, ctx: CallContext, resp: HttpResponse) -> ProviderError:
    message, code, trace = error_fields(body)
    cls = class_for_status(status)
    if trace:
        message += f" (trace {trace})"
    if issubclass(cls, (AuthenticationError, PermissionDeniedError)):
        message += _AUTH_HINT
    return make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body, error_code=code)


def stream_error(obj: Any, ctx: CallContext) -> ProviderError:
    """An ``event: error`` inside a 200 stream: its ``status_code`` if it has one, else 500."""
    status = obj.get("status_code") if isinstance(obj, dict) else None
    code = status if type(status) is int and 400 <= status < 600 else 500
    return classify(code, obj, ctx, HttpResponse(code, {}))
