"""The decision trace every routed call carries (``result.route``, ``error.route``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

__all__ = ["RouteStep", "RouteTrace"]

# "convert": the conversation was converted for the deployment's wire format (one step a change).
StepKind = Literal["skip", "fail", "ok", "retry", "fallback", "budget", "deadline", "convert"]


class RouteStep(NamedTuple):
    """One decision: ``kind`` says what happened to ``deployment`` (or the group) and why."""

    kind: StepKind
    group: str
    deployment: str | None
    reason: str
    at: float  # seconds since the call started
    error: str | None = None  # the error's class name, for failures


@dataclass(slots=True)
class RouteTrace:
    """What the router did for one call: every deployment it considered, in order."""

    group: str
    started: float
    steps: list[RouteStep] = field(default_factory=list)
    deployment: str | None = None  # the one that answered
    model: str | None = None
    elapsed: float = 0.0
    retries: int = 0  # router retries plus the client retries it granted and saw used
    fallbacks: int = 0  # moves to another deployment or group after a failure

    def add(
        self,
        kind: StepKind,
        group: str,
        deployment: str | None,
        reason: str,
        now: float,
        error: str | None = None,
    ) -> None:
        self.steps.append(RouteStep(kind, group, deployment, reason, now - self.started, error))

    @property
    def considered(self) -> list[str]:
        """Every deployment the router looked at, in order, once each."""
        seen: dict[str, None] = {}
        for step in self.steps:
            if step.deployment is not None:
                seen.setdefault(step.deployment)
        return list(seen)

    def summary(self) -> str:
        parts = [f"{s.kind} {s.deployment or s.group}: {s.reason}" for s in self.steps]
        return "; ".join(parts) or "no deployment considered"
