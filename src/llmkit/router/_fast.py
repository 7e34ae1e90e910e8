"""The plain route: a call's pick and its first try carried out directly, not through the
policy's generator.

On the in-process state, for a group whose deployments have no rpm or tpm limit, a call with
no deadline and no prompt estimate, and a router that grants its clients no retries, the
policy's first pick is a few reads and its answer one or two updates. ``PlainRoute`` does what
``policy.route_flow`` does for such a call, in the same order: the same state operations, the
same draws of the router's rng, the same clock reads and the same trace. It leaves a call to the
policy before changing anything when one of the group's deployments is tripped (cooling down or
half-open), and hands it over to the policy (``policy.resume_flow``) where the policy would be
when the first try fails, so fallbacks, retries, cooldowns and callbacks are the policy's own.
``tests/router/test_fast_path_equivalence.py`` holds the two to the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from llmkit.router.config import Deployment
from llmkit.router.rules import CALLS_KEY, Plan, RoutePolicy
from llmkit.router.state import InMemoryState
from llmkit.router.strategies import NEEDS, order
from llmkit.router.trace import RouteTrace

__all__ = ["PlainRoute"]


class _Group:
    """What the plain route needs of one group, built once."""

    __slots__ = ("busy", "deps", "ids", "latency", "tripped")

    def __init__(self, deps: tuple[Deployment, ...], policy: RoutePolicy) -> None:
        self.deps = deps
        self.ids = tuple(d.id for d in deps)
        keys = [policy.keys[d.id] for d in deps]
        self.tripped = tuple(k.tripped for k in keys)
        self.busy = tuple(k.busy for k in keys)
        self.latency = tuple(k.latency for k in keys)


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
        "_need",
        "_policy",
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
        self._need = NEEDS[policy.strategy]
        self._busy = self._need == "inflight"
        self._timed = policy.strategy == "latency-based-routing"
        self._window = policy.budget.window_s
        # Bound once: each is a few dictionary operations, and looking it up is a fair share.
        self._any_cooling = state.any_cooling
        self._incr_window = state.incr_window
        self._add_inflight = state.add_inflight
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
        the policy; no deployment (and the clock's reading for the pick) when one of the group
        is tripped: the policy picks then (``policy.picked_flow``), the state still untouched."""
        group = self._groups.get(plan.group)
        if group is None or plan.deadline is not None or plan.input_tokens is not None:
            return None
        clock = self._clock
        trace = RouteTrace(plan.group, clock())
        now = clock()
        if self._any_cooling(group.tripped, now):
            return trace, None, now
        deps = group.deps
        policy = self._policy
        if len(deps) > 1:
            numbers: dict[str, float] = {}
            need = self._need
            if need == "inflight":
                for dep_id, key in zip(group.ids, group.busy, strict=True):
                    numbers[dep_id] = self._add_inflight(key, 0)
            elif need == "latency":
                for dep_id, key in zip(group.ids, group.latency, strict=True):
                    value = self._ewma(key, None, policy.latency_alpha)
                    numbers[dep_id] = 0.0 if value is None else value
            elif need:  # usage: without limits every share is 0
                numbers = dict.fromkeys(group.ids, 0.0)
            self._incr_window(CALLS_KEY, 1, self._window, trace.started)
            dep = order(policy.strategy, deps, policy.rng, numbers)[0]
        else:
            self._incr_window(CALLS_KEY, 1, self._window, trace.started)
            dep = deps[0]
        now = clock()
        if self._busy:
            self._add_inflight(policy.keys[dep.id].busy, 1)
        return trace, dep, (clock() if self._timed else now)

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
