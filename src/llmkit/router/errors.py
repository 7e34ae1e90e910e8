"""The router's own error: nothing in a group (or its fallbacks) could take the call."""

from __future__ import annotations

from llmkit.errors import RateLimitError

__all__ = ["NoDeploymentAvailableError"]


class NoDeploymentAvailableError(RateLimitError):
    """Every deployment was cooling down, at its rpm/tpm limit or too small for the prompt;
    ``retry_after`` is when the first cooldown ends (None when none will), ``route`` the trace."""
