"""The plain route: a call's pick and its first try carried out directly, not through the
policy's generator.

On the in-process state, for a group whose deployments have no rpm or tpm limit, a call with
no deadline and no prompt estimate, and a router that grants its clients no retries, the
policy's first pick is a few reads and its answer one or two updates. ``PlainRoute`` does what
``policy.route_flow`` does for such a call, in the same order: the same state operations, the
same draws of the router's rng, the same clock reads and the same trace. When one of the
group's deployments is tripped (cooling down or half-open) it leaves the pick to the policy
before changing anything (``policy.picked_flow``); when the first try fails it hands the call
over where the policy would be (``policy.resume_flow``), so fallbacks, retries, cooldowns and
callbacks are the policy's own. ``tests/router/test_fast_path_equivalence.py`` holds the two to
the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llmkit.router.config import Deployment
from llmkit.router.rules import CALLS_KEY, Plan, RoutePolicy
from llmkit.router.state import InMemoryState
from llmkit.router.strategies import NEEDS
from llmkit.router.trace import RouteTrace

__all__ = ["PlainRoute"]


class _Group:
    """What the plain route needs of one group, built once."""

    __slots__ = ("busy", "costs", "deps", "inverse", "latency", "size", "tripped")

    def __init__(self, deps: tuple[Deployment, ...], policy: RoutePolicy) -> None:
        self.deps = deps
        self.size = len(deps)
        keys = [policy.keys[d.id] for d in deps]
        self.tripped = tuple(k.tripped for k in keys)
        self.busy = tuple(k.busy for k in keys)
        self.latency = tuple(k.latency for k in keys)
        # The weighted shuffle's exponents, as ``strategies._weighted_order`` computes them.
        self.inverse = tuple(1.0 / d.weight for d in deps)
        self.costs = tuple(d.cost if d.cost is not None else float("inf") for d in deps)


class PlainRoute:
    """The plain route of one router (``None`` from ``of`` when it has none)."""

    __slots__ = (
        "_add_inflight",
        "_any_cooling",
        "_busy",
        "_clock",
        "_ewma",
        "_groups",
        "_incr_window",
        "_inflight_counts",
        "_latencies",
        "_policy",
        "_random",
        "_strategy",
        "_timed",
        "_window",
    )

    def __init__(
        self,
        policy: RoutePolicy,
        state: InMemoryState,
        clock: Callable[[], float],
        groups: Mapping[str, _Group],
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._groups = groups
        self._strategy = policy.strategy
        self._busy = NEEDS[policy.strategy] == "inflight"
        self._timed = policy.strategy == "latency-based-routing"
        self._window = policy.budget.window_s
        # Bound once: each is a few dictionary operations, and looking it up is a fair share.
        self._random = policy.rng.random
        self._any_cooling = state.any_cooling
        self._incr_window = state.incr_window
        self._add_inflight = state.add_inflight
        self._inflight_counts = state.inflight_counts
        self._latencies = state.latencies
        self._ewma = state.ewma

    @classmethod
    def of(cls, policy: RoutePolicy, state: Any, clock: Callable[[], float]) -> PlainRoute | None:
        # Exactly the in-process backend: a subclass may change what a method does, and a
        # shared backend's reads are one round trip that this would split.
        if type(state) is not InMemoryState or policy.num_retries > 0:
            return None
        groups = {
            name: _Group(tuple(deps), policy)
            for name, deps in policy.groups.items()
            if deps and all(d.rpm is None and d.tpm is None for d in deps)
        }
        return cls(policy, state, clock, groups) if groups else None

    def begin(self, plan: Plan) -> tuple[RouteTrace, Deployment | None, float] | None:
        """The call's trace, the deployment to try and when it was sent (for its latency), with
        the state as the policy leaves it before its first attempt. None to leave the call to
        the policy; no deployment when one of the group is tripped: the policy picks then, from
        that trace (``policy.picked_flow``), the state still untouched."""
        group = self._groups.get(plan.group)
        if group is None or plan.deadline is not None or plan.input_tokens is not None:
            return None
        started = self._clock()
        trace = RouteTrace(plan.group, started)
        if self._any_cooling(group.tripped, started):
            return trace, None, 0.0
        if group.size == 1:
            self._incr_window(CALLS_KEY, 1, self._window, started)
            dep = group.deps[0]
        else:
            dep = group.deps[self._choose(group, started)]
        if self._busy:
            self._add_inflight(self._policy.keys[dep.id].busy, 1)
        return trace, dep, (self._clock() if self._timed else 0.0)

    def _choose(self, group: _Group, started: float) -> int:
        """The pick's reads, the call's count and the strategy's first choice, as ``_pick.pick``
        and ``strategies.order`` make them: the weighted shuffle draws one key per deployment
        (``u ** (1 / weight)``, highest first, ties in the group's order), and a strategy that
        compares numbers takes the lowest, ties in the shuffle's order."""
        strategy = self._strategy
        scores: Sequence[float] = ()
        if strategy == "least-busy":
            scores = self._inflight_counts(group.busy)
        elif strategy == "latency-based-routing":
            scores = [0.0 if v is None else v for v in self._latencies(group.latency)]
        self._incr_window(CALLS_KEY, 1, self._window, started)
        random = self._random
        keys = [random() ** inverse for inverse in group.inverse]
        if strategy == "simple-shuffle":
            return keys.index(max(keys))
        if strategy == "cost-based-routing":
            scores = group.costs
        elif not scores:  # usage: without limits every share is 0
            return keys.index(max(keys))
        best = 0
        for i in range(1, group.size):
            if scores[i] < scores[best] or (scores[i] == scores[best] and keys[i] > keys[best]):
                best = i
        return best

    def answered(self, trace: RouteTrace, dep: Deployment, sent: float) -> None:
        """What the answer of the first try changes, and the trace's last step."""
        now = self._clock()
        if self._busy:
            self._add_inflight(self._policy.keys[dep.id].busy, -1)
        elif self._timed:
            self._ewma(self._policy.keys[dep.id].latency, now - sent, self._policy.latency_alpha)
        trace.add("ok", dep.group, dep.id, "answered", now)
        trace.deployment = dep.id
        trace.model = dep.model
        trace.elapsed = self._clock() - trace.started
