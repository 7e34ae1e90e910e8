"""What a routed call is decided by: the router's policy settings, a deployment's state keys, the
retry budget, and the call's own plan (its group, deadline and prompt size)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from llmkit.router.config import Deployment
from llmkit.router.state import PickCandidate

__all__ = ["CALLS_KEY", "MINUTE", "RETRIES_KEY", "Keys", "Plan", "RetryBudget", "RoutePolicy"]

CALLS_KEY = "budget:calls"
RETRIES_KEY = "budget:retries"
MINUTE = 60.0  # the window of rpm and tpm limits


@dataclass(frozen=True, slots=True)
class RetryBudget:
    """One budget for every retry: the client's, the router's and its fallbacks.

    In each ``window_s``, retries may reach ``ratio`` of the calls routed in that window, and at
    least ``min_retries``: a 429 storm costs at most 1 + ratio requests per call, never a multiple.
    """

    ratio: float = 0.2
    min_retries: int = 10
    window_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Keys:
    """State keys of one deployment (built once, not per call)."""

    health: str  # cooldown and failure count
    tripped: str  # set while the breaker is open or half-open
    probe: str
    latency: str
    busy: str
    rpm: str
    tpm: str

    @classmethod
    def of(cls, dep_id: str) -> Keys:
        return cls(
            *(f"{p}:{dep_id}" for p in ("health", "tripped", "probe", "latency", "busy", "rpm", "tpm"))
        )


@dataclass(slots=True)
class RoutePolicy:
    groups: Mapping[str, Sequence[Deployment]]
    keys: Mapping[str, Keys]
    strategy: str = "simple-shuffle"
    fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    context_window_fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    content_policy_fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    allowed_fails: int = 3
    failure_window_s: float = 60.0
    cooldown_s: float = 5.0
    # How long a tripped breaker is remembered after its cooldown (the half-open period).
    half_open_s: float = 300.0
    # Router retries of the same deployment per error class name (matched along the MRO).
    retry_policy: Mapping[str, int] = field(default_factory=dict)
    num_retries: int = 0  # the client's own retries per attempt, granted from the budget
    budget: RetryBudget = field(default_factory=RetryBudget)
    latency_alpha: float = 0.3
    max_wait_s: float = 60.0
    observed: bool = False  # the router has callbacks: yield Notify actions
    rng: random.Random = field(default_factory=random.Random)
    # Set when the backend picks in one step (``pick_deployment``): each deployment as a candidate
    # (``_pick_one``), and whether that step also counts the chosen one in flight (least-busy).
    candidates: Mapping[str, PickCandidate] = field(default_factory=dict)
    pick_reserves: bool = False


@dataclass(slots=True)
class Plan:
    group: str
    deadline: float | None = None
    input_tokens: int | None = None
    # Client retries the one-step pick reserved for the deployment it chose (its first attempt's).
    granted: int | None = None
