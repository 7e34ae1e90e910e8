"""OCI Generative AI request bodies: ChatDetails (GENERIC, COHERE or COHEREV2) and EmbedTextDetails (pure).

Shapes from oracle/oci-python-sdk@474b72d ``generative_ai_inference/models`` (camelCase on the
wire), checked against live request bodies (openllmetry cassettes, ``tests/fixtures/oci``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.dialects.oci import _cohere_v2
from llmkit.errors import ConfigurationError
from llmkit.types import ImagePart, Message, TextPart

API_VERSION = "/20231130"
FORMATS = ("GENERIC", "COHERE", "COHEREV2")
SERVING_MODES = ("ON_DEMAND", "DEDICATED")
_ROLES = {"system": "SYSTEM", "developer": "SYSTEM", "user": "USER", "assistant": "ASSISTANT", "tool": "TOOL"}
_COHERE_ROLES = {"system": "SYSTEM", "developer": "SYSTEM", "user": "USER", "assistant": "CHATBOT"}
# Cohere on OCI takes Python type names for tool parameters (it answers 500 for JSON's "List").
_PY_TYPES = {
    "string": "str",
    "number": "float",
    "integer": "int",
    "boolean": "bool",
    "array": "list",
    "object": "dict",
}
# keyword option -> chatRequest field, for both formats
CHAT_FIELDS = {
    "top_p": "topP",
    "top_k": "topK",
    "frequency_penalty": "frequencyPenalty",
    "presence_penalty": "presencePenalty",
    "seed": "seed",
}
COHERE_FIELDS = {
    "preamble_override": "preambleOverride",
    "documents": "documents",
    "safety_mode": "safetyMode",
    "is_force_single_step": "isForceSingleStep",
    "prompt_truncation": "promptTruncation",
}
EMBED_FIELDS = {
    "input_type": "inputType",
    "truncate": "truncate",
    "embedding_types": "embeddingTypes",
    "is_echo": "isEcho",
}


def url(ctx: CallContext, action: str) -> str:
    return ctx.base_url.rstrip("/") + f"{API_VERSION}/actions/{action}"


def api_format(req: ChatRequest) -> str:
    """``api_format=`` when given; else COHERE for ``cohere.`` models, GENERIC for the rest."""
    given = req.options.get("api_format")
    if given is not None:
        value = str(given).upper()
        if value not in FORMATS:
            raise ConfigurationError(f"oci: api_format must be one of {', '.join(FORMATS)}")
        return value
    return "COHERE" if req.model.startswith("cohere.") else "GENERIC"


def serving_mode(model: str, options: Mapping[str, Any]) -> dict[str, str]:
    """``serving_mode=`` when given; else DEDICATED for an endpoint OCID, ON_DEMAND otherwise."""
    given = options.get("serving_mode")
    mode = str(given).upper() if given is not None else None
    if mode is None:
        mode = "DEDICATED" if model.startswith("ocid1.generativeaiendpoint.") else "ON_DEMAND"
    if mode not in SERVING_MODES:
        raise ConfigurationError(f"oci: serving_mode must be one of {', '.join(SERVING_MODES)}")
    if mode == "DEDICATED":
        return {"servingType": "DEDICATED", "endpointId": model}
    return {"servingType": "ON_DEMAND", "modelId": model}


def compartment(ctx: CallContext) -> str:
    value = ctx.params.get("compartment_id")
    if not value:
        raise ConfigurationError(
            "oci needs compartment_id= (the compartment OCID), or set OCI_COMPARTMENT_ID"
        )
    return value


def _text(m: Message) -> str:
    if isinstance(m.content, str):
        return m.content
    return "".join(p.text for p in m.content if isinstance(p, TextPart))


def _generic_content(m: Message) -> list[dict[str, Any]]:
    if isinstance(m.content, str):
        return [{"type": "TEXT", "text": m.content}] if m.content else []
    out: list[dict[str, Any]] = []
    for p in m.content:
        if isinstance(p, TextPart):
            out.append({"type": "TEXT", "text": p.text})
        elif isinstance(p, ImagePart):
            src = p.url or f"data:{p.media_type or 'image/png'};base64,{p.data}"
            out.append({"type": "IMAGE", "imageUrl": {"url": src}})
        else:
            raise ConfigurationError(f"oci: a {type(p).__name__} cannot be sent to OCI Generative AI")
    return out


def _generic_message(m: Message) -> dict[str, Any]:
    role = _ROLES.get(m.role)
    if role is None:
        raise ConfigurationError(f"oci: a message with role {m.role!r} cannot be sent")
    wire: dict[str, Any] = {"role": role, "content": _generic_content(m)}
    if m.role == "tool":
        wire["toolCallId"] = m.tool_call_id or ""
    if m.tool_calls:
        wire["toolCalls"] = [
            {"id": c.id, "type": "FUNCTION", "name": c.name, "arguments": c.raw_arguments}
            for c in m.tool_calls
        ]
    return wire


def _tool_choice(choice: Any) -> dict[str, str] | None:
    if choice is None:
        return None
    if isinstance(choice, ForcedTool):
        return {"type": "FUNCTION", "name": choice.name}
    return {"type": str(choice).upper()}


def _common(req: ChatRequest, body: dict[str, Any], fmt: str) -> None:
    if req.max_tokens is not None:
        body["maxTokens"] = req.max_tokens
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.stop:
        body["stop" if fmt == "GENERIC" else "stopSequences"] = list(req.stop)
    # COHEREV2 adds its own fields (_cohere_v2.V2_FIELDS) itself.
    fields = {**CHAT_FIELDS, **COHERE_FIELDS} if fmt == "COHERE" else CHAT_FIELDS
    for option, name in fields.items():
        if req.options.get(option) is not None:
            body[name] = req.options[option]
    if req.stream:
        body["isStream"] = True
        body["streamOptions"] = {"isIncludeUsage": True}


def generic_request(req: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"apiFormat": "GENERIC", "messages": [_generic_message(m) for m in req.messages]}
    if req.tools:
        body["tools"] = [
            {
                "type": "FUNCTION",
                "name": t.name,
                "description": t.description,
                "parameters": dict(t.parameters),
            }
            for t in req.tools
        ]
    choice = _tool_choice(req.tool_choice)
    if choice is not None:
        body["toolChoice"] = choice
    rf = req.response_format
    if rf is not None and rf.type == "json_schema" and rf.schema is not None:
        body["responseFormat"] = {
            "type": "JSON_SCHEMA",
            "jsonSchema": {"name": rf.name, "schema": dict(rf.schema), "isStrict": rf.strict},
        }
    elif rf is not None:
        body["responseFormat"] = {"type": "JSON_OBJECT"}
    _common(req, body, "GENERIC")
    return body


def _cohere_tool(name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    props = parameters.get("properties") or {}
    required = set(parameters.get("required") or ())
    defs: dict[str, Any] = {}
    for pname, schema in props.items():
        kind = schema.get("type") if isinstance(schema, Mapping) else None
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        entry: dict[str, Any] = {"type": _PY_TYPES.get(str(kind), "str"), "isRequired": pname in required}
        if isinstance(schema, Mapping) and schema.get("description"):
            entry["description"] = schema["description"]
        defs[pname] = entry
    return {"name": name, "description": description or name, "parameterDefinitions": defs}


def _call(c: Any) -> dict[str, Any]:
    try:
        args = json.loads(c.raw_arguments or "{}")
    except ValueError:
        args = {}
    return {"name": c.name, "parameters": args if isinstance(args, dict) else {}}


def _cohere_history(messages: list[Message]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The chat history, and the calls by id (Cohere's tool results repeat the call itself)."""
    history: list[dict[str, Any]] = []
    calls: dict[str, Any] = {}
    for m in messages:
        if m.role == "tool":
            call = calls.get(m.tool_call_id or "", {"name": "", "parameters": {}})
            history.append({"role": "TOOL", "toolResults": [{"call": call, "outputs": [_output(m)]}]})
            continue
        role = _COHERE_ROLES.get(m.role)
        if role is None:
            raise ConfigurationError(f"oci: a message with role {m.role!r} cannot be sent")
        entry: dict[str, Any] = {"role": role, "message": _text(m)}
        if m.tool_calls:
            entry["toolCalls"] = [_call(c) for c in m.tool_calls]
            calls.update({c.id: _call(c) for c in m.tool_calls})
        history.append(entry)
    return history, calls


