"""MiniMax's ``base_resp``: how its API reports a failure, often inside an HTTP 200.

Every MiniMax answer carries ``base_resp: {status_code, status_msg}``; a non-zero ``status_code``
is a failure even when the HTTP status is 200 (and, for a streamed request, the body is then one
JSON object, ``application/json``, not an event stream). The codes and their meaning are MiniMax's
published table (https://platform.minimax.io/docs/api-reference/errorcode.md); each is read as the
HTTP status whose llmkit error and retry decision fit what the table tells the caller to do
("retry later" is retried, "check your key" is not).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects.openai_chat import ErrorFields, error_fields

__all__ = ["CONTENT_CODES", "NO_RETRY_CODES", "STATUS_OF_CODE", "error_fields_of", "in_body_status"]

# MiniMax status_code -> the HTTP status it stands for.
STATUS_OF_CODE: Mapping[int, int] = {
    1000: 500,  # unknown error: retry later
    1001: 504,  # request timeout: retry later
    1002: 429,  # rate limit (RPM): retry later
    1004: 401,  # not authorized / token not match group
    1008: 429,  # insufficient balance: a 429 that waiting does not clear (NO_RETRY_CODES)
    1024: 500,  # internal error
    1026: 400,  # input new_sensitive: the prompt was blocked (CONTENT_CODES)
    1027: 400,  # output new_sensitive: the answer was blocked (CONTENT_CODES)
    1033: 500,  # system error / mysql failed
    1039: 429,  # token limit (TPM): retry later
    1041: 429,  # conn limit
    1042: 400,  # invisible character ratio limit
    2013: 400,  # invalid params
    2045: 429,  # rate growth limit
    2049: 401,  # invalid api key
    2056: 429,  # usage limit exceeded: wait for the next 5-hour window (NO_RETRY_CODES)
}
CONTENT_CODES = frozenset({"1026", "1027"})
NO_RETRY_CODES = frozenset({"1008", "2056"})


def _base_resp(body: Any) -> Mapping[str, Any] | None:
    if not isinstance(body, dict):
        return None
    base = body.get("base_resp")
    return base if isinstance(base, dict) else None


def in_body_status(body: Any) -> int | None:
    """The HTTP status a body's non-zero ``base_resp.status_code`` stands for; None for success
    (code 0, or no ``base_resp``). A code outside the table is a 400: not worth repeating blind."""
    base = _base_resp(body)
    if base is None:
        return None
    code = base.get("status_code")
    if code in (0, None, "0"):
        return None
    try:
        number = int(code)
    except (TypeError, ValueError):
        return 400
    return STATUS_OF_CODE.get(number, 400)


def error_fields_of(body: Any) -> ErrorFields:
    """(message, type, code): ``status_msg`` and ``status_code`` from ``base_resp``, else the
    OpenAI-style shapes (MiniMax's gateway answers those for HTTP-level errors)."""
    base = _base_resp(body)
    if base is not None and base.get("status_code") not in (0, None, "0"):
        message = base.get("status_msg")
        code = base.get("status_code")
        text = message if isinstance(message, str) and message else f"MiniMax status {code}"
        return f"{text} (MiniMax status {code})", None, str(code)
    return error_fields(body)
