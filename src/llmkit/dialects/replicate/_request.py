"""A Replicate prediction's body from a chat request: ``{"input": {...}, "stream"?}``.

Language models on Replicate take a ``prompt`` (and most a ``system_prompt``), not messages. The
conversation is flattened so: system messages joined into ``system_prompt``; a single user
message is the ``prompt`` as it is; a longer conversation is a transcript, each turn on its own
paragraph as ``User: ...`` / ``Assistant: ...``, ending with ``Assistant:`` for the model to
continue. A model with its own template takes ``input={"prompt_template": ...}`` (merged last).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from llmkit.dialects.base import ChatRequest
from llmkit.errors import ConfigurationError
from llmkit.types import Message, TextPart
from llmkit.wire import HttpRequest

_LABEL = {"user": "User", "assistant": "Assistant"}


def _text(m: Message, provider: str) -> str:
    if m.tool_calls or m.role == "tool":
        raise ConfigurationError(
            f"{provider}: Replicate language models take text only, not tool calls or results"
        )
    if not isinstance(m.content, str) and any(not isinstance(p, TextPart) for p in m.content):
        raise ConfigurationError(
            f"{provider}: only text parts can be flattened into a Replicate prompt; pass images and "
            "files as model inputs with input={...}"
        )
    return m.text


def flatten(messages: Any, provider: str) -> tuple[str, str | None]:
    """``(prompt, system_prompt)`` from the conversation."""
    system = [_text(m, provider) for m in messages if m.role in ("system", "developer")]
    turns = [m for m in messages if m.role not in ("system", "developer")]
    if not turns:
        raise ConfigurationError(f"{provider}: the conversation has no user message to send as the prompt")
    if len(turns) == 1 and turns[0].role == "user":
        prompt = _text(turns[0], provider)
    else:
        lines = [f"{_LABEL.get(m.role, m.role.title())}: {_text(m, provider)}" for m in turns]
        prompt = "\n\n".join([*lines, "Assistant:"])
    return prompt, ("\n\n".join(system) if system else None)


def chat_input(req: ChatRequest, provider: str) -> dict[str, Any]:
    if req.tools or req.response_format is not None:
        raise ConfigurationError(f"{provider}: Replicate predictions take no tools or response_format")
    prompt, system = flatten(req.messages, provider)
    inp: dict[str, Any] = {"prompt": prompt}
    if system is not None:
        inp["system_prompt"] = system
    if req.temperature is not None:
        inp["temperature"] = req.temperature
    if req.max_tokens is not None:
        inp["max_tokens"] = req.max_tokens
    if req.stop:
        # Replicate's language models take their stop sequences as one comma-separated string.
        inp["stop_sequences"] = ",".join(req.stop)
    return merged_input(inp, req.options, provider)


def merged_input(inp: dict[str, Any], options: Mapping[str, Any], provider: str) -> dict[str, Any]:
    extra = options.get("input")
    if extra is None:
        return inp
    if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
        raise ConfigurationError(f"{provider}: input= must be a dict of the model's input fields")
    return {**inp, **extra}


def prediction_body(
    inp: dict[str, Any], target_body: Mapping[str, Any], options: Mapping[str, Any], stream: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {**target_body, "input": inp}
    if stream:
        body["stream"] = True
    for name in ("webhook", "webhook_events_filter"):
        if options.get(name) is not None:
            body[name] = options[name]
    return body


def prefer(options: Mapping[str, Any], stream: bool) -> str | None:
    """The ``Prefer`` header: ``wait`` (hold the request up to Replicate's 60 s) unless streaming
    or ``wait=False``; ``wait=N`` (1-60) holds it N seconds."""
    wait = options.get("wait", True)
    if stream or wait is False:
        return None
    if wait is True:
        return "wait"
    if type(wait) is not int or not 1 <= wait <= 60:
        raise ConfigurationError("replicate: wait= must be True, False or a number of seconds from 1 to 60")
    return f"wait={wait}"


# Replicate holds a ``Prefer: wait`` request at most this long (seconds).
MAX_WAIT = 60


def hold(request: HttpRequest, seconds: float) -> HttpRequest:
    """``request`` with its ``Prefer: wait`` capped to ``seconds`` (the call's deadline left)."""
    wait = request.headers.get("prefer")
    if wait is None or not wait.startswith("wait"):
        return request
    held = MAX_WAIT if wait == "wait" else int(wait.partition("=")[2])
    # A second short of the deadline, so the answer (or the cancel) still fits in it.
    cap = max(1, int(seconds) - 1)
    if held <= cap:
        return request
    return replace(request, headers={**request.headers, "prefer": f"wait={cap}"})
