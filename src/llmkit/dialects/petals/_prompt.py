"""llmkit's messages -> the one ``inputs`` string chat.petals.dev's HTTP API takes.

Petals serves raw causal LMs: the server applies no chat template. ``prompt_format="chat"`` (the
default) writes the conversation the way chat.petals.dev's own web app does for its default
models (``config.py``'s ``default_chat_config``: ``sep_token`` and ``stop_token`` ``"###"``;
``templates/index.html`` and ``static/chat.js``): the system text, then ``Human: <text>###`` and
``Assistant: <text>###`` turns, ending with ``Assistant:`` for the model to continue; the answer
is cut at the first ``###`` (or ``</s>``), which is where the app stops generating.
``prompt_format="raw"`` sends one user message's text as it is (a completion prompt, as in the
README's curl sample) and cuts nothing but ``stop=``."""

from __future__ import annotations

from collections.abc import Sequence

from llmkit.errors import ConfigurationError
from llmkit.types import Message, TextPart

SEP = "###"
# The web app's stop_token and extra_stop_sequences for its default models.
CHAT_STOPS = (SEP, "</s>")
_ROLES = {"user": "Human", "assistant": "Assistant"}
FORMATS = ("chat", "raw")


def _text(message: Message, provider: str) -> str:
    if message.tool_calls or message.role == "tool":
        raise ConfigurationError(f"{provider} takes no tool turns (Petals serves raw language models)")
    if not isinstance(message.content, str):
        other = sorted({type(p).__name__ for p in message.content if not isinstance(p, TextPart)})
        if other:
            raise ConfigurationError(f"{provider} takes text only, not {', '.join(other)}")
    return message.text


def chat_prompt(messages: Sequence[Message], provider: str) -> str:
    parts: list[str] = []
    for m in messages:
        text = _text(m, provider)
        if m.role == "system":
            if text:
                parts.append(text + SEP)
            continue
        role = _ROLES.get(m.role)
        if role is None:
            raise ConfigurationError(f"{provider} takes system, user and assistant turns, not {m.role!r}")
        parts.append(f"{role}: {text}{SEP}")
    if not messages or messages[-1].role != "user":
        raise ConfigurationError(f"{provider}'s chat prompt ends with a user turn")
    parts.append("Assistant:")
    return "".join(parts)


def raw_prompt(messages: Sequence[Message], provider: str) -> str:
    turns = [m for m in messages if m.role != "system" or m.text]
    if len(turns) != 1 or turns[0].role != "user":
        roles = ", ".join(m.role for m in messages) or "none"
        raise ConfigurationError(
            f"{provider} with prompt_format='raw' takes one user message (the prompt as the model "
            f"should see it), not these turns ({roles}); prompt_format='chat' writes a conversation"
        )
    return _text(turns[0], provider)


def cut(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """The text before the first stop sequence, and whether one was found (the HTTP API has no
    stop parameter: the model runs to max_new_tokens, so the cut is made here)."""
    end = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    return (text, False) if end < 0 else (text[:end], True)
