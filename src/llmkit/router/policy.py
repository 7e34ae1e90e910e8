"""The routing policy, written once for sync and async: a generator of actions.

``route_flow`` yields a ``StateOp`` (read or change a counter: a ``(method, args)`` tuple), a
``Batch`` of them (a list: reads that do not depend on one another, one Redis round trip),
``Attempt`` (call this deployment), ``Wait`` (sleep before retrying it) and ``Notify``; the
shells in ``_shells.py`` carry them out and send the answers back in, or throw the call's error
in. The policy never does I/O or reads a clock of its own (``now`` is the shell's), so it runs
unchanged over the in-process state, a sync Redis or ``redis.asyncio``, and in tests on a fake
clock. A call on the plainest route (one healthy deployment, no limits) is two actions: one
batch of reads and the attempt.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContentFilteredError,
    ContextWindowExceededError,
    LLMKitError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
)
from llmkit.router.config import Deployment
from llmkit.router.errors import NoDeploymentAvailableError
from llmkit.router.strategies import NEEDS, order
from llmkit.router.trace import RouteTrace

__all__ = [
    "Attempt",
    "Batch",
    "Keys",
    "Notify",
    "Plan",
    "RetryBudget",
    "RoutePolicy",
    "StateOp",
    "Wait",
    "route_flow",
]

CALLS_KEY = "budget:calls"
RETRIES_KEY = "budget:retries"
_MINUTE = 60.0
# Failures that say something about the deployment (so they count towards its cooldown).
_DEPLOYMENT_FAULTS = (
    RateLimitError,
    ServerError,
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    ResponseDecodeError,
    ResponseTooLargeError,
)


# A state operation: a ``StateBackend`` method's name and its arguments. A plain tuple, not a
# class: the router builds a few per call, and a tuple costs a tenth of an instance to build.
StateOp = tuple[str, tuple[Any, ...]]
# State operations whose answers do not depend on one another, answered as a list in order: one
# resume of the policy for all of them, and one pipeline on a backend that has ``batch`` (Redis:
# one round trip). Each operation stays atomic on its own; the batch is not.
Batch = list[StateOp]


@dataclass(slots=True)
class Attempt:
    deployment: Deployment
    max_retries: int  # what the deployment's client may retry on its own (granted from the budget)
    timeout: float | None  # seconds left of the call's deadline (or the deployment's own timeout)
    trace: RouteTrace | None = None  # the call's, for what the shell does to the request (a conversion)


@dataclass(slots=True)
class Wait:
    seconds: float


@dataclass(slots=True)
class Notify:
    """Tell the observers (only yielded when the router has some): ``kind`` is "fallback" or
    "retry"; ``fields`` are the event's."""

    kind: str
    fields: dict[str, Any]


Action = StateOp | Batch | Attempt | Wait | Notify


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


@dataclass(slots=True)
class Plan:
    group: str
    deadline: float | None = None
    input_tokens: int | None = None


Flow = Generator[Action, Any, tuple[Any, RouteTrace]]


def route_flow(policy: RoutePolicy, plan: Plan, clock: Callable[[], float]) -> Flow:
    """Route one call; return (the result, its trace) or raise the last error with ``.route``."""
    if plan.group not in policy.groups:
        known = ", ".join(policy.groups)
        raise ConfigurationError(f"unknown model group {plan.group!r}; the router has {known}")
    return _route(policy, plan, clock, RouteTrace(plan.group, clock()))


def _route(policy: RoutePolicy, plan: Plan, clock: Callable[[], float], trace: RouteTrace) -> Flow:
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
        while position < len(path):
            group = path[position]
            now = clock()
            if plan.deadline is not None and now >= plan.deadline:
                if count is not None:
                    yield count
                trace.add("deadline", group, None, "the call's deadline passed", now)
                raise _deadline_error(plan, last)
            picked, until = yield from _pick(policy, plan, group, tried, trace, now, count)
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
                if not (yield from _spend(budget, 1, now)):
                    trace.add("budget", group, dep.id, "retry budget exhausted: no more fallbacks", now)
                    raise last
                trace.fallbacks += 1
                if policy.observed:
                    yield _fallback_notice(plan.group, failed, group, dep.id, last, trace)
            try:
                result = yield from _attempt(policy, plan, dep, probing, clock, trace)
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
    if isinstance(exc, BadRequestError) or not isinstance(exc, (*_DEPLOYMENT_FAULTS, ConfigurationError)):
        return None
    return []


