"""llmkit requests -> Yandex Foundation Models ``completion`` bodies.

The REST body is the proto3 JSON form of ``yandex.cloud.ai.foundation_models.v1.CompletionRequest``
(the ``yandexcloud`` package's ``text_generation_service.proto``): ``modelUri``
(``gpt://<folder>/<model>/<version>``), ``completionOptions`` (``stream``, ``temperature``,
``maxTokens`` — an Int64Value, written as a decimal string — and ``reasoningOptions.mode``),
``messages`` (``{role, text}`` or ``{role, toolCallList}`` / ``{role, toolResultList}``),
``tools`` (``{function: {name, description, parameters, strict}}``), ``jsonObject`` or
``jsonSchema.schema``, ``parallelToolCalls`` and ``toolChoice`` (``{mode}`` or ``{functionName}``).

Tool calls carry no id on this wire: llmkit names them ``call_<n>`` on the way in and maps a tool
result's id back to its function's name on the way out. Consecutive tool results go back as one
message with one ``toolResultList`` (as the SDK sends them, with role ``user``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest, ForcedTool
from llmkit.errors import ConfigurationError
from llmkit.types import Message, ReasoningPart, TextPart

# A model as the caller names it: ``yandexgpt``, ``yandexgpt-lite/rc``, ``llama/latest`` (a name
# and an optional version), or a whole ``gpt://<folder>/<name>[/<version>]`` URI.
_NAME = r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,199}"
_MODEL = re.compile(rf"({_NAME})(?:/({_NAME}))?")
_URI = re.compile(rf"gpt://([a-z0-9]{{1,64}})/({_NAME})(?:/({_NAME}))?")
_REASONING = {"disabled": "DISABLED", "enabled_hidden": "ENABLED_HIDDEN", "hidden": "ENABLED_HIDDEN"}
OPTIONS = frozenset({"reasoning_mode", "parallel_tool_calls"})


def model_uri(model: str, ctx: CallContext) -> str:
    """``gpt://<folder_id>/<model>/<version>`` (version ``latest`` unless given)."""
    whole = _URI.fullmatch(model)
    if whole is not None:
        return model
    parts = _MODEL.fullmatch(model)
    if parts is None:
        raise ConfigurationError(
            f"{ctx.provider}: the model must be <name>[/<version>] (yandexgpt, yandexgpt-lite/rc) "
            "or gpt://<folder_id>/<name>/<version>"
        )
    folder = ctx.params.get("folder_id")
    if not folder:
        raise ConfigurationError(
            f"{ctx.provider} needs folder_id= (the Yandex Cloud folder id), or set YC_FOLDER_ID"
        )
    return f"gpt://{folder}/{parts.group(1)}/{parts.group(2) or 'latest'}"


def chat_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    options: dict[str, Any] = {"stream": req.stream}
    if req.temperature is not None:
        options["temperature"] = req.temperature
    if req.max_tokens is not None:
        options["maxTokens"] = str(req.max_tokens)  # proto3 JSON writes an int64 as a string
    mode = req.options.get("reasoning_mode")
    if mode is not None:
        wire = _REASONING.get(str(mode).lower())
        if wire is None:
            raise ConfigurationError("reasoning_mode= takes 'disabled' or 'enabled_hidden'")
        options["reasoningOptions"] = {"mode": wire}
    if req.stop:
        raise ConfigurationError("Yandex Foundation Models take no stop sequences; drop stop=")
    body: dict[str, Any] = {
        "modelUri": model_uri(req.model, ctx),
        "completionOptions": options,
        "messages": messages(req.messages),
    }
    if req.tools and req.tool_choice != "none":
        body["tools"] = [_tool(t.name, t.description, t.parameters, t.strict) for t in req.tools]
    if req.tool_choice is not None and req.tools:
        body["toolChoice"] = _choice(req.tool_choice)
    if "parallel_tool_calls" in req.options:
        body["parallelToolCalls"] = bool(req.options["parallel_tool_calls"])
    fmt = req.response_format
    if fmt is not None:
        if fmt.type == "json_schema":
            body["jsonSchema"] = {"schema": dict(fmt.schema or {"type": "object"})}
        else:
            body["jsonObject"] = True
    if req.extra_body:
        body.update(req.extra_body)
    return body


def _tool(name: str, description: str, parameters: Mapping[str, Any], strict: bool | None) -> dict[str, Any]:
    fn: dict[str, Any] = {"name": name, "description": description, "parameters": dict(parameters)}
    if strict is not None:
        fn["strict"] = strict
    return {"function": fn}


def _choice(choice: str | ForcedTool) -> dict[str, str]:
    if isinstance(choice, ForcedTool):
        return {"functionName": choice.name}
    return {"mode": {"auto": "AUTO", "none": "NONE", "required": "REQUIRED", "any": "REQUIRED"}[choice]}


def messages(history: Sequence[Message]) -> list[dict[str, Any]]:
    names: dict[str, str] = {}  # tool call id -> function name, from the assistant turns so far
    out: list[dict[str, Any]] = []
    for m in history:
        if m.role == "tool":
            result = {
                "functionResult": {"name": m.name or names.get(m.tool_call_id or "", ""), "content": m.text}
            }
            last = out[-1] if out else None
            if last is not None and "toolResultList" in last:
                last["toolResultList"]["toolResults"].append(result)
            else:
                out.append({"role": "user", "toolResultList": {"toolResults": [result]}})
            continue
        unsupported = [type(p).__name__ for p in m.parts if not isinstance(p, (TextPart, ReasoningPart))]
        if unsupported:
            raise ConfigurationError(
                f"Yandex Foundation Models messages take text only, not {', '.join(unsupported)}"
            )
        role = "system" if m.role == "developer" else m.role
        if m.tool_calls:
            for call in m.tool_calls:
                names[call.id] = call.name
            if m.text:
                out.append({"role": role, "text": m.text})  # one content per message: text first
            calls = [
                {"functionCall": {"name": c.name, "arguments": _arguments(c.arguments)}} for c in m.tool_calls
            ]
            out.append({"role": role, "toolCallList": {"toolCalls": calls}})
        else:
            out.append({"role": role, "text": m.text})
    return out


def _arguments(arguments: Any) -> dict[str, Any]:
    """A call's arguments as the object the wire's ``google.protobuf.Struct`` wants."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments else {}
        except ValueError:
            raise ConfigurationError("a tool call's arguments must be a JSON object") from None
    if not isinstance(arguments, dict):
        raise ConfigurationError("a tool call's arguments must be a JSON object")
    return arguments
