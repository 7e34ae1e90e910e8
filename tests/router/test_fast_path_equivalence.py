"""The plain route (``router/_fast.py``) decides exactly as the policy's generator does.

Every scenario builds two routers from one random configuration (strategy, groups and their
fallbacks, weights, rpm/tpm limits, cooldown settings, retries, deadlines, callbacks) over the
in-process state on a fake clock: one as shipped, one with the plain route switched off. Both
run the same calls against stub deployments answering from the same random script (answers,
latencies, rate limits with and without Retry-After, server errors, refusals, context-window
overflows, bad requests), and after every call their results or errors, traces, callbacks,
attempts, counters, rng and ``state()`` must be the same.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from typing import Any

import pytest

from llmkit.errors import (
    APIConnectionError,
    BadRequestError,
    ContentFilteredError,
    ContextWindowExceededError,
    LLMKitError,
    RateLimitError,
    ServerError,
)
from llmkit.observe import Callbacks
from llmkit.router import AsyncRouter, Router
from llmkit.router._fast import PlainRoute
from llmkit.router.trace import RouteTrace
from llmkit.types import Completion, FinishReason, Message, Usage

from ._drive import FakeClock

STRATEGIES = (
    "simple-shuffle",
    "least-busy",
    "latency-based-routing",
    "usage-based-routing",
    "cost-based-routing",
)
# (weight, kind): what a stub deployment's next attempt does.
OUTCOMES = (
    (60, "ok"),
    (6, "rate_limit"),
    (4, "rate_limit_after"),
    (8, "server"),
    (3, "connection"),
    (2, "bad_request"),
    (2, "context_window"),
    (2, "content_filter"),
)


class TickingClock(FakeClock):
    """Each reading moves the clock on a little, so both routers must read it as often."""

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


class Script:
    """One router's deployments answer from this, in the order of their attempts."""

    def __init__(self, seed: int, clock: TickingClock, failure_rate: float) -> None:
        self.rng = random.Random(seed)
        self.clock = clock
        self.failure_rate = failure_rate
        self.log: list[tuple[str, tuple[tuple[str, Any], ...]]] = []

    def answer(self, model: str, kwargs: dict[str, Any]) -> Completion:
        self.log.append((model, tuple(sorted((k, repr(v)) for k, v in kwargs.items()))))
        rng = self.rng
        self.clock.advance(rng.choice((0.0, 0.05, 0.3, 1.5)))
        kind = "ok"
        if rng.random() < self.failure_rate:
            kind = rng.choices([k for _, k in OUTCOMES[1:]], [w for w, _ in OUTCOMES[1:]])[0]
        attempts = rng.choice((1, 1, 2))
        if kind == "rate_limit":
            raise RateLimitError("slow down", status_code=429, attempts=attempts)
        if kind == "rate_limit_after":
            raise RateLimitError("slow down", retry_after=rng.choice((0.5, 3.0, 30.0)), status_code=429)
        if kind == "server":
            raise ServerError("boom", status_code=500, attempts=attempts)
        if kind == "connection":
            raise APIConnectionError("refused")
        if kind == "bad_request":
            raise BadRequestError("bad", status_code=400)
        if kind == "context_window":
            raise ContextWindowExceededError("too long", status_code=400)
        if kind == "content_filter":
            raise ContentFilteredError("refused", status_code=400)
        tokens = rng.randint(1, 40)
        return Completion(
            message=Message(role="assistant", content=f"{model}:{len(self.log)}"),
            finish_reason=FinishReason.STOP,
            usage=Usage(tokens, 1, tokens + 1),
            model=model,
            provider="openai",
        )


class _Stream:
    def __init__(self, completion: Completion) -> None:
        self.events = [completion.text]
        self.completion = completion  # what a tpm limit counts when it ends

    def __iter__(self) -> Any:
        return iter(self.events)

    def close(self) -> None:
        pass


