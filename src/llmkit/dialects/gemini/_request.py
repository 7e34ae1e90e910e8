"""Build Gemini request bodies and URLs from llmkit requests (pure)."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from llmkit._urls import alias_host, fill, model_segment
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.dialects.gemini._options import (
    AI_STUDIO,
    GeminiQuirks,
    check_task_type,
    safety_settings_to_wire,
    thinking_config,
)
from llmkit.dialects.gemini._schema import to_gemini_schema
from llmkit.errors import ConfigurationError, NotSupportedError, ToolArgumentsError
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
from llmkit.wire import HttpRequest, dumps

# Ids llmkit makes up for Gemini function calls that arrive without one; never sent back.
SYNTHETIC_ID_PREFIX = "gcall_"


def quirks_of(ctx: CallContext) -> GeminiQuirks:
    q = ctx.spec.quirks
    return q if isinstance(q, GeminiQuirks) else AI_STUDIO


def method_url(ctx: CallContext, method: str) -> str:
    """``{base_url}{models_path}/{model}:{method}``, the model one percent-encoded segment."""
    # ``resolve`` has applied the spec's aliases already; this covers a hand-made CallContext.
    q = quirks_of(ctx)
    base = alias_host(ctx.base_url.rstrip("/"), q.host_aliases)
    model = ctx.model
    if model.startswith("models/"):
        model = model[len("models/") :]
    return f"{base}{q.models_path}/{model_segment(model, ctx.provider)}:{method}"


def model_resource(ctx: CallContext) -> str:
    """The model's resource name inside a body (not a URL: the model goes in unencoded)."""
    return fill(
        quirks_of(ctx).model_resource, {**ctx.params, "model": ctx.model}, ctx.provider, "model resource"
    )


def json_request(url: str, body: dict[str, Any]) -> HttpRequest:
    # The call's own headers (ctx.headers) are added by the client, as for every dialect.
    return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)


# ---------------------------------------------------------------- contents


def _guess_mime(url: str, fallback: str | None) -> str | None:
    if fallback:
        return fallback
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed


def _media(url: str | None, data: str | None, media_type: str | None, what: str) -> dict[str, Any]:
    if data is not None:
        if not media_type:
            raise ConfigurationError(f"an inline {what} needs its media_type for Gemini")
        return {"inlineData": {"mimeType": media_type, "data": data}}
    if url is None:
        raise ConfigurationError(f"an {what} needs a url or data")
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        mime = header[5:].split(";")[0] or media_type
        if ";base64" not in header or not mime:
            raise ConfigurationError(f"a data: URL {what} must be base64 with a media type")
        return {"inlineData": {"mimeType": mime, "data": payload}}
    file_data: dict[str, Any] = {"fileUri": url}
    mime = _guess_mime(url, media_type)
    if mime:
        file_data["mimeType"] = mime
    return {"fileData": file_data}


def _part(part: Part, role: str) -> dict[str, Any] | None:
    if isinstance(part, TextPart):
        return {"text": part.text} if part.text else None
    if isinstance(part, ImagePart):
        return _media(part.url, part.data, part.media_type, "image")
    if isinstance(part, DocumentPart):
        return _media(part.url, part.data, part.media_type, "document")
    if isinstance(part, AudioPart):
        return {"inlineData": {"mimeType": f"audio/{part.format}", "data": part.data}}
    if isinstance(part, ReasoningPart):
        if role != "model":
            raise NotSupportedError("reasoning parts can only appear in assistant messages")
        if part.redacted_data is not None or not (part.text or part.signature):
            return None  # another provider's encrypted reasoning means nothing to Gemini
        out: dict[str, Any] = {"text": part.text, "thought": True}
        if part.signature:
            out["thoughtSignature"] = part.signature
        return out
    raise NotSupportedError(f"Gemini cannot take a {type(part).__name__}")


