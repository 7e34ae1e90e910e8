"""Ollama error bodies -> llmkit errors.

Ollama answers ``{"error": "<message>"}`` (its OpenAPI ``ErrorResponse``), with the HTTP status
saying what went wrong (404 for a model that is not pulled, 400 for a bad body, 500 for a failed
run); inside a 200 NDJSON stream the same object arrives as a line. The class comes from the
status, never from the message text."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import NotFoundError, ProviderError
from llmkit.wire import HttpResponse

_PULL_HINT = "; pull it first (`ollama pull <model>`) or check the model name and host="


def message_of(body: Any) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, str) and error:
            return error
        return json.dumps(body)[:500]
    if isinstance(body, str) and body:
        return body[:500]
    return "no error details in the response body"


def classify(status: int, body: Any, ctx: CallContext, resp: HttpResponse) -> ProviderError:
    cls = class_for_status(status)
    message = message_of(body)
    if issubclass(cls, NotFoundError):
        message += _PULL_HINT
    return make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body)


def stream_error(obj: Any, ctx: CallContext) -> ProviderError:
    """An ``{"error": ...}`` line inside a 200 stream: the run failed on the server (a 500)."""
    return classify(500, obj, ctx, HttpResponse(500, {}))