class StubClient:
    def __init__(self, script: Script) -> None:
        self.script = script

    def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:
        return self.script.answer(model, kwargs)

    def stream(self, model: str, messages: Any, **kwargs: Any) -> _Stream:
        return _Stream(self.script.answer(model, kwargs))

    def close(self) -> None:
        pass


class AsyncStubClient(StubClient):
    async def complete(self, model: str, messages: Any, **kwargs: Any) -> Completion:  # type: ignore[override]
        return self.script.answer(model, kwargs)

    async def aclose(self) -> None:
        pass


class Counting:
    """The plain route, counting the calls it took (to show the scenarios exercise it)."""

    def __init__(self, plain: PlainRoute) -> None:
        self.plain = plain
        self.kwargs = plain.kwargs
        self.taken = 0

    def pick(self, group: str) -> Any:  # a call without keywords
        picked = self.plain.pick(group)
        self.taken += picked is not None and picked[0] is not None
        return picked

    def begin(self, plan: Any) -> Any:  # any other call
        begun = self.plain.begin(plan)
        self.taken += begun is not None and begun[1] is not None
        return begun

    def finish(self, *args: Any) -> Any:
        return self.plain.finish(*args)

    def answered(self, *args: Any) -> None:
        self.plain.answered(*args)


def config(rng: random.Random) -> dict[str, Any]:
    """A random router configuration: one to three groups, fallbacks between them."""
    names = ["chat", "backup", "big"][: rng.choice((1, 1, 2, 3))]
    model_list: list[dict[str, Any]] = []
    limited = rng.random() < 0.25
    for name in names:
        for i in range(rng.choice((1, 1, 2, 3, 3, 4))):
            entry: dict[str, Any] = {
                "model_name": name,
                "model": f"openai/{name}-{i}",
                "api_key": "k",
                "base_url": "http://127.0.0.1:9/v1",
                "weight": rng.choice((1, 1, 2, 5)),
                "cost": rng.choice((None, 1.0, 2.0)),
            }
            if limited and rng.random() < 0.5:
                entry[rng.choice(("rpm", "tpm"))] = rng.choice((2, 5, 60))
            if rng.random() < 0.1:
                entry["max_input_tokens"] = rng.choice((2, 1000))
            if rng.random() < 0.1:
                entry["timeout"] = 30.0
            model_list.append(entry)
    options: dict[str, Any] = {
        "routing_strategy": rng.choice(STRATEGIES),
        "allowed_fails": rng.choice((0, 1, 3)),
        "cooldown_s": rng.choice((1.0, 5.0, 20.0)),
        "failure_window_s": rng.choice((10.0, 60.0)),
        "seed": rng.randrange(1 << 30),
    }
    if len(names) > 1:
        options["fallbacks"] = {names[0]: names[1:]}
        if rng.random() < 0.5:
            options["context_window_fallbacks"] = {names[0]: [names[-1]]}
        if rng.random() < 0.5:
            options["content_policy_fallbacks"] = {names[0]: [names[1]]}
    if rng.random() < 0.3:
        options["retry_policy"] = {"RateLimitError": 1, "ServerError": rng.choice((1, 2))}
    if rng.random() < 0.15:
        options["num_retries"] = rng.choice((1, 2))
    if rng.random() < 0.1:
        options["timeout"] = rng.choice((0.5, 5.0, 60.0))
    return {"model_list": model_list, **options}


def _value(value: Any) -> Any:
    if isinstance(value, RouteTrace):
        return trace_of(value)
    if isinstance(value, BaseException):
        return (type(value).__name__, str(value))
    return value


def trace_of(trace: RouteTrace) -> tuple[Any, ...]:
    fields = (trace.group, trace.started, trace.deployment, trace.model, trace.elapsed)
    return (*fields, trace.retries, trace.fallbacks, [tuple(s) for s in trace.steps])


def event_of(event: Any) -> tuple[Any, ...]:
    fields = dataclasses.fields(event)
    return (type(event).__name__, *(_value(getattr(event, f.name)) for f in fields))


