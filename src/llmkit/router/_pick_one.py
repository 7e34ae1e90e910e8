"""Picking a group's deployment in one step, on a backend with ``pick_deployment`` (Redis: one
Lua script, so one round trip for the reads, the checks and the rpm/probe/in-flight takes).

The same pick as ``_pick.pick``, with one difference of order only: the strategy's shuffle is
drawn before the state is read (over every candidate that fits, not only the eligible ones),
and the backend reorders by what the strategy compares. A weighted shuffle restricted to the
eligible ones is still weighted, so the choices are distributed as before.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

from llmkit.router.actions import Action, StateOp
from llmkit.router.config import Deployment
from llmkit.router.rules import CALLS_KEY, MINUTE, RETRIES_KEY, Keys, Plan, RoutePolicy
from llmkit.router.state import PICK_OPERATION, PickAnswer, PickCandidate, PickRequest
from llmkit.router.strategies import NEEDS, order
from llmkit.router.trace import RouteTrace

__all__ = ["candidates_of", "pick_in_one_step"]


def candidates_of(
    deployments: Mapping[str, Deployment], keys: Mapping[str, Keys]
) -> dict[str, PickCandidate]:
    """Each deployment as a pick's candidate (built once per router)."""
    out = {}
    for dep_id, dep in deployments.items():
        k = keys[dep_id]
        out[dep_id] = PickCandidate(
            k.tripped, k.health, k.probe, k.busy, k.latency, k.rpm, k.tpm, dep.rpm, dep.tpm
        )
    return out


def pick_in_one_step(
    policy: RoutePolicy,
    plan: Plan,
    group: str,
    tried: set[str],
    trace: RouteTrace,
    now: float,
    count: StateOp | None,
) -> Generator[Action, Any, tuple[tuple[Deployment, bool] | None, float | None]]:
    """``_pick.pick`` as one ``pick_deployment`` operation; the same answer and trace."""
    deps = policy.groups[group]
    if tried:
        deps = [dep for dep in deps if dep.id not in tried]
    tokens = plan.input_tokens
    fits = deps if tokens is None else [dep for dep in deps if _fits(dep, tokens)]
    if not fits:
        if count is not None:
            yield count
        for dep in deps:
            trace.add("skip", group, dep.id, f"window of {dep.max_input_tokens} tokens < ~{tokens}", now)
        return None, None
    strategy = policy.strategy
    budget = policy.budget
    grant = None
    # The first attempt's client retries, reserved with the pick. Not for a fallback's pick: a
    # fallback first spends a retry of its own (``policy._route``), and its grant comes after.
    if policy.num_retries > 0 and not tried:
        wanted, ratio, least = policy.num_retries, budget.ratio, budget.min_retries
        grant = (CALLS_KEY, RETRIES_KEY, wanted, ratio, least, budget.window_s)
    ordered = order(strategy, fits, policy.rng, {}) if len(fits) > 1 else fits
    request = PickRequest(
        candidates=tuple(policy.candidates[dep.id] for dep in ordered),
        now=now,
        compare=NEEDS[strategy] if len(fits) > 1 else "",
        reserve=policy.pick_reserves,
        probe_window_s=policy.cooldown_s,
        limit_window_s=MINUTE,
        count=None if count is None else count[1],
        grant=grant,
    )
    answer: PickAnswer = yield (PICK_OPERATION, (request,))
    soonest = _trace_skips(trace, group, deps, ordered, answer, tokens, now)
    if answer.chosen is None:
        return None, soonest
    if grant is not None:
        plan.granted = answer.granted
    return (ordered[answer.chosen], answer.half_open), soonest


def _trace_skips(
    trace: RouteTrace,
    group: str,
    deps: Any,
    ordered: list[Deployment] | Any,
    answer: PickAnswer,
    tokens: int | None,
    now: float,
) -> float | None:
    """The pick's skips in the trace, in ``_pick.pick``'s order (the group's order, then the
    order tried); the soonest end of a cooldown seen."""
    at = {dep.id: i for i, dep in enumerate(ordered)}
    soonest: float | None = None
    for dep in deps:
        i = at.get(dep.id)
        if i is None:
            trace.add("skip", group, dep.id, f"window of {dep.max_input_tokens} tokens < ~{tokens}", now)
            continue
        what = answer.outcome[i]
        if what == "cooling":
            until = answer.until[i]
            if until is not None:
                soonest = until if soonest is None else min(soonest, until)
                trace.add("skip", group, dep.id, f"cooling down for {until - now:.3g}s", now)
        elif what == "tpm":
            trace.add("skip", group, dep.id, f"tpm limit {dep.tpm} reached", now)
    for i in answer.tried:
        dep, what = ordered[i], answer.outcome[i]
        if what == "probing":
            trace.add("skip", group, dep.id, "half-open: another call is probing it", now)
        elif what == "rpm":
            trace.add("skip", group, dep.id, f"rpm limit {dep.rpm} reached", now)
    return soonest


def _fits(dep: Deployment, tokens: int) -> bool:
    return dep.max_input_tokens is None or tokens <= dep.max_input_tokens