def _pick(
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
            ops.append(("get_window", (keys[dep.id].tpm, _MINUTE, now)))
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
        if dep.rpm is not None and not (yield ("try_acquire", (keys[dep.id].rpm, dep.rpm, _MINUTE, now, 1))):
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
    return [("get_window", (keys.rpm, _MINUTE, now))] if dep.rpm else []  # usage


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


def _spend(budget: RetryBudget, amount: int, now: float) -> Generator[Action, Any, bool]:
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
    if grant <= 0 or not (yield from _spend(budget, grant, now)):
        return 0
    return int(grant)


def _router_retries(policy: RoutePolicy, exc: LLMKitError) -> int:
    for cls in type(exc).__mro__:
        if cls.__name__ in policy.retry_policy:
            return policy.retry_policy[cls.__name__]
    return 0


def _attempt(
    policy: RoutePolicy,
    plan: Plan,
    dep: Deployment,
    probing: bool,
    clock: Callable[[], float],
    trace: RouteTrace,
) -> Generator[Action, Any, Any]:
    keys = policy.keys[dep.id]
    group = dep.group
    busy = NEEDS[policy.strategy] == "inflight"
    timed = policy.strategy == "latency-based-routing"
    retries = 0
    while True:
        now = clock()
        timeout = dep.timeout
        if plan.deadline is not None:
            left = plan.deadline - now
            if left <= 0:
                trace.add("deadline", group, dep.id, "the call's deadline passed", now)
                raise _deadline_error(plan, None)
            timeout = left if timeout is None else min(timeout, left)
        grant = (yield from _grant(policy, now)) if policy.num_retries > 0 else 0
        if busy:
            yield ("add_inflight", (keys.busy, 1))
        sent = clock() if timed else now
        try:
            result = yield Attempt(dep, grant, timeout, trace)
        except LLMKitError as exc:
            if busy:
                yield ("add_inflight", (keys.busy, -1))
            now = clock()
            used = max(0, getattr(exc, "attempts", 1) - 1)
            trace.retries += used
            if grant > used:  # give back what the client did not use
                yield ("incr_window", (RETRIES_KEY, used - grant, policy.budget.window_s, now))
            trace.add("fail", group, dep.id, str(exc)[:200], now, type(exc).__name__)
            if not isinstance(exc, _DEPLOYMENT_FAULTS):
                raise
            yield from _record_failure(policy, dep, keys, exc, probing, now, trace)
            wait = _retry_wait(policy, plan, exc, retries, now)
            if wait is None or not (yield from _spend(policy.budget, 1, now)):
                raise
            retries += 1
            trace.retries += 1
            trace.add("retry", group, dep.id, f"retry {retries} in {wait:.3g}s", now)
            if policy.observed:
                fields = {"attempt": retries + 1, "delay_s": wait, "reason": type(exc).__name__}
                yield Notify("retry", fields)
            if wait > 0:
                yield Wait(wait)
            continue
        now = clock()
        # What an answer changes, in one batch (nothing on the plainest route).
        done: Batch = []
        if busy:
            done.append(("add_inflight", (keys.busy, -1)))
        if timed:
            done.append(("ewma", (keys.latency, now - sent, policy.latency_alpha)))
        if probing:
            done.append(("clear_cooldown", (keys.health,)))
            done.append(("clear_cooldown", (keys.tripped,)))
        if dep.tpm is not None:
            tokens = _tokens(result)
            if tokens:
                done.append(("incr_window", (keys.tpm, tokens, _MINUTE, now)))
        if done:
            yield done if len(done) > 1 else done[0]
        trace.add("ok", group, dep.id, "probe succeeded: closed again" if probing else "answered", now)
        trace.deployment = dep.id
        trace.model = dep.model
        return result


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


def _deadline_error(plan: Plan, last: LLMKitError | None) -> APITimeoutError:
    err = APITimeoutError(f"the router's deadline for {plan.group!r} passed across its fallbacks")
    err.__cause__ = last
    return err
