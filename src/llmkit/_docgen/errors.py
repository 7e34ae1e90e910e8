"""What llmkit raises for a provider's errors, as data the pages render.

Two sources, both the code's own tables (never restated here): the status mapping every
dialect shares (``dialects._errors.class_for_status``, with the retry rule of ``_retry``), and
the tables of named error codes a wire format carries (``error.type``, ``x-amzn-ErrorType``,
``google.rpc`` status names, ...). A dialect publishes its tables as ``error_codes`` on its
``DIALECT`` object (``{"field the name is read from": {name: exception class}}``); for the
dialects written before that hook, ``LEGACY_TABLES`` points at the dicts their modules hold.
An OpenAI-compatible spec's own codes come from its quirks (``OpenAIQuirks.*_codes``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llmkit.providers.spec import ProviderSpec

# Statuses a user meets; any other 4xx is a BadRequestError and any other 5xx a ServerError.
STATUSES = (400, 401, 403, 404, 407, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529)

# dialect -> (the field the names are read from, "module:attribute" of a name -> class dict).
LEGACY_TABLES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "anthropic_messages": (("error.type", "llmkit.dialects.anthropic._errors:ERROR_TYPES"),),
    "bedrock_converse": (
        (
            "x-amzn-ErrorType header, or :exception-type in a stream",
            "llmkit.dialects.bedrock._errors:ERROR_TYPES",
        ),
    ),
    "sagemaker": (
        ("x-amzn-ErrorType header", "llmkit.dialects.sagemaker._errors:SAGEMAKER_ERROR_TYPES"),
        ("x-amzn-ErrorType header (AWS-wide)", "llmkit.dialects.bedrock._errors:ERROR_TYPES"),
        ("error_type of a TGI container record", "llmkit.dialects.sagemaker._errors:_TGI_ERROR_TYPES"),
    ),
    "gemini": (("error.status (google.rpc.Code)", "llmkit.dialects.gemini._response:_BY_CODE"),),
    "oci": (("code", "llmkit.dialects.oci._response:_BY_CODE"),),
}


@dataclass(frozen=True, slots=True)
class StatusRow:
    status: int
    error: str
    retried: bool


@dataclass(frozen=True, slots=True)
class CodeRow:
    field: str
    code: str
    error: str
    note: str = ""


def status_rows() -> list[StatusRow]:
    from llmkit._retry import should_retry_status
    from llmkit.dialects._errors import class_for_status

    return [StatusRow(s, class_for_status(s).__name__, should_retry_status(s, {})) for s in STATUSES]


def _load(ref: str) -> Mapping[str, Any]:
    module, _, attr = ref.partition(":")
    table = getattr(importlib.import_module(module), attr)
    return table if isinstance(table, Mapping) else {}


def _dialect_tables(dialect_name: str) -> list[tuple[str, Mapping[str, Any]]]:
    from llmkit.dialects import get_dialect

    published = getattr(get_dialect(dialect_name), "error_codes", None)
    if isinstance(published, Mapping):
        return [(str(f), t) for f, t in published.items() if isinstance(t, Mapping)]
    return [(field, _load(ref)) for field, ref in LEGACY_TABLES.get(dialect_name, ())]


def _quirk_rows(spec: ProviderSpec) -> list[CodeRow]:
    from llmkit.dialects.openai_chat._quirks import OpenAIQuirks

    q = spec.quirks if isinstance(spec.quirks, OpenAIQuirks) else OpenAIQuirks()
    field = "error.type or error.code"
    rows = [CodeRow(field, c, "AuthenticationError", "any status") for c in sorted(q.auth_error_codes)]
    rows += [
        CodeRow(field, c, "ContextWindowExceededError", "with 400, 413 or 422")
        for c in sorted(q.context_codes)
    ]
    rows += [CodeRow(field, c, "ContentFilteredError", "with a 4xx") for c in sorted(q.content_filter_codes)]
    rows += [CodeRow(field, c, "(the status's class)", "never retried") for c in sorted(q.no_retry_codes)]
    return rows


def code_rows(spec: ProviderSpec) -> list[CodeRow]:
    """The named error codes of ``spec``'s wire format and what each raises."""
    if spec.dialect == "openai_chat":
        return _quirk_rows(spec)
    rows = []
    for field, table in _dialect_tables(spec.dialect):
        for code, cls in table.items():
            name = getattr(cls, "__name__", str(cls))
            rows.append(CodeRow(field, str(code), name))
    return rows
