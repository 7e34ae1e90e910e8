"""Build InvokeEndpoint requests: the route, the SageMaker headers and one body per container format."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit._urls import model_segment
from llmkit.dialects import openai_chat
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.sagemaker._options import (
    HEADER_OPTIONS,
    OWN_OPTIONS,
    QUIRKS,
    SYNC_ONLY,
    TGI_ONLY,
    TGI_PARAMETERS,
)
from llmkit.errors import ConfigurationError, NotSupportedError
from llmkit.types import Message
from llmkit.wire import dumps


def endpoint_path(endpoint: str, stream: bool) -> str:
    """``/endpoints/{EndpointName}/invocations[-response-stream]``, the name one encoded segment."""
    route = "invocations-response-stream" if stream else "invocations"
    return f"/endpoints/{model_segment(endpoint, 'sagemaker')}/{route}"


def request_headers(
    options: Mapping[str, Any], stream: bool, content_type: str, accept: str | None
) -> dict[str, str]:
    headers = {"content-type": str(options.get("content_type") or content_type)}
    accept = options.get("accept") or accept
    if accept:
        # The stream route reads the container's accept type from its own header.
        headers["x-amzn-sagemaker-accept" if stream else "accept"] = str(accept)
    for name, header in HEADER_OPTIONS.items():
        value = options.get(name)
        if value is None:
            continue
        if stream and name in SYNC_ONLY:
            raise ConfigurationError(f"{name}= is not accepted by InvokeEndpointWithResponseStream")
        if isinstance(value, bool):
            value = "true" if value else "false"
        headers[header.lower()] = str(value)
    return headers


def messages_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    passed = {k: v for k, v in req.options.items() if k not in OWN_OPTIONS and k not in TGI_ONLY}
    # (A copy of the request only when some option is not the container's: most calls keep all.)
    plain = req if len(passed) == len(req.options) else dataclasses.replace(req, options=passed)
    body = openai_chat.build_chat_body(plain, ctx, QUIRKS)
    # The endpoint name is not the container's model name; send the one asked for, or the endpoint's.
    body["model"] = str(req.options.get("container_model") or req.model)
    return body


def prompt_text(messages: Sequence[Message]) -> str:
    """The conversation as plain text for a generate-style container (no chat template)."""
    if len(messages) == 1 and messages[0].role == "user":
        return messages[0].text
    lines = []
    for m in messages:
        if m.role == "tool":
            lines.append(f"tool result: {m.text}")
        else:
            lines.append(f"{m.role}: {m.text}")
    lines.append("assistant:")
    return "\n\n".join(lines)


def tgi_body(req: ChatRequest) -> dict[str, Any]:
    if req.tools:
        raise NotSupportedError("sagemaker_format='tgi' has no tool calling; use the messages format")
    if req.response_format is not None:
        raise NotSupportedError("sagemaker_format='tgi' has no structured output here; use messages")
    parameters: dict[str, Any] = {}
    if req.max_tokens is not None:
        parameters["max_new_tokens"] = req.max_tokens
    if req.temperature is not None:
        parameters["temperature"] = req.temperature
    if req.stop:
        parameters["stop"] = list(req.stop)
    for key in sorted(TGI_PARAMETERS):
        if req.options.get(key) is not None:
            parameters[key] = req.options[key]
    parameters.setdefault("details", True)
    body: dict[str, Any] = {"inputs": prompt_text(req.messages), "parameters": parameters}
    if req.stream:
        body["stream"] = True
    if req.extra_body:
        body.update(req.extra_body)
    return body


def raw_body(req: ChatRequest | EmbedRequest) -> tuple[bytes, Any, str]:
    raw = req.options.get("raw_body")
    if raw is not None:
        if isinstance(raw, str):
            return raw.encode(), None, "application/json"
        if isinstance(raw, (bytes, bytearray, memoryview)):
            return bytes(raw), None, "application/octet-stream"
        return dumps(raw), raw, "application/json"
    if req.extra_body is not None:
        body = dict(req.extra_body)
        return dumps(body), body, "application/json"
    raise ConfigurationError(
        "sagemaker_format='raw' sends raw_body= (bytes, str or a JSON value) or extra_body= as it is; "
        "give one of them"
    )
