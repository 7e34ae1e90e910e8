"""Drive the pure routing policy without HTTP: a fake clock and scripted deployment outcomes."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from llmkit.errors import LLMKitError
from llmkit.router.actions import Record
from llmkit.router.config import parse_model_list
from llmkit.router.policy import Attempt, Keys, Plan, RoutePolicy, route_flow
from llmkit.router.state import InMemoryState
from llmkit.router.strategies import normalise_strategy
from llmkit.router.trace import RouteTrace


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_policy(model_list: Sequence[Mapping[str, Any]], seed: int = 7, **kwargs: Any) -> RoutePolicy:
    groups = parse_model_list(model_list)
    ids = [d.id for deps in groups.values() for d in deps]
    if "strategy" in kwargs:
        kwargs["strategy"] = normalise_strategy(kwargs["strategy"])
    return RoutePolicy(groups=groups, keys={i: Keys.of(i) for i in ids}, rng=random.Random(seed), **kwargs)


Outcome = Callable[[Attempt], Any]


def drive(
    policy: RoutePolicy,
    group: str,
    outcome: Outcome,
    clock: FakeClock,
    state: InMemoryState,
    deadline: float | None = None,
    input_tokens: int | None = None,
    attempts: list[Attempt] | None = None,
) -> tuple[Any, RouteTrace]:
    """Run one routed call; ``outcome`` answers each attempt (returns a result or raises)."""
    flow = route_flow(policy, Plan(group, deadline, input_tokens), clock)
    action: Any = next(flow)
    try:
        while True:
            if type(action) is list:  # a Batch of StateOps
                action = flow.send([getattr(state, method)(*args) for method, args in action])
            elif type(action) is Record:  # StateOps whose answers nothing reads
                for method, args in action.ops:
                    getattr(state, method)(*args)
                action = flow.send(None)
            elif type(action) is tuple:  # a StateOp: (method, args)
                method, args = action
                action = flow.send(getattr(state, method)(*args))
            elif isinstance(action, Attempt):
                if attempts is not None:
                    attempts.append(action)
                try:
                    result = outcome(action)
                except LLMKitError as exc:
                    action = flow.throw(exc)
                else:
                    action = flow.send(result)
            else:
                clock.advance(action.seconds)
                action = flow.send(None)
    except StopIteration as done:
        value: tuple[Any, RouteTrace] = done.value
        return value


def ok(action: Attempt) -> str:
    return action.deployment.id
