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
from llmkit.router.state import InMemoryState, lowest
from llmkit.router.strategies import NEEDS
from llmkit.router.trace import Answered, RouteTrace

# The weighted shuffle's keys of a group of one: no draw, and it is the lowest of one.
_ONE = [1.0]

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
        "_latencies",
        "_least_busy",
        "_policy",
        "_random",
        "_strategy",
        "_timed",
        "_window",
        "kwargs",
    )

    def __init__(
        self,
        policy: RoutePolicy,
        state: InMemoryState,
        clock: Callable[[], float],
        groups: Mapping[str, _Group],
        kwargs: Mapping[str, Mapping[str, Any]],
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
        self._least_busy = state.least_busy
        self._latencies = state.latencies
        self._ewma = state.ewma
        # Each deployment's keywords for a first try of a call given none (``RouterBase``'s
        # ``_call_kwargs`` with no retries, made once; a deployment whose keywords fail is not here).
        self.kwargs = kwargs

    @classmethod
    def of(
        cls,
        policy: RoutePolicy,
        state: Any,
        clock: Callable[[], float],
        kwargs: Mapping[str, Mapping[str, Any]],
    ) -> PlainRoute | None:
        # Exactly the in-process backend: a subclass may change what a method does, and a
        # shared backend's reads are one round trip that this would split.
        if type(state) is not InMemoryState or policy.num_retries > 0:
            return None
        groups = {
            name: _Group(tuple(deps), policy)
            for name, deps in policy.groups.items()
            if deps and all(d.rpm is None and d.tpm is None for d in deps)
        }
        return cls(policy, state, clock, groups, kwargs) if groups else None

    def pick(self, name: str) -> tuple[Deployment | None, float, float] | None:
        """The first try of a call to group ``name`` with no deadline and no prompt estimate:
        the deployment, the clock at the call's start and when it was sent (for its latency),
        with the state as the policy leaves it before its first attempt. None to leave the call
        to the policy; no deployment when one of the group is tripped: the policy picks then
        (``policy.picked_flow``, with a trace started then), the state still untouched."""
        group = self._groups.get(name)
        if group is None:
            return None
        started = self._clock()
        if self._any_cooling(group.tripped, started):
            return None, started, 0.0
        if self._busy:  # least-busy: the count, the reads and the reservation under one lock
            keys = [self._random() ** inverse for inverse in group.inverse] if group.size > 1 else _ONE
            dep = group.deps[self._least_busy(CALLS_KEY, self._window, started, group.busy, keys)]
        elif group.size == 1:
            self._incr_window(CALLS_KEY, 1, self._window, started)
            dep = group.deps[0]
        else:
            dep = group.deps[self._choose(group, started)]
        return dep, started, (self._clock() if self._timed else 0.0)

    def begin(self, plan: Plan) -> tuple[RouteTrace, Deployment | None, float] | None:
        """``pick`` for a call's plan, with the call's trace (None to leave it to the policy)."""
        if plan.deadline is not None or plan.input_tokens is not None:
            return None
        picked = self.pick(plan.group)
        if picked is None:
            return None
        dep, started, sent = picked
        return RouteTrace(plan.group, started), dep, sent

    def _choose(self, group: _Group, started: float) -> int:
        """The pick's reads, the call's count and the strategy's first choice, as ``_pick.pick``
        and ``strategies.order`` make them: the weighted shuffle draws one key per deployment
        (``u ** (1 / weight)``, highest first, ties in the group's order), and a strategy that
        compares numbers takes the lowest, ties in the shuffle's order (``state.lowest``)."""
        strategy = self._strategy
        scores: Sequence[float] = ()
        if strategy == "latency-based-routing":
            scores = self._latencies(group.latency)
        self._incr_window(CALLS_KEY, 1, self._window, started)
        random = self._random
        keys = [random() ** inverse for inverse in group.inverse]
        if strategy == "cost-based-routing":
            scores = group.costs
        if not scores:  # the shuffle, or usage (without limits every share is 0)
            return keys.index(max(keys))
        return lowest(scores, keys)

    def finish(self, dep: Deployment, started: float, sent: float) -> Answered:
        """What the answer of the first try changes; the call's trace, to be built when read."""
        now = self._clock()
        if self._busy:
            self._add_inflight(self._policy.keys[dep.id].busy, -1)
        elif self._timed:
            self._ewma(self._policy.keys[dep.id].latency, now - sent, self._policy.latency_alpha)
        return dep.group, started, dep.id, dep.model, now, self._clock()

    def answered(self, trace: RouteTrace, dep: Deployment, sent: float) -> None:
        """``finish`` into a trace already built (the trace's last step)."""
        now, ended = self.finish(dep, trace.started, sent)[4:]
        trace.add("ok", dep.group, dep.id, "answered", now)
        trace.deployment = dep.id
        trace.model = dep.model
        trace.elapsed = ended - trace.started
