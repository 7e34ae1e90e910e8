"""ChatRequest / EmbedRequest -> the SAP orchestration v2 envelope (specs/sap/orchestration/api.yaml).

``{"config": {"modules": {"prompt_templating": {"prompt": {"template": [messages], "tools",
"response_format"}, "model": {"name", "version", "params"}}, "filtering", "masking", ...},
"stream": {"enabled": true}}, "placeholder_values", "messages_history"}``. The messages are
OpenAI-shaped (the spec copies OpenAI's message, tool and response-format schemas), so they are
built by the OpenAI dialect's functions and then placed in the envelope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.openai_chat import DEFAULT_QUIRKS, build_chat_body
from llmkit.errors import ConfigurationError

# Module configurations passed through as given (the spec's FilteringModuleConfig, ...).
MODULES = ("filtering", "masking", "grounding", "translation")
# Options that are envelope fields, not model parameters.
ENVELOPE = frozenset({*MODULES, "placeholder_values", "messages_history", "model_version", "stream_options"})
# OpenAI body fields that are the prompt's, not the model's.
_PROMPT_FIELDS = ("tools", "response_format")


def _dict_option(options: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = options.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"sap: {name}= must be a dict (the orchestration {name} config)")
    return dict(value)


def build_completion_body(req: ChatRequest, ctx: CallContext) -> dict[str, Any]:
    options = dict(req.options)
    envelope_opts = {k: options.pop(k) for k in list(options) if k in ENVELOPE}
    openai = build_chat_body(dataclasses.replace(req, options=options, extra_body=None), ctx, DEFAULT_QUIRKS)
    # The spec's messages have no nullable content: an assistant turn with only tool calls omits it.
    messages = [
        {k: v for k, v in m.items() if not (k == "content" and v is None)} for m in openai.pop("messages")
    ]
    openai.pop("model")
    streaming = bool(openai.pop("stream", False))
    prompt: dict[str, Any] = {"template": messages}
    for name in _PROMPT_FIELDS:
        if name in openai:
            prompt[name] = openai.pop(name)
    model: dict[str, Any] = {"name": req.model}
    if envelope_opts.get("model_version") is not None:
        model["version"] = str(envelope_opts["model_version"])
    if openai:
        model["params"] = openai  # temperature, max_tokens, stop, tool_choice, stream_options, ...
    modules: dict[str, Any] = {"prompt_templating": {"prompt": prompt, "model": model}}
    for name in MODULES:
        module = _dict_option(envelope_opts, name)
        if module is not None:
            modules[name] = module
    config: dict[str, Any] = {"modules": modules}
    if streaming:
        stream: dict[str, Any] = {"enabled": True}
        stream.update(_dict_option(envelope_opts, "stream_options") or {})
        config["stream"] = stream
    body: dict[str, Any] = {"config": config}
    placeholders = _dict_option(envelope_opts, "placeholder_values")
    if placeholders is not None:
        body["placeholder_values"] = {str(k): str(v) for k, v in placeholders.items()}
    history = envelope_opts.get("messages_history")
    if history is not None:
        if not isinstance(history, (list, tuple)):
            raise ConfigurationError("sap: messages_history= must be a list of OpenAI-shaped message dicts")
        body["messages_history"] = list(history)
    if req.extra_body:
        body.update(req.extra_body)
    return body


def build_embeddings_body(req: EmbedRequest) -> dict[str, Any]:
    options = dict(req.options)
    params: dict[str, Any] = {"encoding_format": "float"}
    if req.dimensions is not None:
        params["dimensions"] = req.dimensions
    model: dict[str, Any] = {"name": req.model, "params": params}
    if options.get("model_version") is not None:
        model["version"] = str(options["model_version"])
    modules: dict[str, Any] = {"embeddings": {"model": model}}
    masking = _dict_option(options, "masking")
    if masking is not None:
        modules["masking"] = masking
    text: dict[str, Any] = {"text": list(req.inputs)}
    if options.get("input_type") is not None:
        text["type"] = str(options["input_type"])
    body: dict[str, Any] = {"config": {"modules": modules}, "input": text}
    if req.extra_body:
        body.update(req.extra_body)
    return body