def _model_parts(msg: Message) -> list[dict[str, Any]]:
    """An assistant turn. A text-less ``ReasoningPart`` carrying only a signature is how a
    ``thoughtSignature`` that Gemini put on a text or functionCall part is kept: it is
    re-attached to the part that follows it."""
    parts: list[dict[str, Any]] = []
    pending: str | None = None
    for p in msg.parts:
        if isinstance(p, ReasoningPart) and not p.text and p.signature and p.redacted_data is None:
            pending = p.signature
            continue
        wire = _part(p, "model")
        if wire is None:
            continue
        if pending is not None and "thoughtSignature" not in wire:
            wire["thoughtSignature"] = pending
        pending = None
        parts.append(wire)
    for call in msg.tool_calls:
        fc: dict[str, Any] = {"name": call.name, "args": _call_args(call)}
        if not call.id.startswith(SYNTHETIC_ID_PREFIX):
            fc["id"] = call.id
        wire = {"functionCall": fc}
        if pending is not None:
            wire["thoughtSignature"] = pending
            pending = None
        parts.append(wire)
    if pending is not None:
        parts.append({"text": "", "thoughtSignature": pending})
    calls = [w for w in parts if "functionCall" in w]
    if calls and not any("thoughtSignature" in w for w in calls):
        # A stream accumulated into one ReasoningPart puts the signature on the thought text;
        # Gemini wants it on the first function call of the turn (and rejects a turn without it).
        for wire_part in parts:
            if wire_part.get("thought") and "thoughtSignature" in wire_part:
                calls[0]["thoughtSignature"] = wire_part.pop("thoughtSignature")
                break
    return parts


def _call_args(call: ToolCall) -> dict[str, Any]:
    try:
        return call.arguments
    except ToolArgumentsError:
        # A malformed call from an earlier turn still has to be replayed; its args are lost.
        return {}


def _function_response(msg: Message, names: Mapping[str, str]) -> dict[str, Any]:
    call_id = msg.tool_call_id
    name = msg.name or (names.get(call_id) if call_id else None)
    if not name:
        raise ConfigurationError(
            f"Gemini needs the function name of tool result {call_id!r}: send the assistant message "
            "with that tool call earlier in the conversation, or set the tool message's name"
        )
    text = msg.text
    response: Any
    try:
        response = json.loads(text) if text else {}
    except ValueError:
        response = text
    if not isinstance(response, dict):
        response = {"result": response}
    fr: dict[str, Any] = {"name": name, "response": response}
    if call_id and not call_id.startswith(SYNTHETIC_ID_PREFIX):
        fr["id"] = call_id
    return {"functionResponse": fr}


