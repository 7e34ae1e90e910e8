"""The retry policy, driven by hand: ``send_flow`` is a generator, we play the transport and the clock."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit._retry import RetryPolicy, Send, Sleep, Timeout, send_flow
from llmkit.auth.base import HeaderAuth, NoAuth
from llmkit.dialects.base import CallContext
from llmkit.dialects.openai_chat import DIALECT
from llmkit.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from llmkit.providers import get_spec
from llmkit.wire import HttpRequest, HttpResponse, dumps

CTX = CallContext(get_spec("openai"), "gpt-4o-mini", "https://api.openai.test/v1")
REQUEST = HttpRequest("POST", "https://api.openai.test/v1/chat/completions", {"x-a": "1"}, b"{}", {})
OK = HttpResponse(200, {"content-type": "application/json"}, b'{"ok": true}')


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def error(status: int, headers: dict[str, str] | None = None, code: str | None = None) -> HttpResponse:
    body = {"error": {"message": f"status {status}", "type": "t", "param": None, "code": code}}
    return HttpResponse(status, {"x-request-id": f"req_{status}", **(headers or {})}, dumps(body))


def to_error(resp: HttpResponse) -> ProviderError:
    return DIALECT.parse_error(resp, CTX)


@dataclass
class Run:
    """What the flow asked for; ``result`` is the final response or the raised exception."""

    sends: list[Send] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    result: Any = None


def drive(
    outcomes: list[Any],
    policy: RetryPolicy | None = None,
    timeout: Timeout | None = None,
    latency: float = 0.0,
    auth: Any = None,
) -> Run:
    """Answer each Send with the next outcome (a response, or an exception to throw into the flow)."""
    policy = policy or RetryPolicy(rng=random.Random(7), clock=FakeClock())
    clock = policy.clock
    flow = send_flow(REQUEST, auth or NoAuth(), policy, timeout or Timeout(), False, to_error)
    run = Run()
    pending = list(outcomes)
    try:
        action = next(flow)
        while True:
            if isinstance(action, Send):
                run.sends.append(action)
                if isinstance(clock, FakeClock):
                    clock.now += latency
                outcome = pending.pop(0)
                action = flow.throw(outcome) if isinstance(outcome, BaseException) else flow.send(outcome)
            elif isinstance(action, Sleep):
                run.sleeps.append(action.seconds)
                if isinstance(clock, FakeClock):
                    clock.now += action.seconds
                action = flow.send(None)
            else:
                raise AssertionError(f"unexpected action {action!r}")
    except StopIteration as done:
        run.result = done.value
    except Exception as exc:
        run.result = exc
    assert not pending, f"{len(pending)} scripted outcomes were never used"
    return run


def expected_backoffs(seed: int, n: int, initial: float = 0.5, cap: float = 8.0) -> list[float]:
    rng = random.Random(seed)
    return [min(initial * 2**i, cap) * (1 - 0.25 * rng.random()) for i in range(n)]


# ---------------------------------------------------------------- Retry-After


def test_retry_after_seconds_is_honoured_exactly() -> None:
    run = drive([error(429, {"retry-after": "2"}), OK])
    assert run.result is OK
    assert run.sleeps == [2.0]
    assert len(run.sends) == 2


def test_retry_after_fractional_seconds() -> None:
    assert drive([error(429, {"retry-after": "1.5"}), OK]).sleeps == [1.5]


def test_retry_after_ms_wins_over_retry_after() -> None:
    run = drive([error(429, {"retry-after-ms": "250", "retry-after": "5"}), OK])
    assert run.sleeps == [pytest.approx(0.25)]


def test_retry_after_http_date_in_the_future() -> None:
    when = formatdate(time.time() + 30, usegmt=True)
    run = drive([error(503, {"retry-after": when}), OK])
    assert run.result is OK
    assert 28.0 <= run.sleeps[0] <= 30.5


@pytest.mark.parametrize("value", ["soon", "-5", "inf", "-inf", "NaN", "", "1e400", "Mon, 99 Foo 2020"])
def test_garbage_retry_after_falls_back_to_jittered_backoff(value: str) -> None:
    run = drive([error(429, {"retry-after": value}), OK])
    assert run.result is OK
    assert len(run.sleeps) == 1
    assert 0.375 <= run.sleeps[0] <= 0.5
    assert run.sleeps == pytest.approx(expected_backoffs(7, 1))


@pytest.mark.parametrize("ms", ["soon", "-5", "NaN", "inf"])
def test_garbage_retry_after_ms_falls_through_to_retry_after(ms: str) -> None:
    assert drive([error(429, {"retry-after-ms": ms, "retry-after": "3"}), OK]).sleeps == [3.0]


def test_retry_after_http_date_in_the_past_uses_backoff() -> None:
    when = formatdate(time.time() - 3600, usegmt=True)
    run = drive([error(503, {"retry-after": when}), OK])
    assert 0.375 <= run.sleeps[0] <= 0.5


def test_retry_after_above_cap_is_not_retried_and_exposes_retry_after() -> None:
    run = drive([error(429, {"retry-after": "3600"})])
    assert isinstance(run.result, RateLimitError)
    assert run.result.retry_after == 3600
    assert run.result.attempts == 1
    assert run.sleeps == []
    assert len(run.sends) == 1


def test_retry_after_at_cap_is_honoured_and_cap_is_configurable() -> None:
    policy = RetryPolicy(rng=random.Random(1), clock=FakeClock(), max_retry_after=10)
    assert drive([error(429, {"retry-after": "10"}), OK], policy).sleeps == [10.0]
    policy = RetryPolicy(rng=random.Random(1), clock=FakeClock(), max_retry_after=10)
    assert isinstance(drive([error(429, {"retry-after": "10.5"})], policy).result, RateLimitError)


# ---------------------------------------------------------------- statuses


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    policy = RetryPolicy(max_retries=7, rng=random.Random(3), clock=FakeClock())
    run = drive([error(500)] * 7 + [OK], policy)
    assert run.result is OK
    assert run.sleeps == pytest.approx(expected_backoffs(3, 7))
    for n, s in enumerate(run.sleeps):
        base = min(0.5 * 2**n, 8.0)
        assert 0.75 * base <= s <= base


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_retryable_status_then_success(status: int) -> None:
    run = drive([error(status), OK])
    assert run.result is OK
    assert len(run.sends) == 2
    assert 0.375 <= run.sleeps[0] <= 0.5


def test_retry_count_header_increments_and_original_request_is_untouched() -> None:
    run = drive([error(500), error(502), OK])
    assert "x-llmkit-retry-count" not in run.sends[0].request.headers
    assert [s.request.headers.get("x-llmkit-retry-count") for s in run.sends] == [None, "1", "2"]
    assert "x-llmkit-retry-count" not in REQUEST.headers
    assert all(s.request.body == REQUEST.body for s in run.sends)


def test_auth_runs_on_every_attempt() -> None:
    run = drive([error(503), OK], auth=HeaderAuth("authorization", "sk-test-retry-key", "Bearer "))
    assert [s.request.headers["authorization"] for s in run.sends] == ["Bearer sk-test-retry-key"] * 2


@pytest.mark.parametrize("max_retries", [0, 1, 2, 4])
def test_5xx_on_every_attempt_gives_exactly_max_retries_plus_one(max_retries: int) -> None:
    policy = RetryPolicy(max_retries=max_retries, rng=random.Random(0), clock=FakeClock())
    run = drive([error(503)] * (max_retries + 1), policy)
    exc = run.result
    assert isinstance(exc, ServerError)
    assert len(run.sends) == max_retries + 1
    assert exc.attempts == max_retries + 1
    assert exc.status_code == 503
    assert exc.request_id == "req_503"
    assert exc.body["error"]["message"] == "status 503"
    assert len(run.sleeps) == max_retries


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (413, BadRequestError),
        (422, BadRequestError),
    ],
)
def test_client_errors_are_not_retried(status: int, cls: type[ProviderError]) -> None:
    run = drive([error(status, code="some_code")])
    assert type(run.result) is cls
    assert run.result.status_code == status
    assert run.result.error_code == "some_code"
    assert run.result.error_type == "t"
    assert run.result.attempts == 1
    assert run.sleeps == []


def test_insufficient_quota_429_is_not_retried() -> None:
    run = drive([error(429, code="insufficient_quota")])
    assert isinstance(run.result, RateLimitError)
    assert run.result.error_code == "insufficient_quota"
    assert len(run.sends) == 1


def test_x_should_retry_true_forces_a_retry_of_a_400() -> None:
    run = drive([error(400, {"x-should-retry": "true"}), OK])
    assert run.result is OK
    assert len(run.sends) == 2


def test_x_should_retry_false_forbids_a_retry_of_a_503() -> None:
    run = drive([error(503, {"x-should-retry": "false"})])
    assert isinstance(run.result, ServerError)
    assert len(run.sends) == 1


def test_x_should_retry_false_on_429_with_retry_after() -> None:
    run = drive([error(429, {"x-should-retry": "false", "retry-after": "1"})])
    assert isinstance(run.result, RateLimitError)
    assert run.result.retry_after == 1.0
    assert run.sleeps == []


# ---------------------------------------------------------------- transport errors


def connect_refused() -> APIConnectionError:
    err = APIConnectionError("could not connect: [Errno 111] Connection refused")
    err.before_send = True
    return err


def read_timeout() -> APITimeoutError:
    return APITimeoutError("timed out waiting for the server: ReadTimeout")


def connect_timeout() -> APITimeoutError:
    err = APITimeoutError("timed out connecting")
    err.before_send = True
    return err


def test_connect_error_is_retried_then_succeeds() -> None:
    run = drive([connect_refused(), OK])
    assert run.result is OK
    assert 0.375 <= run.sleeps[0] <= 0.5


def test_connect_error_every_time_raises_with_attempts() -> None:
    run = drive([connect_refused() for _ in range(3)])
    assert isinstance(run.result, APIConnectionError)
    assert run.result.attempts == 3
    assert len(run.sleeps) == 2


def test_connect_timeout_is_retried() -> None:
    assert drive([connect_timeout(), OK]).result is OK


def test_read_timeout_is_not_retried_by_default() -> None:
    run = drive([read_timeout()])
    assert isinstance(run.result, APITimeoutError)
    assert run.result.attempts == 1
    assert run.sleeps == []


def test_read_timeout_is_retried_when_opted_in() -> None:
    policy = RetryPolicy(retry_read_timeouts=True, rng=random.Random(7), clock=FakeClock())
    run = drive([read_timeout(), OK], policy)
    assert run.result is OK
    assert len(run.sends) == 2


def test_retries_then_give_up_on_a_non_retryable_error() -> None:
    run = drive([error(503), error(401)])
    assert isinstance(run.result, AuthenticationError)
    assert run.result.attempts == 2


# ---------------------------------------------------------------- total deadline


def test_total_deadline_stops_retrying() -> None:
    policy = RetryPolicy(max_retries=10, rng=random.Random(7), clock=FakeClock())
    run = drive([error(500), error(500)], policy, Timeout(total=1.2))
    assert isinstance(run.result, APITimeoutError)
    # one backoff (~0.45 s) fits; the second (~0.9 s more) would pass the deadline, so no sleep is taken
    assert len(run.sleeps) == 1
    assert sum(run.sleeps) < 1.2


def test_total_deadline_shrinks_per_attempt_timeouts() -> None:
    policy = RetryPolicy(rng=random.Random(7), clock=FakeClock())
    run = drive([error(429, {"retry-after": "2"}), OK], policy, Timeout(connect=5, read=600, total=10), 1.0)
    assert run.result is OK
    first, second = (s.timeout for s in run.sends)
    assert first.read == pytest.approx(10) and first.connect == pytest.approx(5)
    # 1 s of latency and 2 s of sleep have gone: 7 s remain
    assert second.read == pytest.approx(7) and second.total == pytest.approx(7)


def test_total_deadline_reached_during_an_attempt() -> None:
    policy = RetryPolicy(rng=random.Random(7), clock=FakeClock())
    run = drive([error(429, {"retry-after": "0"})], policy, Timeout(total=1.0), latency=1.5)
    assert isinstance(run.result, APITimeoutError)
    assert len(run.sends) == 1


def test_timeout_of_a_float_bounds_each_phase_not_the_whole_call() -> None:
    # As in the official SDKs: a long stream that keeps producing is not cut by a bare number.
    t = Timeout.of(3.0)
    assert (t.read, t.total) == (3.0, None)
    assert t.connect is not None and t.connect <= 3.0
    assert Timeout.of(None) == Timeout()
    assert not math.isinf(Timeout().connect or 0)


# ---------------------------------------------------------------- property: never crash, never wait forever

HEADER_VALUES = st.one_of(
    st.sampled_from(
        ["0", "0.5", "2", "59", "61", "3600", "-1", "inf", "nan", "soon", "", "1e9", "Tue, 1 Jan"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=12),
)
OUTCOMES = st.one_of(
    st.builds(
        lambda status, ra, ms: error(
            status, {k: v for k, v in (("retry-after", ra), ("retry-after-ms", ms)) if v is not None}
        ),
        st.sampled_from([400, 408, 409, 429, 500, 503, 529]),
        st.none() | HEADER_VALUES,
        st.none() | HEADER_VALUES,
    ),
    st.just(OK),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(OUTCOMES, min_size=1, max_size=6), st.integers(min_value=0, max_value=4), st.integers(0, 99))
def test_any_sequence_of_answers_is_handled_sanely(
    outcomes: list[HttpResponse], max_retries: int, seed: int
) -> None:
    policy = RetryPolicy(max_retries=max_retries, rng=random.Random(seed), clock=FakeClock())
    flow = send_flow(REQUEST, NoAuth(), policy, Timeout(), False, to_error)
    sends = 0
    sleeps: list[float] = []
    try:
        action = next(flow)
        while sends <= len(outcomes):
            if isinstance(action, Send):
                sends += 1
                if sends > len(outcomes):
                    break  # still retrying when the script ran out: fine while within the budget
                action = flow.send(outcomes[sends - 1])
            else:
                assert isinstance(action, Sleep)
                sleeps.append(action.seconds)
                action = flow.send(None)
    except StopIteration as done:
        assert done.value is OK
    except ProviderError as exc:
        assert exc.attempts == sends
    else:
        flow.close()
    assert sends <= max_retries + 1
    assert len(sleeps) == sends - 1
    for s in sleeps:
        assert math.isfinite(s) and 0 <= s <= max(policy.max_delay, policy.max_retry_after)
