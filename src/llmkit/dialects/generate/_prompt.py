"""The one prompt a text-generation endpoint takes, from llmkit's messages.

``generate`` endpoints (TGI, LoRAX, Predibase, Triton) take a raw string: the server applies no
chat template, so turning a conversation into a prompt is the model's own template's job, which
llmkit cannot know. So only one user turn of text is accepted (already templated, if the model
wants one); a conversation, a system message, images or tool turns are refused with the route
that does take them."""

from __future__ import annotations

from collections.abc import Sequence

from llmkit.errors import ConfigurationError
from llmkit.types import Message, TextPart


def prompt_of(messages: Sequence[Message], provider: str, chat_route: str) -> str:
    turns = [m for m in messages if m.role != "system" or m.text]
    if len(turns) != 1 or turns[0].role != "user" or turns[0].tool_calls:
        roles = ", ".join(m.role for m in messages) or "none"
        raise ConfigurationError(
            f"{provider}'s generate endpoint takes one prompt: pass a single user message (with the "
            f"model's chat template applied, if it needs one), not these turns ({roles}); "
            f"{chat_route}"
        )
    message = turns[0]
    if not isinstance(message.content, str):
        other = sorted({type(p).__name__ for p in message.content if not isinstance(p, TextPart)})
        if other:
            raise ConfigurationError(
                f"{provider}'s generate endpoint takes text only, not {', '.join(other)}"
            )
    return message.text
