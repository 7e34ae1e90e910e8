"""Errors of the ``generate`` endpoints -> llmkit errors.

TGI and LoRAX answer ``{"error": "...", "error_type": "validation" | "generation" | "overloaded"
| "incomplete_generation"}`` (TGI's OpenAPI ``ErrorResponse``) with 422, 424, 429 or 500; inside a
200 stream the same object arrives as an event's data. Triton answers ``{"error": "..."}``
(typically 400), also inside a 200 ``generate_stream``. The class comes from the status (an
in-stream error counts as a 500, or 429 for ``overloaded``), never from the message text."""

from __future__ import annotations

import json
from typing import Any

from llmkit.dialects._errors import class_for_status, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import ProviderError
from llmkit.wire import HttpResponse

_IN_STREAM_STATUS = {"overloaded": 429, "validation": 422}


def fields(body: Any) -> tuple[str, str | None]:
    if isinstance(body, dict):
        error, etype = body.get("error"), body.get("error_type")
        message = error if isinstance(error, str) and error else json.dumps(body)[:500]
        return message, etype if isinstance(etype, str) else None
    if isinstance(body, str) and body:
        return body[:500], None
    return "no error details in the response body", None


def classify(status: int, body: Any, ctx: CallContext, resp: HttpResponse) -> ProviderError:
    message, etype = fields(body)
    return make_error(
        class_for_status(status), message, resp, provider=ctx.provider, model=ctx.model, body=body,
        error_type=etype,
    )  # fmt: skip


def stream_error(obj: dict[str, Any], ctx: CallContext) -> ProviderError:
    """An error object inside a 200 stream: the generation failed on the server."""
    _, etype = fields(obj)
    status = _IN_STREAM_STATUS.get(etype or "", 500)
    return classify(status, obj, ctx, HttpResponse(status, {}))
