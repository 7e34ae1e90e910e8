"""``Router`` and ``AsyncRouter``: thin shells that carry out the policy's actions.

Each method takes a model GROUP name where a Client takes a model, routes the call with
``policy.route_flow`` and calls the chosen deployment's own Client (one per deployment, so each
keeps its key, base URL and connection pool).
"""

from __future__ import annotations

import inspect
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llmkit._retry import Timeout
from llmkit.api import AsyncClient, Client
from llmkit.errors import ConfigurationError, LLMKitError
from llmkit.observe import FallbackEvent, RetryEvent, emit_fallback, emit_retry, observers_of
from llmkit.router import _results
from llmkit.router._conversation import CallConversation, Formats, check_reasoning, for_attempt, start
from llmkit.router.config import load_yaml, parse_model_list
from llmkit.router.policy import (
    CALLS_KEY,
    RETRIES_KEY,
    Attempt,
    Batch,
    Keys,
    Notify,
    Plan,
    RetryBudget,
    RoutePolicy,
    route_flow,
)
from llmkit.router.state import InMemoryState
from llmkit.router.strategies import normalise_strategy
from llmkit.router.trace import RouteTrace

__all__ = ["AsyncRouter", "Router"]

log = logging.getLogger("llmkit.router")

_OPS = (
    "incr_window",
    "get_window",
    "set_cooldown",
    "cooldown_until",
    "clear_cooldown",
    "record_failure",
    "ewma",
    "add_inflight",
    "try_acquire",
)


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


class _Base:
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
        self._clock = clock or time.monotonic
        # Only estimate a prompt's size when some deployment declares its window.
        self._windows = any(d.max_input_tokens is not None for d in self._deployments.values())
        # Each deployment's wire format, for conversations sent across formats (_conversation).
        self._formats = Formats.build(groups)
        self._reasoning = check_reasoning(fallback_reasoning)

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

    def _plan(self, group: str, kwargs: dict[str, Any], messages: Any = None) -> Plan:
        timeout = kwargs.pop("timeout", None)
        if isinstance(timeout, Timeout):
            timeout = timeout.total
        if timeout is None:
            timeout = self._timeout
        deadline = None if timeout is None else self._clock() + float(timeout)
        tokens = _estimate_tokens(messages) if self._windows and messages is not None else None
        return Plan(group, deadline, tokens)

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
        estimate = plan.input_tokens if plan.input_tokens is not None else _estimate_tokens(messages)
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
        return {
            "deployments": deployments,
            "budget": {
                "calls": get("get_window", (CALLS_KEY, window, now)),
                "retries": get("get_window", (RETRIES_KEY, window, now)),
            },
        }


def _batcher(state: Any) -> Callable[[Batch], Any] | None:
    """How a backend answers a ``Batch``: its own ``batch`` (Redis: one pipeline, one round
    trip) when it has one; None: each operation in turn (the shell's loop)."""
    batch = getattr(state, "batch", None)
    return batch if callable(batch) else None


async def _gather(values: Any) -> list[Any]:
    # An async backend's batch is one awaitable; without one, each operation's, in order.
    if inspect.isawaitable(values):
        return list(await values)
    return [await value for value in values]


def _estimate_tokens(messages: Any) -> int:
    # About four characters a token: enough to tell a 1k prompt from a 200k one, never exact.
    if isinstance(messages, str):
        return len(messages) // 4 + 1
    total = 0
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else getattr(message, "content", "")
        total += len(content) if isinstance(content, str) else len(str(content))
    return total // 4 + 1


