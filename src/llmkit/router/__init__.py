"""Routing over model groups: deployments, strategies, fallbacks, cooldowns, one retry budget.

Exports load lazily: ``llmkit.router.state`` (which the Redis backend builds on) imports no
HTTP library; ``Router``/``AsyncRouter`` load the clients on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmkit.router._async import AsyncRouter
    from llmkit.router._sync import Router
    from llmkit.router.config import Deployment
    from llmkit.router.errors import NoDeploymentAvailableError
    from llmkit.router.rules import RetryBudget
    from llmkit.router.state import AsyncStateBackend, InMemoryState, StateBackend
    from llmkit.router.trace import RouteStep, RouteTrace

_EXPORTS = {
    "AsyncRouter": "llmkit.router._async",
    "Router": "llmkit.router._sync",
    "Deployment": "llmkit.router.config",
    "NoDeploymentAvailableError": "llmkit.router.errors",
    "RetryBudget": "llmkit.router.rules",
    "AsyncStateBackend": "llmkit.router.state",
    "InMemoryState": "llmkit.router.state",
    "StateBackend": "llmkit.router.state",
    "RouteStep": "llmkit.router.trace",
    "RouteTrace": "llmkit.router.trace",
}

__all__ = [
    "AsyncRouter",
    "AsyncStateBackend",
    "Deployment",
    "InMemoryState",
    "NoDeploymentAvailableError",
    "RetryBudget",
    "RouteStep",
    "RouteTrace",
    "Router",
    "StateBackend",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llmkit.router' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
