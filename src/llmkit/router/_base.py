"""What ``Router`` and ``AsyncRouter`` share: the configuration read into a ``RoutePolicy``, a
call's plan, its keywords per attempt, the state snapshot, and how a backend answers a batch."""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llmkit._retry import Timeout
from llmkit.errors import ConfigurationError, LLMKitError
from llmkit.observe import FallbackEvent, RetryEvent, emit_fallback, emit_retry, observers_of
from llmkit.router._conversation import CallConversation, Formats, check_reasoning, start
from llmkit.router._fast import PlainRoute
from llmkit.router._pick_one import candidates_of
from llmkit.router.actions import Attempt, Batch, Flow, Notify
from llmkit.router.config import Deployment, load_yaml, parse_model_list
from llmkit.router.policy import picked_flow, resume_flow, route_flow
from llmkit.router.rules import CALLS_KEY, RETRIES_KEY, Keys, Plan, RetryBudget, RoutePolicy
from llmkit.router.state import OPERATIONS, PICK_OPERATION, InMemoryState
from llmkit.router.strategies import NEEDS, normalise_strategy
from llmkit.router.trace import RouteTrace

__all__ = ["Begun", "RouterBase", "estimate_tokens", "gather", "settle"]

# The plain route's first try, under way: the call's trace, the deployment, when it was sent.
Begun = tuple[RouteTrace, Deployment, float]


def _fallback_map(value: Any, name: str) -> dict[str, tuple[str, ...]]:
    """``{"chat": ["backup"]}`` or LiteLLM's ``[{"chat": ["backup"]}, ...]``."""
    if value is None:
        return {}
    items: list[tuple[Any, Any]] = []
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for entry in value:
            if not isinstance(entry, Mapping):
                raise ConfigurationError(f"{name} entries must map a group to its fallback groups")
            items.extend(entry.items())
    else:
        raise ConfigurationError(f"{name} must map a group to a list of fallback groups")
    out: dict[str, tuple[str, ...]] = {}
    for group, targets in items:
        if isinstance(targets, str):
            targets = [targets]
        out[str(group)] = tuple(str(t) for t in targets)
    return out


