"""The routing policy, written once for sync and async: a generator of actions.

``route_flow`` yields a ``StateOp`` (read or change a counter: a ``(method, args)`` tuple), a
``Batch`` of them (a list: reads that do not depend on one another, one Redis round trip),
``Record`` (updates whose answers nothing reads: the backend may take them without the call
waiting), ``Attempt`` (call this deployment), ``Wait`` (sleep before retrying it) and ``Notify``; the
shells (``_sync.py``, ``_async.py``) carry them out and send the answers back in, or throw the call's error
in. The policy never does I/O or reads a clock of its own (``now`` is the shell's), so it runs
unchanged over the in-process state, a sync Redis or ``redis.asyncio``, and in tests on a fake
clock. A call on the plainest route (one healthy deployment, no limits) is two actions: one
batch of reads and the attempt.
"""

from __future__ import annotations

from collections.abc import Callable

from llmkit.errors import (
    BadRequestError,
    ConfigurationError,
    ContentFilteredError,
    ContextWindowExceededError,
    LLMKitError,
)
from llmkit.router._attempt import DEPLOYMENT_FAULTS, attempt, deadline_error, release, spend
from llmkit.router._pick import pick
from llmkit.router.actions import Attempt, Batch, Flow, Notify, Record, StateOp, Wait
from llmkit.router.config import Deployment
from llmkit.router.errors import NoDeploymentAvailableError
from llmkit.router.rules import CALLS_KEY, RETRIES_KEY, Keys, Plan, RetryBudget, RoutePolicy
from llmkit.router.trace import RouteTrace

# The actions and settings are defined beside it (actions.py, rules.py) and named here too, where
# the policy's callers and tests have always found them.
__all__ = [
    "CALLS_KEY",
    "RETRIES_KEY",
    "Attempt",
    "Batch",
    "Keys",
    "Notify",
    "Plan",
    "Record",
    "RetryBudget",
    "RoutePolicy",
    "StateOp",
    "Wait",
    "picked_flow",
    "resume_flow",
    "route_flow",
]


def route_flow(policy: RoutePolicy, plan: Plan, clock: Callable[[], float]) -> Flow:
    """Route one call; return (the result, its trace) or raise the last error with ``.route``."""
    if plan.group not in policy.groups:
        known = ", ".join(policy.groups)
        raise ConfigurationError(f"unknown model group {plan.group!r}; the router has {known}")
    return _route(policy, plan, clock, RouteTrace(plan.group, clock()))


def resume_flow(
    policy: RoutePolicy,
    plan: Plan,
    clock: Callable[[], float],
    trace: RouteTrace,
    dep: Deployment,
    failed: LLMKitError,
) -> Flow:
    """The rest of a call whose first try the shell made itself on the plain route
    (``_fast.py``: ``dep``, the first group's pick, failed with ``failed``): what the policy
    would have done from that failure on."""
    return _route(policy, plan, clock, trace, resumed=(dep, failed))


def picked_flow(policy: RoutePolicy, plan: Plan, clock: Callable[[], float], trace: RouteTrace) -> Flow:
    """A call the plain route began (its ``trace``) and left to the policy before changing
    anything (a deployment of its group is tripped)."""
    return _route(policy, plan, clock, trace)


def _route(
    policy: RoutePolicy,
    plan: Plan,
    clock: Callable[[], float],
    trace: RouteTrace,
    resumed: tuple[Deployment, LLMKitError] | None = None,
) -> Flow:
    try:
        budget = policy.budget
        # The call is counted in the first group's batch of reads (one round trip, not two).
        count: StateOp | None = ("incr_window", (CALLS_KEY, 1, budget.window_s, trace.started))
        after = policy.fallbacks.get(plan.group)
        path = [plan.group, *after] if after else [plan.group]
        tried: set[str] = set()
        last: LLMKitError | None = None
        failed: str | None = None
        soonest: float | None = None
        position = 0
        # The first pick is at the call's start (no reason to read the clock twice in a row).
        start: float | None = trace.started
        while position < len(path):
            group = path[position]
            failed_first: LLMKitError | None = None
            if resumed is not None:  # the first pick was the shell's, and its first try failed
                (dep, failed_first), resumed, count, probing, start = resumed, None, None, False, None
            else:
                now, start = (clock() if start is None else start), None
                if plan.deadline is not None and now >= plan.deadline:
                    if count is not None:
                        yield count
                    trace.add("deadline", group, None, "the call's deadline passed", now)
                    raise deadline_error(plan, last)
                picked, until = yield from pick(policy, plan, group, tried, trace, now, count)
                count = None
                if until is not None:
                    soonest = until if soonest is None else min(soonest, until)
                if picked is None:
                    position += 1
                    if position < len(path):
                        trace.add("fallback", path[position], None, f"group {group!r} has nothing left", now)
                    continue
                dep, probing = picked
            tried.add(dep.id)
            if last is not None:  # this attempt is a fallback after a failure: it costs a retry
                if not (yield from spend(budget, 1, now)):
                    yield from release(policy, plan, dep, now)  # what the pick took for it
                    trace.add("budget", group, dep.id, "retry budget exhausted: no more fallbacks", now)
                    raise last
                trace.fallbacks += 1
                if policy.observed:
                    yield _fallback_notice(plan.group, failed, group, dep.id, last, trace)
            try:
                result = yield from attempt(policy, plan, dep, probing, clock, trace, failed_first)
                trace.elapsed = clock() - trace.started
                return result, trace
            except LLMKitError as exc:
                last, failed = exc, dep.id
                special = _special_fallbacks(policy, group, exc)
                if special is None:
                    raise
                if special:
                    trace.add(
                        "fallback",
                        special[0],
                        dep.id,
                        f"{type(exc).__name__}: to {', '.join(special)}",
                        clock(),
                    )
                    path[position + 1 : position + 1] = [g for g in special if g not in path[position + 1 :]]
                    position += 1
        if last is not None:
            raise last
        retry_after = None if soonest is None else max(0.0, soonest - clock())
        raise NoDeploymentAvailableError(
            f"no deployment of {plan.group!r} (or its fallbacks) can take the call: {trace.summary()}",
            retry_after=retry_after,
        )
    except LLMKitError as exc:
        trace.elapsed = clock() - trace.started
        exc.route = trace  # type: ignore[attr-defined]
        raise


def _fallback_notice(
    group: str, failed: str | None, to_group: str, to: str, exc: LLMKitError, trace: RouteTrace
) -> Notify:
    if isinstance(exc, ContextWindowExceededError):
        reason = "context_window"
    elif isinstance(exc, ContentFilteredError):
        reason = "content_policy"
    else:
        reason = "error"
    fields = {"group": group, "from_deployment": failed, "to_group": to_group, "to_deployment": to}
    return Notify("fallback", {**fields, "reason": reason, "error": exc, "trace": trace})


def _special_fallbacks(policy: RoutePolicy, group: str, exc: LLMKitError) -> list[str] | None:
    """None to give up (the request itself is at fault); [] to go on with the next deployment;
    else the groups to try next (context-window or content-policy fallbacks)."""
    if isinstance(exc, ContextWindowExceededError):
        return (
            list(policy.context_window_fallbacks[group]) if group in policy.context_window_fallbacks else None
        )
    if isinstance(exc, ContentFilteredError):
        return (
            list(policy.content_policy_fallbacks[group]) if group in policy.content_policy_fallbacks else None
        )
    if isinstance(exc, BadRequestError) or not isinstance(exc, (*DEPLOYMENT_FAULTS, ConfigurationError)):
        return None
    return []
