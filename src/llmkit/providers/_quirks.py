"""Small, named quirk functions that OpenAI-compatible specs plug into ``OpenAIQuirks``.

Each function serves the providers whose documented wire behaviour needs it; none of them
knows a provider's name. Shared code only ever calls them through the quirk fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import ErrorFields, error_fields
from llmkit.types import Citation, CitationsUpdate, Completion, StreamEvent

# ---------------------------------------------------------------- web-search citations


def search_citations(obj: Mapping[str, Any]) -> list[Citation]:
    """Citations from a body that carries ``search_results[{url, title}]`` and/or ``citations[url]``.

    ``search_results`` come first (they carry titles); bare ``citations`` URLs not already
    listed follow, in their order.
    """
    out: list[Citation] = []
    seen: set[str] = set()
    for item in obj.get("search_results") or ():
        if isinstance(item, Mapping) and isinstance(item.get("url"), str) and item["url"] not in seen:
            title = item.get("title")
            out.append(Citation(item["url"], title if isinstance(title, str) else None))
            seen.add(item["url"])
    for url in obj.get("citations") or ():
        if isinstance(url, str) and url not in seen:
            out.append(Citation(url))
            seen.add(url)
    return out


def citations_response_hook(obj: Mapping[str, Any], completion: Completion) -> None:
    """Lift top-level ``citations`` / ``search_results`` onto ``Completion.citations``."""
    found = search_citations(obj)
    if found:
        completion.citations = found


def request_id_response_hook(obj: Mapping[str, Any], completion: Completion) -> None:
    """A body that names its request ``request_id`` and carries no ``id`` (AssemblyAI's gateway):
    that id becomes ``Completion.id``."""
    rid = obj.get("request_id")
    if completion.id is None and isinstance(rid, str) and rid:
        completion.id = rid


def citations_chunk_hook(obj: Mapping[str, Any]) -> list[StreamEvent]:
    """A ``CitationsUpdate`` for each stream chunk that carries citations or search results."""
    if not obj.get("search_results") and not obj.get("citations"):
        return []
    found = search_citations(obj)
    return [CitationsUpdate(tuple(found))] if found else []


# ---------------------------------------------------------------- error bodies

# xAI answers a rejected key with HTTP 400 and the generic gRPC "invalid argument" code; only the
# message tells it apart from any other invalid argument. This is the one place that reads it.
_XAI_INVALID_ARGUMENT = frozenset({"invalid-argument", "Client specified an invalid argument"})
BAD_KEY_TYPE = "invalid_api_key"


def string_error_fields(body: Any) -> ErrorFields:
    """``{"code": "...", "error": "<message>"}`` (xAI), with its 400 bad-key case typed as a key error."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        message = body["error"]
        code = body.get("code")
        code_s = None if code is None else str(code)
        bad_key = code_s in _XAI_INVALID_ARGUMENT and message.startswith("Incorrect API key")
        unauthenticated = code_s is not None and code_s.startswith("unauthenticated")
        etype = BAD_KEY_TYPE if bad_key or unauthenticated else None
        return message, etype, code_s
    return error_fields(body)


def envelope_list_error_fields(body: Any) -> ErrorFields:
    """Cloudflare's v4 envelope: ``{"success": false, "errors": [{"code": 10000, "message": ...}]}``."""
    if isinstance(body, Mapping) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        if isinstance(first, Mapping):
            code = first.get("code")
            msg = first.get("message") or json.dumps(first)[:500]
            return str(msg), None, None if code is None else str(code)
    return error_fields(body)


def error_code_fields(body: Any) -> ErrorFields:
    """Databricks: ``{"error_code": "RESOURCE_EXHAUSTED", "message": ...}``."""
    if isinstance(body, Mapping) and "error_code" in body and "error" not in body:
        return str(body.get("message") or body["error_code"]), None, str(body["error_code"])
    return error_fields(body)


# ---------------------------------------------------------------- request bodies


def thinking_type_body_hook(body: dict[str, Any], req: ChatRequest, ctx: CallContext) -> None:
    """``thinking="enabled"`` (or disabled/auto) becomes ``{"thinking": {"type": "enabled"}}``."""
    value = body.get("thinking")
    if isinstance(value, str):
        body["thinking"] = {"type": value}
    elif isinstance(value, bool):
        body["thinking"] = {"type": "enabled" if value else "disabled"}


def random_seed_body_hook(body: dict[str, Any], req: ChatRequest, ctx: CallContext) -> None:
    """Mistral names the sampling seed ``random_seed`` and rejects unknown fields."""
    if "seed" in body:
        body.setdefault("random_seed", body.pop("seed"))


def python_none_error_fields(body: Any) -> ErrorFields:
    """The OpenAI shape as LiteLLM's proxy writes it: fields it had no value for arrive as the
    string ``"None"`` (``"type": "None"``, ``"param": "None"``; its quick-start page's 429), which
    would otherwise read as an error type named None."""
    message, etype, code = error_fields(body)
    return message, None if etype == "None" else etype, None if code == "None" else code