class Side:
    """One of the two routers of a scenario, with its clock, script and callbacks."""

    def __init__(self, cfg: dict[str, Any], seed: int, failure_rate: float, plain: bool, kind: type) -> None:
        self.clock = TickingClock()
        self.events: list[Any] = []
        callbacks = Callbacks(on_fallback=self.events.append, on_retry=self.events.append)
        observed = {"callbacks": callbacks} if seed % 2 else {}
        self.router = kind(**cfg, clock=self.clock, sleep=self.sleep, **observed)
        self.script = Script(seed, self.clock, failure_rate)
        stub = (AsyncStubClient if kind is AsyncRouter else StubClient)(self.script)
        self.router._clients = dict.fromkeys(self.router._clients, stub)
        self.counting = None if self.router._plain is None else Counting(self.router._plain)
        self.router._plain = self.counting if plain else None

    def sleep(self, seconds: float) -> Any:
        self.clock.advance(seconds)
        if isinstance(self.router, AsyncRouter):
            return asyncio.sleep(0)
        return None

    def outcome(self, method: str, group: str, messages: Any, kwargs: dict[str, Any]) -> tuple[Any, ...]:
        try:
            result = getattr(self.router, method)(group, messages, **dict(kwargs))
        except LLMKitError as exc:
            route = getattr(exc, "route", None)
            retry_after = getattr(exc, "retry_after", None)
            return ("error", type(exc).__name__, str(exc), retry_after, route and trace_of(route))
        text = result.text if isinstance(result, Completion) else list(result)
        return ("ok", text, trace_of(result.route))

    def snapshot(self, state: dict[str, Any]) -> tuple[Any, ...]:
        s = self.router._state
        counters = (s._windows, s._failures, s._cooldowns, s._ewmas, s._inflight)
        events = [event_of(e) for e in self.events]
        return (*counters, self.router._policy.rng.getstate(), self.script.log, events, state)


def _calls(rng: random.Random, cfg: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], float]]:
    groups = sorted({entry["model_name"] for entry in cfg["model_list"]})
    out = []
    for _ in range(rng.choice((10, 30))):
        kwargs: dict[str, Any] = {}
        if rng.random() < 0.1:
            kwargs["timeout"] = rng.choice((0.2, 10.0))
        if rng.random() < 0.1:
            kwargs["temperature"] = 0.5
        method = "stream" if rng.random() < 0.1 else "complete"
        out.append((method, rng.choice(groups), kwargs, rng.choice((0.0, 0.0, 0.5, 4.0, 30.0))))
    return out


@pytest.mark.parametrize("block", range(8))
def test_plain_route_matches_the_policy(block: int) -> None:
    taken = total = 0
    for n in range(50):
        seed = block * 1000 + n
        rng = random.Random(seed)
        cfg = config(rng)
        failure_rate = rng.choice((0.0, 0.1, 0.4))
        fast = Side(cfg, seed, failure_rate, True, Router)
        slow = Side(cfg, seed, failure_rate, False, Router)
        for method, group, kwargs, pause in _calls(rng, cfg):
            messages = [{"role": "user", "content": "hello there"}]
            results = [side.outcome(method, group, messages, kwargs) for side in (fast, slow)]
            assert results[0] == results[1], (seed, method, group)
            assert fast.snapshot(fast.router.state()) == slow.snapshot(slow.router.state()), seed
            for side in (fast, slow):
                side.clock.advance(pause)
            total += 1
        taken += fast.counting.taken if fast.counting is not None else 0
    # The scenarios exercise the plain route as much as the policy's own.
    assert total * 0.2 < taken < total * 0.9, (taken, total)