class Router(_Base):
    """Routes calls over model groups of deployments (sync)."""

    def __init__(
        self,
        model_list: Sequence[Mapping[str, Any]],
        *,
        sleep: Callable[[float], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_list, **kwargs)
        self._sleep = sleep or time.sleep
        self._clients = {
            d.id: Client(api_key=d.api_key, base_url=d.base_url, headers=d.headers)
            for d in self._deployments.values()
        }
        self._ops = {name: getattr(self._state, name) for name in _OPS}
        self._batch = _batcher(self._state)

    def _run(self, plan: Plan, call: Callable[[Client, Attempt], Any]) -> tuple[Any, RouteTrace]:
        flow = route_flow(self._policy, plan, self._clock)
        ops = self._ops
        action: Any = next(flow)
        try:
            while True:
                kind = type(action)
                if kind is tuple:  # a StateOp
                    method, args = action
                    action = flow.send(ops[method](*args))
                elif kind is list:  # a Batch
                    batch = self._batch
                    action = flow.send(
                        [ops[method](*args) for method, args in action] if batch is None else batch(action)
                    )
                elif kind is Attempt:
                    try:
                        result = call(self._clients[action.deployment.id], action)
                    except LLMKitError as exc:
                        action = flow.throw(exc)
                    else:
                        action = flow.send(result)
                elif kind is Notify:
                    self._notify(action)
                    action = flow.send(None)
                else:
                    self._sleep(action.seconds)
                    action = flow.send(None)
        except StopIteration as done:
            routed: tuple[Any, RouteTrace] = done.value
            return routed

    def _routed(
        self, method: str, group: str, args: tuple[Any, ...], kwargs: dict[str, Any], messages: Any = None
    ) -> Any:
        plan = self._plan(group, kwargs, messages)
        conversation = self._conversation(plan, messages, kwargs)

        def call(client: Client, action: Attempt) -> Any:
            kw = self._call_kwargs(action, kwargs)
            if conversation is not None:  # args[0] is the messages
                sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
                return getattr(client, method)(action.deployment.model, sent, *args[1:], **kw)
            return getattr(client, method)(action.deployment.model, *args, **kw)

        result, trace = self._run(plan, call)
        return _results.with_route(result, trace)

    def complete(self, model: str, messages: Any, **kwargs: Any) -> Any:
        """``Client.complete`` over the group ``model``; the result's ``.route`` is the trace."""
        return self._routed("complete", model, (messages,), kwargs, messages)

    def stream(self, model: str, messages: Any, **kwargs: Any) -> _results.RoutedStream:
        """``Client.stream`` over the group: falls back only until the first event arrives."""
        plan = self._plan(model, kwargs, messages)
        conversation = self._conversation(plan, messages, kwargs)

        def call(client: Client, action: Attempt) -> Any:
            kw = self._call_kwargs(action, kwargs)
            sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
            return _results.open_stream(client.stream(action.deployment.model, sent, **kw))

        stream, trace = self._run(plan, call)
        stream.route = trace
        counted = self._stream_tokens(trace, plan, messages)
        if counted is not None:
            key, estimate = counted

            def settle(completion: Any) -> None:
                tokens = _results.stream_tokens(completion, estimate)
                if tokens:
                    try:
                        self._ops["incr_window"](key, tokens, 60.0, self._clock())
                    except LLMKitError as exc:  # the stream is the caller's; a counter's failure is not
                        log.warning("the router could not count a stream's tokens: %s", exc)

            stream.settle = settle
        return stream  # type: ignore[no-any-return]

    def embed(self, model: str, inputs: Any, **kwargs: Any) -> Any:
        return self._routed("embed", model, (inputs,), kwargs)

    def count_tokens(self, model: str, messages: Any, **kwargs: Any) -> Any:
        return self._routed("count_tokens", model, (messages,), kwargs)

    def generate_image(self, model: str, prompt: str, **kwargs: Any) -> Any:
        return self._routed("generate_image", model, (prompt,), kwargs)

    def rerank(self, model: str, query: str, documents: Sequence[Any], **kwargs: Any) -> Any:
        return self._routed("rerank", model, (query, documents), kwargs)

    def state(self) -> dict[str, Any]:
        """Health per deployment (cooldown, half-open, latency, in flight, rpm/tpm used) and the budget."""
        return self._snapshot(lambda name, args: self._ops[name](*args), self._clock())

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncRouter(_Base):
    """Routes calls over model groups of deployments (async); the state backend may be sync
    (the in-process one) or async (``redis.asyncio``)."""

    def __init__(
        self,
        model_list: Sequence[Mapping[str, Any]],
        *,
        sleep: Callable[[float], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_list, **kwargs)
        import asyncio

        self._sleep = sleep or asyncio.sleep
        self._clients = {
            d.id: AsyncClient(api_key=d.api_key, base_url=d.base_url, headers=d.headers)
            for d in self._deployments.values()
        }
        self._ops = {name: getattr(self._state, name) for name in _OPS}
        self._async_state = inspect.iscoroutinefunction(self._ops["incr_window"])
        self._batch = _batcher(self._state)

    async def _run(self, plan: Plan, call: Callable[[AsyncClient, Attempt], Any]) -> tuple[Any, RouteTrace]:
        flow = route_flow(self._policy, plan, self._clock)
        ops = self._ops
        awaited = self._async_state
        action: Any = next(flow)
        try:
            while True:
                kind = type(action)
                if kind is tuple:  # a StateOp
                    method, args = action
                    value = ops[method](*args)
                    action = flow.send(await value if awaited else value)
                elif kind is list:  # a Batch
                    batch = self._batch
                    values = (
                        [ops[method](*args) for method, args in action] if batch is None else batch(action)
                    )
                    action = flow.send(await _gather(values) if awaited else values)
                elif kind is Attempt:
                    try:
                        result = await call(self._clients[action.deployment.id], action)
                    except LLMKitError as exc:
                        action = flow.throw(exc)
                    else:
                        action = flow.send(result)
                elif kind is Notify:
                    self._notify(action)
                    action = flow.send(None)
                else:
                    await self._sleep(action.seconds)
                    action = flow.send(None)
        except StopIteration as done:
            routed: tuple[Any, RouteTrace] = done.value
            return routed

    async def _routed(
        self, method: str, group: str, args: tuple[Any, ...], kwargs: dict[str, Any], messages: Any = None
    ) -> Any:
        plan = self._plan(group, kwargs, messages)
        conversation = self._conversation(plan, messages, kwargs)

        async def call(client: AsyncClient, action: Attempt) -> Any:
            kw = self._call_kwargs(action, kwargs)
            if conversation is not None:  # args[0] is the messages
                sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
                return await getattr(client, method)(action.deployment.model, sent, *args[1:], **kw)
            return await getattr(client, method)(action.deployment.model, *args, **kw)

        result, trace = await self._run(plan, call)
        return _results.with_route(result, trace)

    async def complete(self, model: str, messages: Any, **kwargs: Any) -> Any:
        return await self._routed("complete", model, (messages,), kwargs, messages)

    def stream(self, model: str, messages: Any, **kwargs: Any) -> _results.AsyncRoutedStream:
        """Routing runs when the stream is awaited, entered or iterated; it ends at the first event."""

        async def begin() -> Any:
            plan = self._plan(model, kwargs, messages)
            conversation = self._conversation(plan, messages, kwargs)

            async def call(client: AsyncClient, action: Attempt) -> Any:
                kw = self._call_kwargs(action, kwargs)
                sent = for_attempt(conversation, self._formats, action, messages, kw, self._clock())
                return await _results.open_async_stream(client.stream(action.deployment.model, sent, **kw))

            opened, trace = await self._run(plan, call)
            return opened, trace, self._async_settle(trace, plan, messages)

        return _results.AsyncRoutedStream(begin)

    def _async_settle(self, trace: RouteTrace, plan: Plan, messages: Any) -> Any:
        counted = self._stream_tokens(trace, plan, messages)
        if counted is None:
            return None
        key, estimate = counted

        async def settle(completion: Any) -> None:
            tokens = _results.stream_tokens(completion, estimate)
            if not tokens:
                return
            try:
                value = self._ops["incr_window"](key, tokens, 60.0, self._clock())
                if self._async_state:
                    await value
            except LLMKitError as exc:  # the stream is the caller's; a counter's failure is not
                log.warning("the router could not count a stream's tokens: %s", exc)

        return settle

    async def embed(self, model: str, inputs: Any, **kwargs: Any) -> Any:
        return await self._routed("embed", model, (inputs,), kwargs)

    async def count_tokens(self, model: str, messages: Any, **kwargs: Any) -> Any:
        return await self._routed("count_tokens", model, (messages,), kwargs)

    async def generate_image(self, model: str, prompt: str, **kwargs: Any) -> Any:
        return await self._routed("generate_image", model, (prompt,), kwargs)

    async def rerank(self, model: str, query: str, documents: Sequence[Any], **kwargs: Any) -> Any:
        return await self._routed("rerank", model, (query, documents), kwargs)

    async def state(self) -> dict[str, Any]:
        """``Router.state()``, awaiting each counter when the backend is async."""
        now = self._clock()
        wanted: list[tuple[str, tuple[Any, ...]]] = []
        self._snapshot(lambda name, args: wanted.append((name, args)), now)
        values: dict[tuple[str, tuple[Any, ...]], Any] = {}
        for name, args in wanted:
            value = self._ops[name](*args)
            values[(name, args)] = await value if self._async_state else value
        return self._snapshot(lambda name, args: values[(name, args)], now)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def __aenter__(self) -> AsyncRouter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
