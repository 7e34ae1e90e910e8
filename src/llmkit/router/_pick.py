"""Picking a group's deployment: one batch of reads (cooldown markers, tpm windows, what the
strategy compares), the cooldown and limit checks, the strategy's order, then the check-and-add
of a half-open probe or an rpm limit. Part of the policy's generator (``policy.route_flow``)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from llmkit.router._pick_one import pick_in_one_step
from llmkit.router.actions import Action, Batch, StateOp
from llmkit.router.config import Deployment
from llmkit.router.rules import MINUTE, Plan, RoutePolicy
from llmkit.router.strategies import NEEDS, order
from llmkit.router.trace import RouteTrace

__all__ = ["pick"]


def pick(
    policy: RoutePolicy,
    plan: Plan,
    group: str,
    tried: set[str],
    trace: RouteTrace,
    now: float,
    count: StateOp | None,
) -> Generator[Action, Any, tuple[tuple[Deployment, bool] | None, float | None]]:
    """The deployment to try next in ``group`` and whether it is a half-open probe; also the
    soonest end of a cooldown seen (for the error when nothing is left). ``count`` (the call's
    budget count, on the first pick) goes first in the batch of reads."""
    if policy.candidates:  # the backend picks in one step (Redis: one script, one round trip)
        return (yield from pick_in_one_step(policy, plan, group, tried, trace, now, count))
    deps = policy.groups[group]
    if tried:
        deps = [dep for dep in deps if dep.id not in tried]
    tokens = plan.input_tokens
    fits = deps if tokens is None else [dep for dep in deps if _fits(dep, tokens)]
    need = NEEDS[policy.strategy] if len(fits) > 1 else ""
    keys = policy.keys
    # Every read the pick may need, in one batch: per deployment its tripped marker (which
    # outlives every cooldown, so a healthy deployment costs one read), its tpm window when it
    # has a tpm limit, and what the strategy compares when there is a choice (``_number``).
    ops: Batch = [] if count is None else [count]
    for dep in fits:
        ops.append(("cooldown_until", (keys[dep.id].tripped, now)))
        if dep.tpm is not None:
            ops.append(("get_window", (keys[dep.id].tpm, MINUTE, now)))
        if need:
            ops.extend(_number_reads(policy, need, dep, now))
    answers: list[Any] = []
    if len(ops) > 1:
        answers = yield ops
    elif ops:
        answers = [(yield ops[0])]
    at = 0 if count is None else 1
    eligible: list[Deployment] = []
    half_open: set[str] | None = None
    soonest: float | None = None
    numbers: dict[str, float] = {}
    for dep in deps:
        if tokens is not None and not _fits(dep, tokens):
            trace.add("skip", group, dep.id, f"window of {dep.max_input_tokens} tokens < ~{tokens}", now)
            continue
        tripped = answers[at]
        at += 1
        used = None
        if dep.tpm is not None:
            used = answers[at]
            at += 1
        if need:
            numbers[dep.id], at = _number(need, dep, answers, at, used)
        if tripped is not None:
            until = yield ("cooldown_until", (keys[dep.id].health, now))
            if until is not None:
                soonest = until if soonest is None else min(soonest, until)
                trace.add("skip", group, dep.id, f"cooling down for {until - now:.3g}s", now)
                continue
            half_open = {dep.id} if half_open is None else half_open | {dep.id}
        if used is not None and used >= dep.tpm:
            trace.add("skip", group, dep.id, f"tpm limit {dep.tpm} reached", now)
            continue
        eligible.append(dep)
    if not eligible:
        return None, soonest
    for dep in order(policy.strategy, eligible, policy.rng, numbers) if len(eligible) > 1 else eligible:
        probing = half_open is not None and dep.id in half_open
        if probing and not (yield ("try_acquire", (keys[dep.id].probe, 1, policy.cooldown_s, now, 1))):
            trace.add("skip", group, dep.id, "half-open: another call is probing it", now)
            continue
        if dep.rpm is not None and not (yield ("try_acquire", (keys[dep.id].rpm, dep.rpm, MINUTE, now, 1))):
            trace.add("skip", group, dep.id, f"rpm limit {dep.rpm} reached", now)
            continue
        return (dep, probing), soonest
    return None, soonest


def _fits(dep: Deployment, tokens: int) -> bool:
    """Whether a prompt of about ``tokens`` fits the deployment's window."""
    return dep.max_input_tokens is None or tokens <= dep.max_input_tokens


def _number_reads(policy: RoutePolicy, need: str, dep: Deployment, now: float) -> Batch:
    """The reads of what the strategy compares for ``dep`` (``_number`` reads the answers)."""
    keys = policy.keys[dep.id]
    if need == "inflight":
        return [("add_inflight", (keys.busy, 0))]
    if need == "latency":
        return [("ewma", (keys.latency, None, policy.latency_alpha))]
    return [("get_window", (keys.rpm, MINUTE, now))] if dep.rpm else []  # usage


def _number(need: str, dep: Deployment, answers: list[Any], at: int, tpm_used: Any) -> tuple[float, int]:
    """What the strategy compares for ``dep``, read from ``answers`` at ``at`` (where ``_read``
    asked for it); also where the next deployment's answers start."""
    if need == "inflight":
        return answers[at], at + 1
    if need == "latency":
        value = answers[at]
        return (0.0 if value is None else value), at + 1
    # usage: the larger used share of its rpm and tpm limits (the tpm window is the pick's read)
    share = 0.0
    if dep.rpm:
        share, at = answers[at] / dep.rpm, at + 1
    if dep.tpm:
        share = max(share, tpm_used / dep.tpm)
    return share, at
