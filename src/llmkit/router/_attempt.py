"""One deployment's attempts at a call: the retry budget's grants, the call itself, what an
answer or a failure changes (cooldowns, the breaker, latency, tpm), and the router's own retries
of the same deployment. Part of the policy's generator (``policy.route_flow``)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    LLMKitError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
)
from llmkit.router.actions import Action, Attempt, Batch, Notify, Record, Wait
from llmkit.router.config import Deployment
from llmkit.router.rules import CALLS_KEY, MINUTE, RETRIES_KEY, Keys, Plan, RetryBudget, RoutePolicy
from llmkit.router.strategies import NEEDS
from llmkit.router.trace import RouteTrace

__all__ = ["DEPLOYMENT_FAULTS", "attempt", "deadline_error", "release", "spend"]

# Failures that say something about the deployment (so they count towards its cooldown).
DEPLOYMENT_FAULTS = (
    RateLimitError,
    ServerError,
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    ResponseDecodeError,
    ResponseTooLargeError,
)


def spend(budget: RetryBudget, amount: int, now: float) -> Generator[Action, Any, bool]:
    calls = yield ("get_window", (CALLS_KEY, budget.window_s, now))
    allowed = max(budget.min_retries, int(budget.ratio * calls))
    ok: bool = yield ("try_acquire", (RETRIES_KEY, allowed, budget.window_s, now, amount))
    return ok


def _grant(policy: RoutePolicy, now: float) -> Generator[Action, Any, int]:
    """Client retries for one attempt: what the budget has left, reserved up front."""
    budget = policy.budget
    calls, used = yield [
        ("get_window", (CALLS_KEY, budget.window_s, now)),
        ("get_window", (RETRIES_KEY, budget.window_s, now)),
    ]
    grant = min(policy.num_retries, max(budget.min_retries, int(budget.ratio * calls)) - used)
    if grant <= 0 or not (yield from spend(budget, grant, now)):
        return 0
    return int(grant)


def release(
    policy: RoutePolicy, plan: Plan, dep: Deployment, now: float, reserved: bool = True
) -> Generator[Action, Any, None]:
    """Give back what the one-step pick took for an attempt that will not be made: its place
    in flight (least-busy) and its client retries."""
    if reserved and policy.pick_reserves:
        yield ("add_inflight", (policy.keys[dep.id].busy, -1))
    if plan.granted:
        window = policy.budget.window_s
        yield ("incr_window", (RETRIES_KEY, -plan.granted, window, now))
    plan.granted = None


def _router_retries(policy: RoutePolicy, exc: LLMKitError) -> int:
    for cls in type(exc).__mro__:
        if cls.__name__ in policy.retry_policy:
            return policy.retry_policy[cls.__name__]
    return 0


def attempt(
    policy: RoutePolicy,
    plan: Plan,
    dep: Deployment,
    probing: bool,
    clock: Callable[[], float],
    trace: RouteTrace,
    failed: LLMKitError | None = None,
) -> Generator[Action, Any, Any]:
    """``failed``: the error of a first try the shell made itself (the plain route of
    ``_fast.py``, with no grant and nothing in the trace yet); what follows it is this."""
    keys = policy.keys[dep.id]
    group = dep.group
    busy = NEEDS[policy.strategy] == "inflight"
    timed = policy.strategy == "latency-based-routing"
    retries = 0
    grant = 0
    reserved = policy.pick_reserves  # the one-step pick already counted this call in flight
    while True:
        if failed is None:
            # The clock only when something here reads it (a deadline, the budget's window).
            now = clock() if plan.deadline is not None or policy.num_retries > 0 else 0.0
            timeout = dep.timeout
            if plan.deadline is not None:
                left = plan.deadline - now
                if left <= 0:
                    yield from release(policy, plan, dep, now, reserved)
                    trace.add("deadline", group, dep.id, "the call's deadline passed", now)
                    raise deadline_error(plan, None)
                timeout = left if timeout is None else min(timeout, left)
            granted = plan.granted  # the one-step pick's, for the first attempt
            if granted is not None:
                grant, plan.granted = granted, None
            else:
                grant = (yield from _grant(policy, now)) if policy.num_retries > 0 else 0
            if busy and not reserved:
                yield ("add_inflight", (keys.busy, 1))
            reserved = False
            sent = clock() if timed else now
            try:
                result = yield Attempt(dep, grant, timeout, trace)
            except LLMKitError as exc:
                failed = exc
            else:
                return (yield from _answered(policy, dep, keys, probing, result, sent, clock(), trace))
        error, failed = failed, None
        wait = yield from _failure(policy, plan, dep, keys, probing, error, grant, retries, clock, trace)
        retries += 1
        if wait > 0:
            yield Wait(wait)


def _answered(
    policy: RoutePolicy,
    dep: Deployment,
    keys: Keys,
    probing: bool,
    result: Any,
    sent: float,
    now: float,
    trace: RouteTrace,
) -> Generator[Action, Any, Any]:
    # What an answer changes, in one record (nothing on the plainest route): nothing the call
    # returns depends on it, so a backend may take it without the call waiting for Redis.
    done: Batch = []
    if NEEDS[policy.strategy] == "inflight":
        done.append(("add_inflight", (keys.busy, -1)))
    if policy.strategy == "latency-based-routing":
        done.append(("ewma", (keys.latency, now - sent, policy.latency_alpha)))
    if probing:
        done.append(("clear_cooldown", (keys.health,)))
        done.append(("clear_cooldown", (keys.tripped,)))
    if dep.tpm is not None:
        tokens = _tokens(result)
        if tokens:
            done.append(("incr_window", (keys.tpm, tokens, MINUTE, now)))
    if done:
        yield Record(done)
    trace.add("ok", dep.group, dep.id, "probe succeeded: closed again" if probing else "answered", now)
    trace.deployment = dep.id
    trace.model = dep.model
    return result


def _failure(
    policy: RoutePolicy,
    plan: Plan,
    dep: Deployment,
    keys: Keys,
    probing: bool,
    exc: LLMKitError,
    grant: int,
    retries: int,
    clock: Callable[[], float],
    trace: RouteTrace,
) -> Generator[Action, Any, float]:
    """What a failed try changes; the wait before retrying the same deployment, or raises
    ``exc`` to move on (the policy then tries the next deployment or group)."""
    group = dep.group
    if NEEDS[policy.strategy] == "inflight":
        yield ("add_inflight", (keys.busy, -1))
    now = clock()
    used = max(0, getattr(exc, "attempts", 1) - 1)
    trace.retries += used
    if grant > used:  # give back what the client did not use
        yield ("incr_window", (RETRIES_KEY, used - grant, policy.budget.window_s, now))
    trace.add("fail", group, dep.id, str(exc)[:200], now, type(exc).__name__)
    if not isinstance(exc, DEPLOYMENT_FAULTS):
        raise exc
    yield from _record_failure(policy, dep, keys, exc, probing, now, trace)
    wait = _retry_wait(policy, plan, exc, retries, now)
    if wait is None or not (yield from spend(policy.budget, 1, now)):
        raise exc
    trace.retries += 1
    trace.add("retry", group, dep.id, f"retry {retries + 1} in {wait:.3g}s", now)
    if policy.observed:
        fields = {"attempt": retries + 2, "delay_s": wait, "reason": type(exc).__name__}
        yield Notify("retry", fields)
    return wait


def _retry_wait(policy: RoutePolicy, plan: Plan, exc: LLMKitError, retries: int, now: float) -> float | None:
    """Seconds before retrying the same deployment, or None to move on."""
    if retries >= _router_retries(policy, exc):
        return None
    asked = getattr(exc, "retry_after", None)
    wait = float(asked) if isinstance(asked, (int, float)) else min(0.5 * 2.0**retries, 8.0)
    wait *= 1.0 if asked is not None else 1 - 0.25 * policy.rng.random()
    if wait > policy.max_wait_s or (plan.deadline is not None and now + wait >= plan.deadline):
        return None
    return wait


def _record_failure(
    policy: RoutePolicy,
    dep: Deployment,
    keys: Keys,
    exc: LLMKitError,
    probing: bool,
    now: float,
    trace: RouteTrace,
) -> Generator[Action, Any, None]:
    count = yield ("record_failure", (keys.health, policy.failure_window_s, now))
    asked = getattr(exc, "retry_after", None) if isinstance(exc, RateLimitError) else None
    if isinstance(asked, (int, float)) and asked > 0:
        until, why = now + float(asked), f"Retry-After {asked:.3g}s"
    elif probing:
        until, why = now + policy.cooldown_s, "the half-open probe failed"
    elif count > policy.allowed_fails:
        until, why = now + policy.cooldown_s, f"{count} failures in {policy.failure_window_s:.3g}s"
    else:
        return
    yield ("set_cooldown", (keys.health, until))
    yield ("set_cooldown", (keys.tripped, until + policy.half_open_s))
    trace.add("skip", dep.group, dep.id, f"cooling down until +{until - now:.3g}s: {why}", now)


def _tokens(result: Any) -> int:
    usage = getattr(result, "usage", None)
    if usage is None:
        return 0
    total = getattr(usage, "total_tokens", None)
    if total:
        return int(total)
    return int(getattr(usage, "input_tokens", 0) or 0) + int(getattr(usage, "output_tokens", 0) or 0)


def deadline_error(plan: Plan, last: LLMKitError | None) -> APITimeoutError:
    err = APITimeoutError(f"the router's deadline for {plan.group!r} passed across its fallbacks")
    err.__cause__ = last
    return err
