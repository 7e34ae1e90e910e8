"""Google's JSON error shape: ``{"error": {"code", "message", "status", "details"}}``."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Reply, json_reply

# google.rpc.Code names by HTTP status, as Google's JSON error bodies carry them.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def status_name(err: ScriptedError) -> str:
    return err.type or STATUS_NAMES.get(err.status, "UNKNOWN")


def error_reply(err: ScriptedError) -> Reply:
    error: dict[str, Any] = {"code": err.status, "message": err.message, "status": status_name(err)}
    if err.code:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": err.code,
                "domain": "googleapis.com",
            }
        ]
    retry = err.headers.get("x-retry-delay")
    headers = {k: v for k, v in err.headers.items() if k != "x-retry-delay"}
    if retry:
        error.setdefault("details", []).append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry}s"}
        )
    return json_reply(err.status, {"error": error}, headers)
