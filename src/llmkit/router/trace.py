"""The decision trace every routed call carries (``result.route``, ``error.route``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

__all__ = ["Answered", "RouteStep", "RouteTrace", "answered_trace"]

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
    """What the router did for one call: every deployment it considered, in order (``steps``)."""

    group: str
    started: float
    deployment: str | None = None  # the one that answered
    model: str | None = None
    elapsed: float = 0.0
    retries: int = 0  # router retries plus the client retries it granted and saw used
    fallbacks: int = 0  # moves to another deployment or group after a failure
    # The steps as plain tuples until ``steps`` is first read: building a RouteStep costs more
    # than the rest of a step, and most calls' traces are never read.
    _steps: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    _built: bool = field(default=False, repr=False, compare=False)

    def add(
        self,
        kind: StepKind,
        group: str,
        deployment: str | None,
        reason: str,
        now: float,
        error: str | None = None,
    ) -> None:
        step = (kind, group, deployment, reason, now - self.started, error)
        self._steps.append(RouteStep._make(step) if self._built else step)

    @property
    def steps(self) -> list[RouteStep]:
        """Every decision, in order."""
        if not self._built:
            self._steps = [RouteStep._make(step) for step in self._steps]
            self._built = True
        return self._steps  # type: ignore[return-value]

    def __repr__(self) -> str:
        return (
            f"RouteTrace(group={self.group!r}, started={self.started!r}, steps={self.steps!r}, "
            f"deployment={self.deployment!r}, model={self.model!r}, elapsed={self.elapsed!r}, "
            f"retries={self.retries!r}, fallbacks={self.fallbacks!r})"
        )

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


# The trace of a call that the plain route (``_fast.py``) answered at its first try, before it is
# built: (group, started, deployment, model, answered at, ended). A routed result holds this
# tuple until ``.route`` is first read (``_results``), when ``answered_trace`` builds the trace;
# most calls' traces are never read, and building one is a fair share of a routed call's cost.
Answered = tuple[str, float, str, str, float, float]


def answered_trace(
    group: str, started: float, deployment: str, model: str, at: float, ended: float
) -> RouteTrace:
    """The trace of a call answered by ``deployment`` at its first try: the one step "ok"."""
    trace = RouteTrace(group, started)
    trace.add("ok", group, deployment, "answered", at)
    trace.deployment = deployment
    trace.model = model
    trace.elapsed = ended - started
    return trace
