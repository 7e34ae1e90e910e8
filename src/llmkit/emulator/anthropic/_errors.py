"""Anthropic's error shape: ``{"type": "error", "error": {"type", "message"}, "request_id"}``."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Reply, json_reply

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")


def error_body(err: ScriptedError, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": err.type or error_type(err.status), "message": err.message},
        "request_id": request_id,
    }


def error_reply(err: ScriptedError, request_id: str = "req_emu_error") -> Reply:
    headers = {"request-id": request_id, **err.headers}
    return json_reply(err.status, error_body(err, request_id), headers)


def invalid(message: str) -> Reply:
    return error_reply(ScriptedError(400, message, "invalid_request_error"))
