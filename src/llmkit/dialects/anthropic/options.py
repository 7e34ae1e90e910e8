"""The typed keyword options the Anthropic Messages dialect understands.

Every name here may be passed by keyword to ``llmkit.complete(...)`` for a
provider that speaks this dialect; anything else is refused before any I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

# What ``thinking=`` accepts: a budget in tokens, "adaptive", False/"disabled", or the wire object.
ThinkingOption = int | bool | Literal["adaptive", "disabled"] | Mapping[str, Any]


class AnthropicOptions(TypedDict, total=False):
    """Provider options for Claude (and the endpoints that speak its Messages format)."""

    # Extended thinking: ``thinking=2048`` is ``{"type": "enabled", "budget_tokens": 2048}``.
    thinking: ThinkingOption
    # Top-level cache breakpoint: ``True`` or ``{"type": "ephemeral", "ttl": "1h"}``.
    cache_control: bool | Mapping[str, Any]
    # ``{"user_id": "..."}`` (an opaque id, never personal data).
    metadata: Mapping[str, Any]
    top_k: int
    top_p: float
    # Beta features, sent as the ``anthropic-beta`` header (a list or a comma-separated string).
    anthropic_beta: str | Sequence[str]
    service_tier: Literal["auto", "standard_only"]
    # ``output_config.effort``: "low" | "medium" | "high" | ...
    effort: str
    # True: at most one tool call per turn (``tool_choice.disable_parallel_tool_use``).
    disable_parallel_tool_use: bool
    # The same, spelled as in the OpenAI format (``parallel_tool_calls=False``).
    parallel_tool_calls: bool
    # How the credential is sent: "x-api-key" (default) or "bearer" (read by the provider's auth, not sent).
    anthropic_auth: Literal["x-api-key", "bearer"]


OPTION_NAMES: frozenset[str] = frozenset(AnthropicOptions.__annotations__)
