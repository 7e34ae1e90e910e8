"""The prediction flow on a fake clock (no sockets, no sleeping): the test answers each action
the flow yields, as a driver would. Waiting with Prefer: wait, polling with a doubling backoff,
cancellation when the deadline would pass, and a poll that times out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from llmkit import _retry
from llmkit._retry import Send, Sleep
from llmkit.errors import APIConnectionError, APITimeoutError
from llmkit.operations import ClientOptions, Settings, prepare
from llmkit.operations.base import flow
from llmkit.operations.chat import COMPLETE, ChatParams
from llmkit.wire import HttpResponse

API = "https://api.replicate.com"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def prediction(status: str, pid: str = "p1", output: Any = None) -> HttpResponse:
    body = {
        "id": pid,
        "status": status,
        "output": output,
        "error": None,
        "urls": {
            "get": f"{API}/v1/predictions/{pid}",
            "cancel": f"{API}/v1/predictions/{pid}/cancel",
            "stream": f"https://stream-b.svc.rno2.c.replicate.net/v1/streams/{pid}",
        },
    }
    return HttpResponse(
        201 if status == "starting" else 200, {"content-type": "application/json"}, json.dumps(body).encode()
    )


def prepared(clock: Clock, total: float | None, **opts: Any) -> Any:
    s = Settings(ClientOptions())
    timeout = None if total is None else _retry.Timeout(total=total)
    p = ChatParams(
        "replicate/meta/llama", api_key="r8_test", messages="hi", timeout=timeout, provider_options=dict(opts)
    )
    out = prepare(COMPLETE, s, p)
    out.policy = _retry.RetryPolicy(max_retries=0, clock=clock)
    return out


def drive(clock: Clock, gen: Any, answer: Callable[[Send], HttpResponse]) -> tuple[list[Any], Any]:
    actions: list[Any] = []
    result: Any = None
    try:
        step = next(gen)
        while True:
            actions.append(step)
            if isinstance(step, Sleep):
                clock.now += step.seconds
                step = gen.send(None)
            else:
                try:
                    got = answer(step)
                except APIConnectionError as exc:
                    step = gen.throw(exc)
                    continue
                step = gen.send(got)
    except StopIteration as done:
        result = done.value
    return actions, result


def test_prefer_wait_answer_is_final() -> None:
    clock = Clock()
    p = prepared(clock, 30)
    actions, resp = drive(clock, flow(p, False), lambda s: prediction("succeeded", output=["hi"]))
    assert [type(a) for a in actions] == [Send] and actions[0].request.headers[
        "prefer"
    ] == "wait=29"  # held within the 30 s deadline
    assert json.loads(resp.body)["status"] == "succeeded"


def test_polls_with_doubling_backoff_capped() -> None:
    clock = Clock()
    p = prepared(clock, 120)
    answers = iter(
        [prediction("starting")] + [prediction("processing")] * 6 + [prediction("succeeded", output=["x"])]
    )
    actions, resp = drive(clock, flow(p, False), lambda s: next(answers))
    sleeps = [a.seconds for a in actions if isinstance(a, Sleep)]
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    gets = [a.request for a in actions if isinstance(a, Send)][1:]
    assert all(r.method == "GET" and r.url == f"{API}/v1/predictions/p1" for r in gets)
    assert all(r.headers["authorization"] == "Bearer r8_test" for r in gets)
    assert json.loads(resp.body)["status"] == "succeeded"


def test_poll_interval_option() -> None:
    clock = Clock()
    p = prepared(clock, 60, poll_interval="0.1")
    answers = iter([prediction("starting"), prediction("processing"), prediction("succeeded", output=["x"])])
    actions, _ = drive(clock, flow(p, False), lambda s: next(answers))
    assert [a.seconds for a in actions if isinstance(a, Sleep)] == [0.1, 0.2]


def test_deadline_cancels_then_times_out() -> None:
    clock = Clock()
    p = prepared(clock, 4.0)
    sent: list[str] = []

    def answer(s: Send) -> HttpResponse:
        sent.append(f"{s.request.method} {s.request.url.removeprefix(API)}")
        return prediction("canceled" if s.request.url.endswith("/cancel") else "processing")

    with pytest.raises(APITimeoutError, match=r"prediction p1.*cancelled"):
        drive(clock, flow(p, False), answer)
    # 0.5 + 1 + 2 = 3.5 s of polls; the next 4 s wait would pass the 4 s deadline: cancel instead.
    assert sent == [
        "POST /v1/models/meta/llama/predictions",
        "GET /v1/predictions/p1",
        "GET /v1/predictions/p1",
        "GET /v1/predictions/p1",
        "POST /v1/predictions/p1/cancel",
    ]
    assert clock.now == 1003.5


def test_poll_timeout_cancels() -> None:
    clock = Clock()
    p = prepared(clock, 60)
    sent: list[str] = []

    def answer(s: Send) -> HttpResponse:
        sent.append(s.request.method)
        if s.request.method == "GET":
            raise APITimeoutError("read timed out")
        return prediction("starting" if not s.request.url.endswith("/cancel") else "canceled")

    with pytest.raises(APITimeoutError):
        drive(clock, flow(p, False), answer)
    assert sent == ["POST", "GET", "POST"]


def test_no_deadline_still_bounded() -> None:
    from llmkit.operations._jobs import DEFAULT_JOB_DEADLINE

    clock = Clock()
    p = prepared(clock, None)
    with pytest.raises(APITimeoutError):
        drive(clock, flow(p, False), lambda s: prediction("processing"))
    assert clock.now - 1000.0 <= DEFAULT_JOB_DEADLINE


def test_stream_goes_to_trusted_stream_host() -> None:
    clock = Clock()
    p = prepared(clock, 60)
    gen = flow(p, True)
    first = next(gen)
    assert isinstance(first, Send) and first.stream is False
    second = gen.send(prediction("starting"))
    assert isinstance(second, Send) and second.stream is True
    assert second.request.url == "https://stream-b.svc.rno2.c.replicate.net/v1/streams/p1"
    assert second.request.headers["accept"] == "text/event-stream"
