"""Build Converse request bodies: messages, content blocks, tools and inference settings (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit._urls import model_segment
from llmkit.dialects.base import ChatRequest, ForcedTool
from llmkit.errors import NotSupportedError
from llmkit.types import (
    AudioPart,
    DocumentPart,
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    TextPart,
    Tool,
    ToolCall,
)

_IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}
_DOCUMENT_FORMATS = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/html": "html",
    "text/plain": "txt",
    "text/markdown": "md",
}
# DocumentBlock.name: letters, digits, single spaces, hyphens, parentheses and square brackets.
_DOC_NAME_BAD = re.compile(r"[^A-Za-z0-9\-()\[\] ]+")


def model_path(model: str, operation: str) -> str:
    """``/model/{modelId}/{operation}``, the id one encoded segment (``:`` -> ``%3A``, ``/`` -> ``%2F``)."""
    return f"/model/{model_segment(model, 'bedrock')}/{operation}"


def _cache_point(cache_control: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not cache_control:
        return None
    point: dict[str, Any] = {"type": "default"}
    ttl = cache_control.get("ttl")
    if ttl in ("5m", "1h"):
        point["ttl"] = ttl
    return {"cachePoint": point}


def _image_block(p: ImagePart) -> dict[str, Any]:
    media_type = p.media_type
    if p.data is not None:
        source: dict[str, Any] = {"bytes": p.data}
    elif p.url is not None and p.url.startswith("data:"):
        header, _, data = p.url.partition(",")
        media_type = media_type or header[5:].split(";")[0]
        source = {"bytes": data}
    elif p.url is not None and p.url.startswith("s3://"):
        source = {"s3Location": {"uri": p.url}}
    else:
        raise NotSupportedError("Bedrock Converse takes images inline (base64) or from s3://, not by URL")
    fmt = _IMAGE_FORMATS.get((media_type or "image/png").lower())
    if fmt is None:
        raise NotSupportedError(f"Bedrock Converse does not take images of type {media_type!r}")
    return {"image": {"format": fmt, "source": source}}


def _document_block(p: DocumentPart, ordinal: int) -> dict[str, Any]:
    fmt = _DOCUMENT_FORMATS.get(p.media_type.lower())
    if fmt is None:
        raise NotSupportedError(f"Bedrock Converse does not take documents of type {p.media_type!r}")
    if p.data is not None:
        source: dict[str, Any] = {"bytes": p.data}
    elif p.url is not None and p.url.startswith("s3://"):
        source = {"s3Location": {"uri": p.url}}
    else:
        raise NotSupportedError("Bedrock Converse takes documents inline (base64) or from s3://, not by URL")
    name = " ".join(_DOC_NAME_BAD.sub(" ", p.title or "").split())[:200] or f"document-{ordinal + 1}"
    return {"document": {"format": fmt, "name": name, "source": source}}


def _blocks(parts: Sequence[Part]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    documents = 0
    for p in parts:
        if isinstance(p, TextPart):
            if p.text:
                out.append({"text": p.text})
            point = _cache_point(p.cache_control)
        elif isinstance(p, ImagePart):
            out.append(_image_block(p))
            point = _cache_point(p.cache_control)
        elif isinstance(p, DocumentPart):
            out.append(_document_block(p, documents))
            documents += 1
            point = _cache_point(p.cache_control)
        elif isinstance(p, ReasoningPart):
            if p.redacted_data is not None:
                out.append({"reasoningContent": {"redactedContent": p.redacted_data}})
            elif p.text or p.signature:
                text: dict[str, Any] = {"text": p.text}
                if p.signature:
                    text["signature"] = p.signature
                out.append({"reasoningContent": {"reasoningText": text}})
            point = None
        elif isinstance(p, AudioPart):
            out.append({"audio": {"format": p.format, "source": {"bytes": p.data}}})
            point = None
        else:  # pragma: no cover - Part is a closed union
            raise NotSupportedError(f"Bedrock Converse cannot send {type(p).__name__}")
        if point is not None:
            out.append(point)
    return out


def _tool_result(m: Message) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for block in _blocks(m.parts):
        if "text" in block or "image" in block or "document" in block:
            content.append(block)
    return {"toolResult": {"toolUseId": m.tool_call_id or "", "content": content}}


def _turns(messages: Sequence[Message]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system blocks, messages) with tool results folded into user turns and same-role turns merged."""
    system: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for m in messages:
        if m.role in ("system", "developer"):
            system.extend(b for b in _blocks(m.parts) if "text" in b or "cachePoint" in b)
            continue
        if m.role == "tool":
            role, content = "user", [_tool_result(m)]
        else:
            role, content = m.role, _blocks(m.parts)
            if m.role == "assistant":
                content += [
                    {"toolUse": {"toolUseId": c.id, "name": c.name, "input": _tool_input(c)}}
                    for c in m.tool_calls
                ]
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(content)
        else:
            turns.append({"role": role, "content": content})
    return system, turns


