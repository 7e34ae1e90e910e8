"""Yandex Cloud error bodies -> llmkit errors.

The REST gateway answers ``{"error": {"grpcCode", "httpCode", "message", "httpStatus",
"details"}}``; some front ends answer the plain gRPC-status JSON ``{"code", "message",
"details"}`` instead. Both are read; the class comes from the HTTP status (and, inside a 200
stream, from the ``httpCode`` the error line names), never from the message text."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import AuthenticationError, ProviderError
from llmkit.wire import HttpResponse

_AUTH_HINT = (
    "; check api_key= / YC_API_KEY (sent as Api-Key) or iam_token= / YC_IAM_TOKEN, and folder_id= / "
    "YC_FOLDER_ID"
)


def _fields(body: Any) -> tuple[str, str | None, int | None]:
    """``(message, grpc code, http code)`` from either error shape."""
    if isinstance(body, dict):
        inner = body.get("error")
        err: dict[str, Any] = inner if isinstance(inner, dict) else body
        message = err.get("message")
        grpc = err.get("grpcCode", err.get("code"))
        http = err.get("httpCode")
        if isinstance(message, str) and message:
            return (
                message[:1000],
                str(grpc) if grpc is not None else None,
                http if type(http) is int else None,
            )
        return json.dumps(body)[:500], None, None
    if isinstance(body, str) and body:
        return body[:500], None, None
    return "Yandex Cloud answered an error without a message", None, None


def classify(status: int, body: Any, ctx: CallContext, resp: HttpResponse) -> ProviderError:
    message, grpc, _ = _fields(body)
    cls = class_for_status(status)
    if issubclass(cls, AuthenticationError):
        message += _AUTH_HINT
    return make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body, error_code=grpc)


def stream_error(obj: Any, ctx: CallContext) -> ProviderError:
    """An ``{"error": ...}`` line inside a 200 stream: classed by the ``httpCode`` it names."""
    _, _, http = _fields(obj)
    status = http if http is not None and http >= 400 else 500
    return classify(status, obj, ctx, HttpResponse(status, {}))
