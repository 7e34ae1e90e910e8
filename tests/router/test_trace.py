"""The decision trace's lazily built steps and the ``.route`` copy of a result."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from llmkit.router._results import with_route
from llmkit.router.trace import RouteStep, RouteTrace
from llmkit.types import Completion, FinishReason, Message, Usage


def test_steps_are_route_steps_before_and_after_the_first_read() -> None:
    trace = RouteTrace("chat", 10.0)
    trace.add("skip", "chat", "a", "cooling down for 3s", 10.5)
    first = trace.steps
    assert first == [RouteStep("skip", "chat", "a", "cooling down for 3s", 0.5, None)]
    trace.add("ok", "chat", "b", "answered", 11.0)  # after a read: appended as a RouteStep
    assert trace.steps is first and all(type(s) is RouteStep for s in trace.steps)
    assert [s.kind for s in trace.steps] == ["skip", "ok"] and trace.considered == ["a", "b"]
    assert trace.summary() == "skip a: cooling down for 3s; ok b: answered"


def test_repr_equality_and_pickle_show_the_steps_whether_read_or_not() -> None:
    unread, read = RouteTrace("chat", 0.0), RouteTrace("chat", 0.0)
    for trace in (unread, read):
        trace.add("fail", "chat", "a", "down", 1.0, "ServerError")
    assert read.steps[0].error == "ServerError"
    assert unread == read
    assert "steps=[RouteStep(kind='fail'" in repr(RouteTrace("chat", 0.0)) + repr(unread)
    assert pickle.loads(pickle.dumps(unread)).steps == read.steps


def test_a_routed_completion_is_a_completion_with_every_field() -> None:
    done = Completion(
        message=Message(role="assistant", content="hi"),
        finish_reason=FinishReason.STOP,
        usage=Usage(1, 2, 3),
        model="m",
        provider="openai",
        id="c1",
        refusal="",
        cached=True,
    )
    trace = RouteTrace("chat", 0.0)
    routed = with_route(done, trace)
    assert isinstance(routed, Completion) and type(routed).__name__ == "Completion"
    assert routed.route is trace  # type: ignore[attr-defined]
    for name in Completion.__dataclass_fields__:
        assert getattr(routed, name) is getattr(done, name), name
    assert routed.text == "hi"


@dataclass(frozen=True, slots=True)
class _Frozen:
    a: int
    b: str = "x"


def test_a_frozen_result_is_copied_through_its_slots() -> None:
    trace = RouteTrace("g", 0.0)
    routed = with_route(_Frozen(1, "y"), trace)
    assert isinstance(routed, _Frozen) and (routed.a, routed.b) == (1, "y")
    assert routed.route is trace  # type: ignore[attr-defined]
