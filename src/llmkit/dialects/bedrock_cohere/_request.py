"""The Cohere Command R / R+ InvokeModel body (AWS's "Cohere Command R and Command R+ models"
page, https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command-r-plus.html):
Cohere's v1 chat shape, ``message`` (the last user turn), ``chat_history`` (``USER``/``CHATBOT``
turns before it), ``preamble`` (the system prompt), ``tools`` with ``parameter_definitions``,
and ``tool_results`` answering the previous turn's tool calls."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from llmkit.dialects.base import ChatRequest
from llmkit.errors import ConfigurationError, NotSupportedError
from llmkit.types import Message, Tool, ToolCall

# Keyword options: name -> body field (the documented ones beyond llmkit's own parameters).
BODY_OPTIONS = {
    "top_p": "p",
    "top_k": "k",
    "documents": "documents",
    "search_queries_only": "search_queries_only",
    "prompt_truncation": "prompt_truncation",
    "frequency_penalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "seed": "seed",
    "return_prompt": "return_prompt",
    "raw_prompting": "raw_prompting",
}
_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "array": "list",
    "object": "dict",
}


def _text(m: Message) -> str:
    if not isinstance(m.content, str) and any(type(p).__name__ != "TextPart" for p in m.content):
        raise NotSupportedError(
            "Cohere's Bedrock chat body takes text only (use bedrock/ Converse for images)"
        )
    return m.text


def _tool(t: Tool) -> dict[str, Any]:
    """A JSON-schema tool as Cohere v1's flat ``parameter_definitions`` (top-level properties)."""
    schema = t.parameters or {}
    props: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    defs = {}
    for name, prop in props.items():
        d: dict[str, Any] = {"type": _TYPES.get(str(prop.get("type")), str(prop.get("type", "str")))}
        if prop.get("description"):
            d["description"] = prop["description"]
        d["required"] = name in required
        defs[name] = d
    out: dict[str, Any] = {"name": t.name, "description": t.description or t.name}
    if defs:
        out["parameter_definitions"] = defs
    return out


def _results(calls: Sequence[ToolCall], answers: Sequence[Message]) -> list[dict[str, Any]]:
    by_id = {m.tool_call_id: m for m in answers}
    out = []
    for call in calls:
        answer = by_id.get(call.id)
        if answer is None:
            raise ConfigurationError(f"tool call {call.id!r} has no tool message answering it")
        text = answer.text
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        output = value if isinstance(value, dict) else {"text": text}
        out.append({"call": {"name": call.name, "parameters": dict(call.arguments)}, "outputs": [output]})
    return out


def _history(messages: Sequence[Message]) -> tuple[str | None, list[dict[str, Any]], list[Message]]:
    preamble: list[str] = []
    turns: list[Message] = []
    for m in messages:
        if m.role in ("system", "developer"):
            preamble.append(_text(m))
        else:
            turns.append(m)
    history = []
    for m in turns:
        if m.role == "user":
            history.append({"role": "USER", "message": _text(m)})
        elif m.role == "assistant":
            entry: dict[str, Any] = {"role": "CHATBOT", "message": _text(m)}
            if m.tool_calls:
                entry["tool_calls"] = [
                    {"name": c.name, "parameters": dict(c.arguments)} for c in m.tool_calls
                ]
            history.append(entry)
    return ("\n\n".join(preamble) or None), history, turns


def chat_body(req: ChatRequest) -> dict[str, Any]:
    preamble, history, turns = _history(req.messages)
    if not turns:
        raise ConfigurationError("messages need a user turn")
    body: dict[str, Any] = {}
    last = turns[-1]
    if last.role == "tool":
        # The turn answers the assistant's tool calls: Cohere's tool_results, with an empty message.
        i = len(turns) - 1
        while i > 0 and turns[i - 1].role == "tool":
            i -= 1
        caller = turns[i - 1] if i > 0 else None
        if caller is None or caller.role != "assistant" or not caller.tool_calls:
            raise ConfigurationError("tool messages must follow an assistant message with tool calls")
        body["message"] = ""
        body["tool_results"] = _results(caller.tool_calls, turns[i:])
        body["chat_history"] = history
    elif last.role == "user":
        body["message"] = _text(last)
        body["chat_history"] = history[:-1]
    else:
        raise ConfigurationError("the last message must be a user or tool message")
    if not body["chat_history"]:
        del body["chat_history"]
    if preamble:
        body["preamble"] = preamble
    if req.tools:
        body["tools"] = [_tool(t) for t in req.tools]
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.max_tokens is not None:
        body["max_tokens"] = req.max_tokens
    if req.stop:
        body["stop_sequences"] = list(req.stop)
    for option, field in BODY_OPTIONS.items():
        if req.options.get(option) is not None:
            body[field] = req.options[option]
    if req.extra_body:
        body.update(req.extra_body)
    return body
