"""llmkit requests -> Ollama ``/api/chat`` and ``/api/embed`` bodies (Ollama's OpenAPI document).

Messages carry text in ``content``, images as bare base64 strings in ``images``, a reasoning
trace in ``thinking``, and tool calls with their arguments as a JSON object (not a string).
Ollama has no tool-call ids: a tool result names its tool in ``tool_name``, found here from the
assistant turn whose call id it answers. Sampling settings go in ``options`` (``max_tokens`` is
``num_predict``); ``think``, ``keep_alive``, ``logprobs`` and ``top_logprobs`` sit at the top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llmkit.dialects.base import ChatRequest, EmbedRequest, ForcedTool
from llmkit.errors import ConfigurationError
from llmkit.types import ImagePart, Message, ReasoningPart, TextPart, ToolCall

# Top-level fields of ChatRequest beyond model/messages/tools/format/stream.
TOP_LEVEL = frozenset({"think", "keep_alive", "logprobs", "top_logprobs"})
# ModelOptions (the documented ones; Ollama takes any other runtime option too, via extra_body).
MODEL_OPTIONS = frozenset(
    {
        "seed", "top_k", "top_p", "min_p", "num_ctx", "num_predict", "repeat_penalty",
        "repeat_last_n", "presence_penalty", "frequency_penalty", "typical_p", "num_gpu",
        "num_thread", "num_batch", "mirostat", "mirostat_eta", "mirostat_tau",
    }
)  # fmt: skip
EMBED_OPTIONS = frozenset({"truncate", "keep_alive"})
_THINK_LEVELS = frozenset({"high", "medium", "low", "max"})


def chat_body(req: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"model": req.model, "messages": messages(req.messages), "stream": req.stream}
    tools = _tools(req)
    if tools:
        body["tools"] = tools
    fmt = req.response_format
    if fmt is not None:
        body["format"] = dict(fmt.schema or {"type": "object"}) if fmt.type == "json_schema" else "json"
    options: dict[str, Any] = {}
    if req.temperature is not None:
        options["temperature"] = req.temperature
    if req.max_tokens is not None:
        options["num_predict"] = req.max_tokens
    if req.stop:
        options["stop"] = list(req.stop)
    for key, value in req.options.items():
        if key in TOP_LEVEL:
            body[key] = _think(value) if key == "think" else value
        elif key in MODEL_OPTIONS:
            options[key] = value
        elif key in EMBED_OPTIONS - TOP_LEVEL:
            raise ConfigurationError(f"{key}= is for Ollama embeddings, not chat")
    if options:
        body["options"] = options
    if req.extra_body:
        body.update(req.extra_body)
    return body


def _think(value: Any) -> bool | str:
    if isinstance(value, bool) or value in _THINK_LEVELS:
        return value  # type: ignore[no-any-return]
    raise ConfigurationError(f"think= takes True, False or one of high, medium, low, max; got {value!r}")


def _tools(req: ChatRequest) -> list[dict[str, Any]]:
    choice = req.tool_choice
    # Ollama has no tool_choice: "none" is sending no tools; forcing one is not expressible.
    if choice == "none":
        return []
    if isinstance(choice, ForcedTool) or choice == "required":
        raise ConfigurationError(
            "Ollama cannot force a tool call (its API has no tool_choice); leave tool_choice= unset "
            "or pass 'auto' or 'none'"
        )
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
        }
        for t in req.tools
    ]


def messages(history: Sequence[Message]) -> list[dict[str, Any]]:
    names: dict[str, str] = {}  # tool-call id -> tool name, from the assistant turns seen so far
    out = []
    for m in history:
        for call in m.tool_calls:
            names[call.id] = call.name
        out.append(_message(m, names))
    return out


def _message(m: Message, names: dict[str, str]) -> dict[str, Any]:
    role = "system" if m.role == "developer" else m.role
    wire: dict[str, Any] = {"role": role, "content": m.text}
    images = [_image(p) for p in m.parts if isinstance(p, ImagePart)]
    if images:
        wire["images"] = images
    unsupported = [
        type(p).__name__ for p in m.parts if not isinstance(p, (TextPart, ImagePart, ReasoningPart))
    ]
    if unsupported:
        raise ConfigurationError(f"Ollama messages take text and images only, not {', '.join(unsupported)}")
    if m.reasoning:
        wire["thinking"] = m.reasoning
    if m.tool_calls:
        wire["tool_calls"] = [_call(c) for c in m.tool_calls]
    if m.role == "tool":
        name = m.name or names.get(m.tool_call_id or "")
        if name:
            wire["tool_name"] = name
    return wire


def _call(call: ToolCall) -> dict[str, Any]:
    return {"function": {"name": call.name, "arguments": call.arguments}}


def _image(part: ImagePart) -> str:
    if part.data:
        return part.data
    url = part.url or ""
    if url.startswith("data:") and ";base64," in url:
        return url.partition(";base64,")[2]
    raise ConfigurationError(
        "Ollama takes images inline as base64, not by URL: pass the image's bytes or a data: URL"
    )


def embed_body(req: EmbedRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"model": req.model, "input": list(req.inputs)}
    if req.dimensions is not None:
        body["dimensions"] = req.dimensions
    options: dict[str, Any] = {}
    for key, value in req.options.items():
        if key in EMBED_OPTIONS:
            body[key] = value
        elif key in MODEL_OPTIONS:
            options[key] = value
        else:
            raise ConfigurationError(f"Ollama embeddings do not take {key}=")
    if options:
        body["options"] = options
    if req.extra_body:
        body.update(req.extra_body)
    return body
