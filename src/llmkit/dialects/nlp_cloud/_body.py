"""llmkit's messages and arguments -> NLP Cloud's ``chatbot`` and ``generation`` bodies.

``chatbot`` holds a conversation as NLP Cloud does: the system text is its ``context``, earlier
turns are ``history`` pairs (``{"input": <user>, "response": <assistant>}``), and the last user
turn is the ``input``; anything that does not pair up so is refused rather than reshaped.
``generation`` takes one raw prompt (the server applies no template for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llmkit.dialects.base import ChatRequest
from llmkit.errors import ConfigurationError
from llmkit.types import Message, TextPart

_GENERATION_ONLY = ("max_tokens", "temperature", "stop")


def _text(message: Message, provider: str) -> str:
    if message.tool_calls or message.role == "tool":
        raise ConfigurationError(f"{provider} takes no tool turns")
    if not isinstance(message.content, str):
        other = sorted({type(p).__name__ for p in message.content if not isinstance(p, TextPart)})
        if other:
            raise ConfigurationError(f"{provider} takes text only, not {', '.join(other)}")
    return message.text


def _turns(messages: Sequence[Message], provider: str) -> tuple[str, list[dict[str, str]], str]:
    system = [_text(m, provider) for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    shape = [m.role for m in turns]
    pairs = len(turns) // 2
    if not turns or shape != ["user", "assistant"] * pairs + ["user"]:
        raise ConfigurationError(
            f"{provider}'s chatbot takes user and assistant turns in turn, ending with a user turn, "
            f"not ({', '.join(shape) or 'none'}); for one raw prompt use endpoint='generation'"
        )
    history = [
        {"input": _text(turns[2 * i], provider), "response": _text(turns[2 * i + 1], provider)}
        for i in range(pairs)
    ]
    return "\n\n".join(t for t in system if t), history, _text(turns[-1], provider)


def chatbot_body(req: ChatRequest, provider: str) -> dict[str, Any]:
    given = [name for name in _GENERATION_ONLY if getattr(req, name)] + sorted(
        k for k in req.options if k != "endpoint"
    )
    if given:
        raise ConfigurationError(
            f"{provider}'s chatbot endpoint takes no {', '.join(given)}: pass endpoint='generation' "
            "(one prompt) to set them"
        )
    context, history, text = _turns(req.messages, provider)
    body: dict[str, Any] = {"input": text}
    if context:
        body["context"] = context
    if history:
        body["history"] = history
    return body


def generation_body(req: ChatRequest, provider: str) -> dict[str, Any]:
    turns = [m for m in req.messages if m.role != "system" or m.text]
    if len(turns) != 1 or turns[0].role != "user":
        roles = ", ".join(m.role for m in req.messages) or "none"
        raise ConfigurationError(
            f"{provider}'s generation endpoint takes one prompt: pass a single user message, not "
            f"these turns ({roles}); for a conversation use endpoint='chatbot'"
        )
    body: dict[str, Any] = {"text": _text(turns[0], provider)}
    if req.max_tokens is not None:
        body["max_length"] = req.max_tokens
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.stop:
        if len(req.stop) > 1:
            raise ConfigurationError(f"{provider}'s generation takes one stop= sequence (its end_sequence)")
        body["end_sequence"] = req.stop[0]
    body.update((k, v) for k, v in req.options.items() if k != "endpoint")
    return body