class RouterBase:
    def __init__(
        self,
        model_list: Sequence[Mapping[str, Any]],
        *,
        fallbacks: Any = None,
        context_window_fallbacks: Any = None,
        content_policy_fallbacks: Any = None,
        routing_strategy: str = "simple-shuffle",
        allowed_fails: int = 3,
        cooldown_s: float | None = None,
        cooldown_time: float | None = None,
        failure_window_s: float = 60.0,
        retry_policy: Mapping[str, int] | None = None,
        num_retries: int = 0,
        retry_budget: RetryBudget | None = None,
        timeout: float | None = None,
        state: Any = None,
        clock: Callable[[], float] | None = None,
        seed: int | None = None,
        rng: random.Random | None = None,
        callbacks: Any = None,
        fallback_reasoning: str = "drop",
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        groups = parse_model_list(model_list)
        # The router's own events (on_fallback, on_retry with source="router") go to these.
        self._observers = observers_of(callbacks)
        fb = _fallback_map(fallbacks, "fallbacks")
        cw = _fallback_map(context_window_fallbacks, "context_window_fallbacks")
        cp = _fallback_map(content_policy_fallbacks, "content_policy_fallbacks")
        for name, table in (
            ("fallbacks", fb),
            ("context_window_fallbacks", cw),
            ("content_policy_fallbacks", cp),
        ):
            for group, targets in table.items():
                for target in (group, *targets):
                    if target not in groups:
                        raise ConfigurationError(
                            f"{name} names the group {target!r}, which model_list does not have"
                        )
        cooldown = (
            cooldown_s if cooldown_s is not None else (cooldown_time if cooldown_time is not None else 5.0)
        )
        self._deployments = {d.id: d for deps in groups.values() for d in deps}
        self._policy = RoutePolicy(
            groups=groups,
            keys={d: Keys.of(d) for d in self._deployments},
            strategy=normalise_strategy(routing_strategy),
            fallbacks=fb,
            context_window_fallbacks=cw,
            content_policy_fallbacks=cp,
            allowed_fails=allowed_fails,
            failure_window_s=failure_window_s,
            cooldown_s=cooldown,
            retry_policy=dict(retry_policy or {}),
            num_retries=num_retries,
            budget=retry_budget or RetryBudget(),
            rng=rng or random.Random(seed),
            observed=bool(self._observers),
        )
        self._timeout = timeout
        self._state = state if state is not None else InMemoryState()
        self._ops = {name: getattr(self._state, name) for name in OPERATIONS}
        self._batch = _batcher(self._state, self._ops)
        self._record = _recorder(self._state, self._batch)
        one_step = getattr(self._state, PICK_OPERATION, None)
        if callable(one_step):  # the backend picks in one step (Redis: one script, one round trip)
            self._ops[PICK_OPERATION] = one_step
            self._policy.candidates = candidates_of(self._deployments, self._policy.keys)
            self._policy.pick_reserves = NEEDS[self._policy.strategy] == "inflight"
        # An AsyncRouter awaits an async backend's answers (a sync one it calls directly).
        self._async_state = inspect.iscoroutinefunction(self._ops["incr_window"])
        self._sleep = sleep or self._default_sleep()
        # One client per deployment: its own key, base URL, headers and connection pool.
        self._clients = {
            d.id: self._client_class(api_key=d.api_key, base_url=d.base_url, headers=d.headers)
            for d in self._deployments.values()
        }
        self._clock = clock or time.monotonic
        # The plain route (``_fast.py``): the common call without the policy's generator.
        self._plain = PlainRoute.of(self._policy, self._state, self._clock, self._first_kwargs())
        # Only estimate a prompt's size when some deployment declares its window.
        self._windows = any(d.max_input_tokens is not None for d in self._deployments.values())
        # Each deployment's wire format, for conversations sent across formats (_conversation).
        self._formats = Formats.build(groups)
        self._reasoning = check_reasoning(fallback_reasoning)
        # Whether a call without keywords still needs ``_plan`` and ``_conversation``.
        self._planned = timeout is not None or self._windows or self._formats.mixed

    _client_class: Callable[..., Any]  # Client or AsyncClient

    @staticmethod
    def _default_sleep() -> Callable[[float], Any]:
        return time.sleep

    @classmethod
    def from_yaml(cls, path: str, **overrides: Any) -> Any:
        """A router from a LiteLLM-style YAML file (``model_list`` and ``router_settings``)."""
        config = load_yaml(path)
        config.update(overrides)
        return cls(**config)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{g}: {len(d)}" for g, d in self._policy.groups.items())
        return f"{type(self).__name__}({{{sizes}}}, strategy={self._policy.strategy!r})"

    @property
    def groups(self) -> list[str]:
        return list(self._policy.groups)

    def _begin(self, plan: Plan) -> Begun | Flow:
        """Where a call starts: the plain route's first try (its trace, the deployment and when
        it was sent) or, where the plain route does not hold, the policy's flow."""
        plain = self._plain
        begun = None if plain is None else plain.begin(plan)
        if begun is None:
            return route_flow(self._policy, plan, self._clock)
        trace, dep, sent = begun
        if dep is None:  # a tripped deployment: the policy picks
            return picked_flow(self._policy, plan, self._clock, trace)
        return trace, dep, sent

    def _plain_begin(self, plain: PlainRoute, group: str) -> tuple[Deployment, float, Any] | Flow:
        """``_begin`` for a call given no keywords (``Router._plainly``): the plain route's pick
        (the deployment, when the call started, when it was sent), or the policy's flow where
        the plain route does not hold; no trace is built here."""
        picked = plain.pick(group)
        if picked is None:
            return route_flow(self._policy, Plan(group), self._clock)
        dep, started, sent = picked
        if dep is None:  # a tripped deployment: the policy picks
            return picked_flow(self._policy, Plan(group), self._clock, RouteTrace(group, started))
        return dep, started, sent

    def _plain_kwargs(self, plain: PlainRoute, dep: Deployment) -> Mapping[str, Any]:
        """The first try's keywords, made once; built here (and raising here, inside the
        caller's try) for a deployment whose keywords could not be made ahead."""
        kw = plain.kwargs.get(dep.id)
        return self._call_kwargs(Attempt(dep, 0, dep.timeout), {}) if kw is None else kw

    def _plain_failed(self, group: str, started: float, dep: Deployment, exc: LLMKitError) -> Flow:
        """The policy, from where a failed plain first try leaves the call."""
        return resume_flow(self._policy, Plan(group), self._clock, RouteTrace(group, started), dep, exc)

    def _plan(self, group: str, kwargs: dict[str, Any], messages: Any = None) -> Plan:
        timeout = kwargs.pop("timeout", None)
        if isinstance(timeout, Timeout):
            timeout = timeout.total
        if timeout is None:
            timeout = self._timeout
        deadline = None if timeout is None else self._clock() + float(timeout)
        tokens = estimate_tokens(messages) if self._windows and messages is not None else None
        return Plan(group, deadline, tokens)

    def _prepare(
        self, group: str, kwargs: dict[str, Any], messages: Any
    ) -> tuple[Plan, CallConversation | None]:
        """A call's plan and the conversation it converts (both shells start a call with this)."""
        if kwargs or self._planned:
            plan = self._plan(group, kwargs, messages)
            return plan, self._conversation(plan, messages, kwargs)
        return Plan(group), None  # the common call: no keywords, nothing to convert, no deadline or estimate

    def _conversation(self, plan: Plan, messages: Any, kwargs: dict[str, Any]) -> CallConversation | None:
        if not kwargs and not self._formats.mixed:  # the common case: nothing to take or convert
            return None
        return start(self._formats, plan.group, messages, kwargs, self._reasoning)

    def _stream_tokens(self, trace: RouteTrace, plan: Plan, messages: Any) -> tuple[str, int] | None:
        """The tpm key a routed stream counts against when it ends, and its prompt's estimate
        (for a stream that ends before its usage arrives); None when its deployment has no tpm."""
        dep = self._deployments.get(trace.deployment or "")
        if dep is None or dep.tpm is None:
            return None
        estimate = plan.input_tokens if plan.input_tokens is not None else estimate_tokens(messages)
        return self._policy.keys[dep.id].tpm, estimate

    def _notify(self, action: Notify) -> None:
        if action.kind == "fallback":
            emit_fallback(self._observers, FallbackEvent(**action.fields))
        else:
            emit_retry(self._observers, RetryEvent(call=None, source="router", **action.fields))

    def _call_kwargs(self, action: Attempt, kwargs: dict[str, Any]) -> dict[str, Any]:
        dep = action.deployment
        out = {**dep.options, **kwargs} if dep.options else dict(kwargs)
        if dep.region is not None:
            out.setdefault("region", dep.region)
        out["max_retries"] = action.max_retries
        if action.timeout is not None:
            out["timeout"] = Timeout(total=action.timeout)
        return out

    def _first_kwargs(self) -> dict[str, dict[str, Any]]:
        """Each deployment's keywords for the first try of a call given none (no retries), made
        once for the plain route; a deployment whose keywords fail (a timeout Timeout refuses)
        is left out, so its calls build them, and fail, where the policy's would."""
        out = {}
        for dep in self._deployments.values():
            try:
                out[dep.id] = self._call_kwargs(Attempt(dep, 0, dep.timeout), {})
            except LLMKitError:
                pass
        return out

    def _snapshot(self, get: Callable[[str, tuple[Any, ...]], Any], now: float) -> dict[str, Any]:
        window = self._policy.budget.window_s
        deployments: dict[str, Any] = {}
        for dep in self._deployments.values():
            keys = self._policy.keys[dep.id]
            until = get("cooldown_until", (keys.health, now))
            tripped = get("cooldown_until", (keys.tripped, now))
            deployments[dep.id] = {
                "group": dep.group,
                "model": dep.model,
                "healthy": until is None and tripped is None,
                "cooldown_s": None if until is None else until - now,
                "half_open": until is None and tripped is not None,
                "latency_ewma_s": get("ewma", (keys.latency, None, self._policy.latency_alpha)),
                "in_flight": get("add_inflight", (keys.busy, 0)),
                "rpm_used": get("get_window", (keys.rpm, 60.0, now)) if dep.rpm else None,
                "tpm_used": get("get_window", (keys.tpm, 60.0, now)) if dep.tpm else None,
            }
        out: dict[str, Any] = {
            "deployments": deployments,
            "budget": {
                "calls": get("get_window", (CALLS_KEY, window, now)),
                "retries": get("get_window", (RETRIES_KEY, window, now)),
            },
        }
        # A backend that records answers without waiting (Redis) counts the updates that failed.
        failed = getattr(self._state, "failed_records", None)
        if isinstance(failed, int):
            out["failed_records"] = failed
        return out


def _batcher(state: Any, ops: Mapping[str, Callable[..., Any]]) -> Callable[[Batch], Any]:
    """How a backend answers a ``Batch``: its own ``batch`` (Redis: one pipeline, one round
    trip) when it has one, else each operation in turn."""
    batch = getattr(state, "batch", None)
    if callable(batch):
        return batch  # type: ignore[no-any-return]
    return lambda actions: [ops[method](*args) for method, args in actions]


def _recorder(state: Any, batch: Callable[[Batch], Any]) -> Callable[[Batch], Any]:
    """How a backend takes a ``Record``: its own ``record`` (Redis: written now, its replies
    checked later) when it has one, else as a ``Batch``, waited for as before."""
    record = getattr(state, "record", None)
    return record if callable(record) else batch


async def settle(values: Any) -> None:
    # What an async backend's ``record`` (or, without one, its batch) gives: awaited, unread.
    if inspect.isawaitable(values):
        await values
    else:
        for value in values:
            await value


async def gather(values: Any) -> list[Any]:
    # An async backend's batch is one awaitable; without one, each operation's, in order.
    if inspect.isawaitable(values):
        return list(await values)
    return [await value for value in values]


def estimate_tokens(messages: Any) -> int:
    # About four characters a token: enough to tell a 1k prompt from a 200k one, never exact.
    if isinstance(messages, str):
        return len(messages) // 4 + 1
    total = 0
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else getattr(message, "content", "")
        total += len(content) if isinstance(content, str) else len(str(content))
    return total // 4 + 1