def _tool_input(call: ToolCall) -> Any:
    if call.parse_error is None:
        return call.arguments
    return {}  # Converse needs an object; the malformed original cannot be sent back as one


def _tool_spec(t: Tool) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": t.name, "inputSchema": {"json": dict(t.parameters)}}
    if t.description:
        spec["description"] = t.description
    if t.strict is not None:
        spec["strict"] = t.strict
    return {"toolSpec": spec}


def _tool_config(req: ChatRequest, history_has_tools: bool) -> dict[str, Any] | None:
    tc = req.tool_choice
    if not req.tools or (tc == "none" and not history_has_tools):
        # Converse has no "none" choice: leaving the tools out is how to forbid calls.
        return None
    tools: list[dict[str, Any]] = []
    for t in req.tools:
        tools.append(_tool_spec(t))
        point = _cache_point(t.cache_control)
        if point is not None:
            tools.append(point)
    config: dict[str, Any] = {"tools": tools}
    if isinstance(tc, ForcedTool):
        config["toolChoice"] = {"tool": {"name": tc.name}}
    elif tc in ("required", "any"):
        config["toolChoice"] = {"any": {}}
    elif tc == "auto":
        config["toolChoice"] = {"auto": {}}
    return config


def build_body(req: ChatRequest, *, for_count: bool = False) -> dict[str, Any]:
    system, turns = _turns(req.messages)
    body: dict[str, Any] = {"messages": turns}
    if system:
        body["system"] = system
    options = req.options
    if not for_count:
        inference: dict[str, Any] = {}
        if req.max_tokens is not None:
            inference["maxTokens"] = req.max_tokens
        if req.temperature is not None:
            inference["temperature"] = req.temperature
        if options.get("top_p") is not None:
            inference["topP"] = options["top_p"]
        if req.stop:
            inference["stopSequences"] = list(req.stop)
        if inference:
            body["inferenceConfig"] = inference
    history_has_tools = any(m.role == "tool" or m.tool_calls for m in req.messages)
    config = _tool_config(req, history_has_tools)
    if config is not None:
        body["toolConfig"] = config
    additional: dict[str, Any] = dict(options.get("additional_model_request_fields") or {})
    if options.get("thinking") is not None:
        additional["thinking"] = options["thinking"]
    if additional:
        body["additionalModelRequestFields"] = additional
    if for_count:
        return body
    rf = req.response_format
    if rf is not None:
        schema = dict(rf.schema or {}) if rf.type == "json_schema" else {"type": "object"}
        definition = {
            "schema": json.dumps(schema, ensure_ascii=False, separators=(",", ":")),
            "name": rf.name,
        }
        body["outputConfig"] = {
            "textFormat": {"type": "json_schema", "structure": {"jsonSchema": definition}}
        }
    if options.get("additional_model_response_field_paths"):
        body["additionalModelResponseFieldPaths"] = list(options["additional_model_response_field_paths"])
    if options.get("guardrail_config") is not None:
        body["guardrailConfig"] = options["guardrail_config"]
    perf = options.get("performance_config")
    if perf is not None:
        body["performanceConfig"] = {"latency": perf} if isinstance(perf, str) else perf
    tier = options.get("service_tier")
    if tier is not None:
        body["serviceTier"] = {"type": tier} if isinstance(tier, str) else tier
    if options.get("request_metadata") is not None:
        body["requestMetadata"] = options["request_metadata"]
    if options.get("prompt_variables") is not None:
        body["promptVariables"] = options["prompt_variables"]
    if req.extra_body:
        body.update(req.extra_body)
    return body