def test_async_plain_route_matches_the_policy() -> None:
    async def run(side: Side, calls: list[Any]) -> list[Any]:
        out = []
        for _method, group, kwargs, pause in calls:
            try:
                result = await side.router.complete(group, "hello there", **dict(kwargs))
            except LLMKitError as exc:
                out.append(("error", type(exc).__name__, str(exc), trace_of(exc.route)))  # type: ignore[attr-defined]
            else:
                out.append(("ok", result.text, trace_of(result.route)))
            state = side.router._state
            out.append((dict(state._windows), dict(state._cooldowns), dict(state._inflight)))
            side.clock.advance(pause)
        out.append(side.snapshot(await side.router.state()))
        return out

    taken = 0
    for seed in range(60):
        rng = random.Random(seed)
        cfg = config(rng)
        failure_rate = rng.choice((0.0, 0.1, 0.4))
        calls = _calls(rng, cfg)
        fast = Side(cfg, seed, failure_rate, True, AsyncRouter)
        slow = Side(cfg, seed, failure_rate, False, AsyncRouter)
        assert asyncio.run(run(fast, calls)) == asyncio.run(run(slow, calls)), seed
        taken += fast.counting.taken if fast.counting is not None else 0
    assert taken > 100


def test_the_plain_route_is_taken_only_where_it_holds() -> None:
    plain = Router([{"model_name": "chat", "model": "openai/m", "api_key": "k"}])
    assert plain._plain is not None
    limited = Router([{"model_name": "chat", "model": "openai/m", "api_key": "k", "rpm": 5}])
    assert limited._plain is None
    retried = Router([{"model_name": "chat", "model": "openai/m", "api_key": "k"}], num_retries=2)
    assert retried._plain is None


def _pair(**options: Any) -> tuple[Router, Router]:
    """Two routers over one stub deployment on ticking clocks: the plain route on and off."""
    sides = []
    for plain in (True, False):
        clock = TickingClock()
        model_list = [{"model_name": "chat", "model": "openai/m", "api_key": "k", "timeout": 30.0}]
        router = Router(model_list, clock=clock, seed=3, **options)
        router._clients = dict.fromkeys(router._clients, StubClient(Script(1, clock, 0.0)))
        if not plain:
            router._plain = None
        sides.append(router)
    return sides[0], sides[1]


def test_a_trace_built_when_read_is_the_policys() -> None:
    """The commonest call keeps its trace as a tuple until ``.route`` is read; what is read then
    is the policy's trace to the last field and repr, the same object on every read, and the
    keywords the deployment got are the ones ``_call_kwargs`` makes."""
    fast, slow = _pair()
    for _ in range(3):
        a = fast.complete("chat", "hi")
        b = slow.complete("chat", "hi")
        assert type(a._route) is tuple  # not built yet
        assert a.route == b.route and repr(a.route) == repr(b.route)
        assert a.route is a.route and type(a.route) is RouteTrace
        assert a.route.steps == b.route.steps and a.route.summary() == b.route.summary()
    assert fast._clients["chat#0"].script.log == slow._clients["chat#0"].script.log  # type: ignore[attr-defined]
    replaced = fast.complete("chat", "hi")
    replaced.route = b.route  # a user may set it
    assert replaced.route is b.route


def test_least_busy_picks_and_releases_under_one_lock() -> None:
    """``InMemoryState.least_busy`` is the count, the reads and the reservation of the policy's
    least-busy pick: the same choice, ties to the shuffle's highest key, the same counters."""
    from llmkit.router.state import InMemoryState

    one, other = InMemoryState(), InMemoryState()
    one.add_inflight("b", 2)
    other.add_inflight("b", 2)
    for keys in ([0.1, 0.9, 0.5], [0.9, 0.1, 0.5], [0.5, 0.5, 0.5]):
        best = one.least_busy("calls", 10.0, 12.0, ("a", "b", "c"), keys)
        counts = [other.add_inflight(k, 0) for k in ("a", "b", "c")]
        other.incr_window("calls", 1, 10.0, 12.0)
        expected = min(range(3), key=lambda i: (counts[i], -keys[i], i))
        other.add_inflight(("a", "b", "c")[expected], 1)
        assert best == expected
        assert (one._inflight, one._windows) == (other._inflight, other._windows)
