"""Bedrock's HTTP exceptions, by status or as a script names them."""

from __future__ import annotations

from typing import Any

from llmkit.emulator.bedrock._aws import aws_error
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Reply

# HTTP exceptions by status (botocore's error shapes for Converse and InvokeModel).
ERROR_TYPE_BY_STATUS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}


class Invalid(Exception):
    pass


def error(status: int, message: str, error_type: str | None = None, **extra: Any) -> Reply:
    etype = error_type or ERROR_TYPE_BY_STATUS.get(status, "InternalServerException")
    return aws_error("bedrock", status, etype, {"message": message, **extra})


def scripted_error(err: ScriptedError) -> Reply:
    etype = err.type or ERROR_TYPE_BY_STATUS.get(err.status, "InternalServerException")
    extra: dict[str, Any] = {}
    if etype == "ModelErrorException":
        extra = {"originalStatusCode": int(err.code or 500), "resourceName": "emulated-model"}
    reply = error(err.status, err.message, etype, **extra)
    reply.headers.update(err.headers)
    return reply