def _output(m: Message) -> dict[str, Any]:
    text = _text(m)
    try:
        value = json.loads(text)
    except ValueError:
        return {"result": text}
    return value if isinstance(value, dict) else {"result": value}


def cohere_request(req: ChatRequest) -> dict[str, Any]:
    messages = list(req.messages)
    system = [m for m in messages if m.role in ("system", "developer")]
    turns = [m for m in messages if m.role not in ("system", "developer")]
    body: dict[str, Any] = {"apiFormat": "COHERE"}
    # Trailing tool results answer the last calls: they go as toolResults with an empty message.
    tail = len(turns)
    while tail and turns[tail - 1].role == "tool":
        tail -= 1
    if tail < len(turns):
        history, calls = _cohere_history(turns[:tail])
        body["message"] = ""
        body["chatHistory"] = history
        body["toolResults"] = [
            {"call": calls.get(m.tool_call_id or "", {"name": "", "parameters": {}}), "outputs": [_output(m)]}
            for m in turns[tail:]
        ]
    else:
        if not turns or turns[-1].role != "user":
            raise ConfigurationError("oci: a COHERE chat must end with a user message (or tool results)")
        history, _ = _cohere_history(turns[:-1])
        body["message"] = _text(turns[-1])
        if history:
            body["chatHistory"] = history
    if system and "preamble_override" not in req.options:
        body["preambleOverride"] = "\n\n".join(_text(m) for m in system)
    if req.tools:
        body["tools"] = [_cohere_tool(t.name, t.description, t.parameters) for t in req.tools]
    rf = req.response_format
    if rf is not None:
        body["responseFormat"] = {"type": "JSON_OBJECT", **({"schema": dict(rf.schema)} if rf.schema else {})}
    _common(req, body, "COHERE")
    return body


def chat_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    fmt = api_format(req)
    if fmt == "COHEREV2":
        inner = _cohere_v2.request(req)
        _common(req, inner, fmt)
    else:
        inner = generic_request(req) if fmt == "GENERIC" else cohere_request(req)
    body = {
        "compartmentId": compartment(ctx),
        "servingMode": serving_mode(req.model, req.options),
        "chatRequest": inner,
    }
    return body


def embed_body(req: EmbedRequest, ctx: CallContext) -> dict[str, Any]:
    body: dict[str, Any] = {
        "inputs": list(req.inputs),
        "servingMode": serving_mode(req.model, req.options),
        "compartmentId": compartment(ctx),
    }
    if req.dimensions is not None:
        body["outputDimensions"] = req.dimensions
    for option, name in EMBED_FIELDS.items():
        if req.options.get(option) is not None:
            body[name] = req.options[option]
    return body
