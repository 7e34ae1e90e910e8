"""Cohere error bodies -> llmkit errors.

The API answers ``{"id": ..., "message": "..."}`` (v1 and v2; the official SDK reads only the
status and keeps the body). The class comes from the status as everywhere: 498 (``InvalidTokenError``
in the SDK, which the API reference defines as a request or response holding a deny-listed
token, not a bad key) and 499 (the client closed the request) are BadRequestErrors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import class_for_status, decode_body, make_error
from llmkit.dialects.base import CallContext
from llmkit.errors import AuthenticationError, ConfigurationError, PermissionDeniedError, ProviderError
from llmkit.wire import HttpResponse

_AUTH_HINT = "; check api_key= / CO_API_KEY (or COHERE_API_KEY)"


def message_of(body: Any) -> str:
    if isinstance(body, dict):
        msg = body.get("message")
        if isinstance(msg, str) and msg:
            return msg
        return json.dumps(body)[:500]
    if isinstance(body, str) and body:
        return body[:500]
    return "no error details in the response body"


def classify(resp: HttpResponse, ctx: CallContext, body: Any = None) -> ProviderError:
    if body is None:
        body = decode_body(resp)
    cls = class_for_status(resp.status)
    message = message_of(body)
    if issubclass(cls, (AuthenticationError, PermissionDeniedError)):
        message += _AUTH_HINT
    return make_error(cls, message, resp, provider=ctx.provider, model=ctx.model, body=body)


def refuse_others(options: Mapping[str, Any], allowed: frozenset[str], what: str, provider: str) -> None:
    """Options meant for another endpoint (``truncate=`` on chat) are the caller's mistake: named
    before sending, rather than sent for the API to refuse or silently dropped."""
    if not options:  # the plain call: nothing to refuse
        return
    wrong = sorted(set(options) - allowed)
    article = "an" if what[0] in "aeiou" else "a"
    if wrong:
        raise ConfigurationError(
            f"{provider}: {', '.join(wrong)}= is not {article} {what} option; "
            f"{what} takes {', '.join(sorted(allowed))}"
        )
