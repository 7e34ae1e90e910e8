"""Error bodies in each OpenAI-compatible provider's own shape (``Profile.error_shape``)."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Reply, json_reply


def error_body(
    profile: Profile,
    status: int,
    message: str,
    etype: str | None,
    code: str | None,
    shape: str | None = None,
    param: str | None = None,
) -> Any:
    """The error body in the shape the provider documents (``Profile.error_shape``)."""
    shape = shape or profile.error_shape
    if shape == "flat":  # {"error": "...", "code": "..."} as some gateways (and xAI) answer
        return {"error": message, "code": code}
    if shape == "detail":
        return {"detail": message}
    if shape == "text":  # a plain-text body
        return message
    if shape == "object_error":  # top-level error object (Mistral, older vLLM)
        return {
            "object": "error",
            "message": message,
            "type": etype or _type_for(status),
            "param": None,
            "code": code,
        }
    if shape == "status_code":  # OpenAI envelope with the HTTP status as an integer code
        return {"error": {"message": message, "type": etype or _type_for(status), "code": status}}
    if shape == "code_message":  # {"error": {"code": "1002", "message": ...}} (Zhipu / Z.ai)
        return {"error": {"code": code or str(status), "message": message}}
    if shape == "azure":  # Azure Core envelope; content-filter refusals carry an innererror
        err: dict[str, Any] = {"code": code or str(status), "message": message}
        if code == "content_filter":
            err["param"] = "prompt"
            err["status"] = status
            err["innererror"] = {
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": {
                    "hate": {"filtered": False, "severity": "safe"},
                    "self_harm": {"filtered": False, "severity": "safe"},
                    "sexual": {"filtered": False, "severity": "safe"},
                    "violence": {"filtered": True, "severity": "high"},
                },
            }
        return {"error": err}
    if shape == "envelope_list":  # Cloudflare API v4
        num = int(code) if code and code.isdigit() else 10000 + status
        return {
            "result": None,
            "success": False,
            "errors": [{"code": num, "message": message}],
            "messages": [],
        }
    if shape == "error_code":  # Databricks
        return {"error_code": code or _DATABRICKS_CODES.get(status, "INTERNAL_ERROR"), "message": message}
    if shape == "assemblyai":  # its gateway's auth middleware answers 401s; its handlers the rest
        if status == 401:
            return {"error": message, "status": "error", "request_id": "req_emulated_error"}
        return {"message": message, "code": status, "request_id": "req_emulated_error"}
    if shape == "code_int":  # {"code": 30014, "message": ..., "data": null} (SiliconFlow)
        return {"code": int(code) if code and code.isdigit() else status, "message": message, "data": None}
    return {"error": {"message": message, "type": etype or _type_for(status), "param": param, "code": code}}


_DATABRICKS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    429: "REQUEST_LIMIT_EXCEEDED",
}


def _type_for(status: int) -> str:
    return {401: "invalid_request_error", 404: "invalid_request_error", 429: "rate_limit_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )


# HTTP status -> the MiniMax base_resp code that stands for it (platform.minimax.io errorcode.md).
_MINIMAX_CODES = {400: 2013, 401: 1004, 402: 1008, 429: 1002, 500: 1000, 504: 1001}


def _base_resp_reply(err: ScriptedError) -> Reply | None:
    """MiniMax's failure inside an HTTP 200: ``base_resp`` with a non-zero code and no choices,
    the same JSON object whether or not the request asked for a stream."""
    if err.code and err.code.isdigit():
        code = int(err.code)
    elif err.code in ("content_filter", "content_policy_violation"):
        code = 1026
    elif err.status in _MINIMAX_CODES:
        code = _MINIMAX_CODES[err.status]
    else:
        return None  # no base_resp code for it: the gateway's HTTP error
    body = {
        "id": "",
        "choices": None,
        "created": 0,
        "model": "",
        "object": "",
        "usage": None,
        "input_sensitive": code == 1026,
        "output_sensitive": code == 1027,
        "base_resp": {"status_code": code, "status_msg": err.message},
    }
    return json_reply(200, body, {"x-request-id": "req_emulated_error", **err.headers})


def error_reply(profile: Profile, err: ScriptedError, shape: str | None = None) -> Reply:
    if (shape or profile.error_shape) == "base_resp":
        reply = _base_resp_reply(err)
        if reply is not None:
            return reply
        shape = "openai"
    body = error_body(profile, err.status, err.message, err.type, err.code, shape, err.param)
    headers = {"x-request-id": "req_emulated_error", **err.headers}
    if (shape or profile.error_shape) == "azure":
        headers.setdefault("x-ms-error-code", err.code or str(err.status))
    if isinstance(body, str):
        return Reply(err.status, {"content-type": "text/plain; charset=utf-8", **headers}, body.encode())
    return json_reply(err.status, body, headers)