def build_contents(messages: Sequence[Message]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Split messages into ``systemInstruction`` and ``contents`` (roles ``user`` / ``model``)."""
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for msg in messages:
        if msg.role in ("system", "developer"):
            system.extend({"text": p.text} for p in msg.parts if isinstance(p, TextPart) and p.text)
            continue
        if msg.role == "assistant":
            role = "model"
            parts = _model_parts(msg)
            names.update((c.id, c.name) for c in msg.tool_calls)
        elif msg.role == "tool":
            role = "user"
            parts = [_function_response(msg, names)]
        else:
            role = "user"
            parts = [w for w in (_part(p, role) for p in msg.parts) if w is not None]
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            # Parallel tool results (and a user turn right after them) share one content.
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    return contents, ({"parts": system} if system else None)


# ---------------------------------------------------------------- tools and config


def _declaration(tool: Tool, raw_schema: bool) -> dict[str, Any]:
    decl: dict[str, Any] = {"name": tool.name, "description": tool.description}
    params = tool.parameters
    if raw_schema:
        decl["parametersJsonSchema"] = dict(params)
    elif params.get("properties") or params.get("type", "object") != "object":
        decl["parameters"] = to_gemini_schema(params)
    return decl


def _tool_config(choice: str | ForcedTool) -> dict[str, Any]:
    if isinstance(choice, ForcedTool):
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [choice.name]}}
    modes = {"auto": "AUTO", "none": "NONE", "required": "ANY", "any": "ANY"}
    if choice not in modes:
        raise ConfigurationError(f"unknown tool_choice {choice!r} for Gemini")
    return {"functionCallingConfig": {"mode": modes[choice]}}


# Provider options copied as they are into generationConfig: (option, wire field).
_SAMPLING_OPTIONS = (
    ("top_p", "topP"),
    ("top_k", "topK"),
    ("seed", "seed"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
)


def _generation_config(req: ChatRequest) -> dict[str, Any]:
    opts = req.options
    cfg: dict[str, Any] = {}
    if req.temperature is not None:
        cfg["temperature"] = req.temperature
    if req.max_tokens is not None:
        cfg["maxOutputTokens"] = req.max_tokens
    if req.stop:
        cfg["stopSequences"] = list(req.stop)
    if opts:  # a plain call has no options: skip the lookups (cfg comes out the same)
        for name, wire in _SAMPLING_OPTIONS:
            if opts.get(name) is not None:
                cfg[wire] = opts[name]
        if opts.get("response_modalities"):
            cfg["responseModalities"] = [str(m).upper() for m in opts["response_modalities"]]
    fmt = req.response_format
    if fmt is not None:
        cfg["responseMimeType"] = "application/json"
        if fmt.type == "json_schema" and fmt.schema is not None:
            if opts.get("gemini_json_schema"):
                cfg["responseJsonSchema"] = dict(fmt.schema)
            else:
                cfg["responseSchema"] = to_gemini_schema(fmt.schema)
    thinking = thinking_config(opts, req.model.removeprefix("models/")) if opts else None
    if thinking:
        cfg["thinkingConfig"] = thinking
    return cfg


def chat_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    contents, system = build_contents(req.messages)
    if not contents:
        raise ConfigurationError("Gemini needs at least one user or assistant message")
    body: dict[str, Any] = {"contents": contents}
    if system is not None:
        body["systemInstruction"] = system
    raw_schema = bool(req.options.get("gemini_json_schema"))
    if req.tools:
        body["tools"] = [{"functionDeclarations": [_declaration(t, raw_schema) for t in req.tools]}]
    if req.tool_choice is not None:
        body["toolConfig"] = _tool_config(req.tool_choice)
    opts = req.options
    if opts.get("safety_settings") is not None:
        body["safetySettings"] = safety_settings_to_wire(opts["safety_settings"])
    config = _generation_config(req)
    if config:
        body["generationConfig"] = config
    if opts.get("cached_content"):
        body["cachedContent"] = opts["cached_content"]
    if opts.get("labels"):
        if not quirks_of(ctx).labels:
            raise NotSupportedError(f"[{ctx.provider}] does not accept request labels (Vertex AI does)")
        body["labels"] = dict(opts["labels"])
    if req.extra_body:
        _deep_merge(body, req.extra_body)
    return body


def _deep_merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        current = into.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            _deep_merge(current, value)
        else:
            into[key] = value


def count_tokens_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    full = chat_body(req, ctx)
    if quirks_of(ctx).wrap_count_tokens:
        # AI Studio counts a whole request (system instruction and tools included) only when it
        # is nested, with the model named inside it.
        return {"generateContentRequest": {"model": model_resource(ctx), **full}}
    keep = ("contents", "systemInstruction", "tools", "generationConfig")
    return {k: full[k] for k in keep if k in full}


def embed_body(req: EmbedRequest, ctx: CallContext) -> tuple[str, dict[str, Any]]:
    """The method (``embedContent`` for one input, ``batchEmbedContents`` for more) and its body."""
    if not req.inputs:
        raise ConfigurationError("nothing to embed")
    common: dict[str, Any] = {}
    if req.dimensions is not None:
        common["outputDimensionality"] = req.dimensions
    if req.input_type is not None:  # embed(input_type=...), mapped through the spec already
        common["taskType"] = req.input_type
    elif req.options.get("task_type"):
        common["taskType"] = check_task_type(str(req.options["task_type"]))
    if req.options.get("title"):
        common["title"] = req.options["title"]

    def one(text: str) -> dict[str, Any]:
        return {"content": {"parts": [{"text": text}]}, **common}

    if len(req.inputs) == 1:
        body = one(req.inputs[0])
        method = "embedContent"
    else:
        resource = model_resource(ctx)
        body = {"requests": [{"model": resource, **one(t)} for t in req.inputs]}
        method = "batchEmbedContents"
    if req.extra_body:
        _deep_merge(body, req.extra_body)
    return method, body
