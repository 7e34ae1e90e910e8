"""The pure routing policy on a fake clock: balancing, failover, cooldown, budget, deadline."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from tests.router._drive import FakeClock, drive, make_policy, ok

from llmkit.errors import (
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentFilteredError,
    ContextWindowExceededError,
    RateLimitError,
    ServerError,
)
from llmkit.router.errors import NoDeploymentAvailableError
from llmkit.router.policy import Attempt, RetryBudget
from llmkit.router.state import InMemoryState

N = 10_000


def deps(group: str, *specs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"model_name": group, "model": f"openai/m{i}", "id": f"{group}{i}", **s} for i, s in enumerate(specs)
    ]


def test_weighted_shuffle_proportions_over_10000_picks() -> None:
    policy = make_policy(deps("chat", {"weight": 1}, {"weight": 3}, {"weight": 6}))
    clock, state = FakeClock(), InMemoryState()
    picks = Counter(drive(policy, "chat", ok, clock, state)[0] for _ in range(N))
    for dep, share in (("chat0", 0.1), ("chat1", 0.3), ("chat2", 0.6)):
        assert abs(picks[dep] / N - share) < 0.02, picks


def test_rpm_limits_cap_each_deployment_and_spill_over() -> None:
    policy = make_policy(deps("chat", {"rpm": 10}, {"rpm": 5}))
    clock, state = FakeClock(), InMemoryState()
    picks = Counter(drive(policy, "chat", ok, clock, state)[0] for _ in range(15))
    assert picks == {"chat0": 10, "chat1": 5}
    with pytest.raises(NoDeploymentAvailableError) as info:
        drive(policy, "chat", ok, clock, state)
    assert "rpm limit" in info.value.route.summary()  # type: ignore[attr-defined]
    clock.advance(60)
    assert drive(policy, "chat", ok, clock, state)[0] in ("chat0", "chat1")


def test_least_busy_picks_the_idle_deployment() -> None:
    policy = make_policy(deps("chat", {}, {}, {}), strategy="least-busy")
    clock, state = FakeClock(), InMemoryState()
    state.add_inflight("busy:chat0", 3)
    state.add_inflight("busy:chat2", 1)
    assert {drive(policy, "chat", ok, clock, state)[0] for _ in range(50)} == {"chat1"}
    assert state.add_inflight("busy:chat1", 0) == 0  # released after each call


def test_lowest_latency_follows_the_ewma() -> None:
    policy = make_policy(deps("chat", {}, {}), strategy="latency-based-routing")
    clock, state = FakeClock(), InMemoryState()
    slow = {"chat0": 2.0, "chat1": 0.1}

    def timed(action: Attempt) -> str:
        clock.advance(slow[action.deployment.id])
        return action.deployment.id

    # Both are measured first (unmeasured counts as 0), then the fast one takes the traffic.
    picks = Counter(drive(policy, "chat", timed, clock, state)[0] for _ in range(100))
    assert picks["chat1"] >= 98
    assert state.ewma("latency:chat0", None, 0.3) == pytest.approx(2.0)


def test_usage_based_prefers_headroom() -> None:
    policy = make_policy(deps("chat", {"rpm": 100}, {"rpm": 100}), strategy="usage-based-routing")
    clock, state = FakeClock(), InMemoryState()
    state.incr_window("rpm:chat0", 50, 60.0, clock())
    picks = Counter(drive(policy, "chat", ok, clock, state)[0] for _ in range(60))
    # chat1 takes calls until it is as used as chat0, then they alternate.
    assert picks["chat1"] >= 50 and picks["chat0"] >= 4


def test_cost_based_takes_the_cheapest_and_falls_back_to_the_next() -> None:
    policy = make_policy(
        deps("chat", {"cost": 3.0}, {"cost": 1.0}, {"cost": 2.0}), strategy="cost-based-routing"
    )
    clock, state = FakeClock(), InMemoryState()
    assert {drive(policy, "chat", ok, clock, state)[0] for _ in range(20)} == {"chat1"}

    def cheap_fails(action: Attempt) -> str:
        if action.deployment.id == "chat1":
            raise ServerError("down", status_code=500)
        return action.deployment.id

    result, trace = drive(policy, "chat", cheap_fails, clock, state)
    assert result == "chat2" and trace.considered == ["chat1", "chat2"]


def test_failover_order_within_the_group_then_fallback_groups() -> None:
    model_list = deps("chat", {"cost": 1}, {"cost": 2}) + deps("backup", {}) + deps("last", {})
    policy = make_policy(model_list, strategy="cost-based-routing", fallbacks={"chat": ["backup", "last"]})
    clock, state = FakeClock(), InMemoryState()
    seen: list[Attempt] = []

    def only_last(action: Attempt) -> str:
        if action.deployment.group != "last":
            raise ServerError("down", status_code=503)
        return action.deployment.id

    result, trace = drive(policy, "chat", only_last, clock, state, attempts=seen)
    assert result == "last0"
    assert [a.deployment.id for a in seen] == ["chat0", "chat1", "backup0", "last0"]
    assert trace.fallbacks == 3
    assert [s.kind for s in trace.steps if s.kind in ("fallback", "ok")] == ["fallback", "fallback", "ok"]


def test_a_bad_request_is_not_retried_elsewhere() -> None:
    policy = make_policy(deps("chat", {}, {}))
    seen: list[Attempt] = []

    def bad(action: Attempt) -> str:
        raise BadRequestError("bad field", status_code=400)

    with pytest.raises(BadRequestError) as info:
        drive(policy, "chat", bad, FakeClock(), InMemoryState(), attempts=seen)
    assert len(seen) == 1 and info.value.route.steps[-1].kind == "fail"  # type: ignore[attr-defined]


def test_context_window_fallback_skips_small_windows_and_jumps_on_overflow() -> None:
    model_list = deps("chat", {"max_input_tokens": 8000}) + deps(
        "big", {"max_input_tokens": 8000}, {"max_input_tokens": 200000}
    )
    policy = make_policy(model_list, context_window_fallbacks={"chat": ["big"]})
    clock, state = FakeClock(), InMemoryState()
    seen: list[Attempt] = []
    # A prompt known to be too big: every deployment whose window is too small is skipped.
    result, trace = drive(policy, "big", ok, clock, state, input_tokens=50_000, attempts=seen)
    assert result == "big1" and any("window of 8000" in s.reason for s in trace.steps)

    def overflow(action: Attempt) -> str:
        if action.deployment.id == "chat0":
            raise ContextWindowExceededError("too long", status_code=400)
        return action.deployment.id

    result, trace = drive(policy, "chat", overflow, clock, state)
    assert result in ("big0", "big1")
    assert any(s.kind == "fallback" and "ContextWindowExceededError" in s.reason for s in trace.steps)


def test_content_policy_fallback_only_when_configured() -> None:
    model_list = deps("chat", {}) + deps("lenient", {})

    def refuse(action: Attempt) -> str:
        if action.deployment.group == "chat":
            raise ContentFilteredError("refused", status_code=400)
        return action.deployment.id

    with pytest.raises(ContentFilteredError):
        drive(make_policy(model_list), "chat", refuse, FakeClock(), InMemoryState())
    policy = make_policy(model_list, content_policy_fallbacks={"chat": ["lenient"]})
    assert drive(policy, "chat", refuse, FakeClock(), InMemoryState())[0] == "lenient0"


def test_cooldown_after_n_failures_then_half_open_probe_and_recovery() -> None:
    policy = make_policy(deps("chat", {"weight": 1000}, {"weight": 1}), allowed_fails=2, cooldown_s=30.0)
    clock, state = FakeClock(), InMemoryState()
    healthy = {"chat0": False}

    def flaky(action: Attempt) -> str:
        if action.deployment.id == "chat0" and not healthy["chat0"]:
            raise ServerError("down", status_code=500)
        return action.deployment.id

    # Three failures (allowed_fails=2) trip chat0; chat1 answers each call meanwhile.
    for _ in range(3):
        assert drive(policy, "chat", flaky, clock, state)[0] == "chat1"
    assert state.cooldown_until("health:chat0", clock()) == pytest.approx(clock() + 30.0)
    _, trace = drive(policy, "chat", flaky, clock, state)
    assert trace.steps[0].kind == "skip" and "cooling down" in trace.steps[0].reason
    # After the cooldown one probe goes to chat0; it fails, so chat0 cools down again at once.
    clock.advance(31)
    _, trace = drive(policy, "chat", flaky, clock, state)
    assert any("half-open probe failed" in s.reason for s in trace.steps)
    # Recovered: the next probe succeeds and closes the breaker.
    clock.advance(31)
    healthy["chat0"] = True
    result, trace = drive(policy, "chat", flaky, clock, state)
    assert result == "chat0" and "probe succeeded" in trace.steps[-1].reason
    assert state.cooldown_until("tripped:chat0", clock()) is None


def test_half_open_lets_one_probe_through_at_a_time() -> None:
    policy = make_policy(deps("chat", {"weight": 1000}, {"weight": 1}), cooldown_s=10.0)
    clock, state = FakeClock(), InMemoryState()
    state.set_cooldown("tripped:chat0", clock() + 100)  # open earlier, cooldown already over
    assert state.try_acquire("probe:chat0", 1, 10.0, clock())  # another call is probing
    result, trace = drive(policy, "chat", ok, clock, state)
    assert result == "chat1" and "another call is probing" in trace.steps[0].reason


def test_retry_after_becomes_the_deployments_cooldown() -> None:
    policy = make_policy(deps("chat", {"weight": 1000}, {"weight": 1}), allowed_fails=100)
    clock, state = FakeClock(), InMemoryState()

    def limited(action: Attempt) -> str:
        if action.deployment.id == "chat0":
            raise RateLimitError("slow down", status_code=429, retry_after=12.0)
        return action.deployment.id

    assert drive(policy, "chat", limited, clock, state)[0] == "chat1"
    assert state.cooldown_until("health:chat0", clock()) == pytest.approx(clock() + 12.0)
    clock.advance(11.9)
    assert drive(policy, "chat", ok, clock, state)[0] == "chat1"
    clock.advance(0.2)
    assert drive(policy, "chat", ok, clock, state)[0] == "chat0"


def test_per_error_retry_policy_waits_and_retries_the_same_deployment() -> None:
    policy = make_policy(deps("chat", {}), retry_policy={"ServerError": 2, "AuthenticationError": 0})
    clock, state = FakeClock(), InMemoryState()
    calls = {"n": 0}

    def twice(action: Attempt) -> str:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise ServerError("down", status_code=502)
        return action.deployment.id

    start = clock()
    result, trace = drive(policy, "chat", twice, clock, state)
    assert result == "chat0" and trace.retries == 2 and clock() - start >= 0.5 + 0.75
    with pytest.raises(AuthenticationError):
        drive(
            policy,
            "chat",
            lambda a: (_ for _ in ()).throw(AuthenticationError("bad key", status_code=401)),
            clock,
            state,
        )


def test_the_budget_caps_retries_in_a_429_storm() -> None:
    # 20 deployments all answering 429: without a budget each call would try all 20.
    policy = make_policy(
        deps("chat", *({} for _ in range(20))),
        allowed_fails=10**6,
        budget=RetryBudget(ratio=0.2, min_retries=5),
    )
    clock, state = FakeClock(), InMemoryState()
    sent = {"n": 0}

    def storm(action: Attempt) -> str:
        sent["n"] += 1
        raise RateLimitError("busy", status_code=429)

    for _ in range(100):
        with pytest.raises(RateLimitError):
            drive(policy, "chat", storm, clock, state)
    # 100 first attempts plus at most max(5, 0.2 * 100) retries in the window.
    assert sent["n"] == 100 + 20
    # Once the budget is spent a call stops at its first failure, and the trace says why.
    with pytest.raises(RateLimitError) as info:
        drive(policy, "chat", storm, clock, state)
    assert info.value.route.steps[-1].kind == "budget"  # type: ignore[attr-defined]


def test_client_retries_are_granted_from_the_same_budget() -> None:
    policy = make_policy(deps("chat", {}, {}), num_retries=3, budget=RetryBudget(ratio=0.0, min_retries=4))
    clock, state = FakeClock(), InMemoryState()
    grants: list[Attempt] = []

    def fails_after_client_retries(action: Attempt) -> str:
        exc = ServerError("down", status_code=500)
        exc.attempts = action.max_retries + 1  # the client used every retry it was granted
        raise exc

    with pytest.raises(ServerError):
        drive(policy, "chat", fails_after_client_retries, clock, state, attempts=grants)
    # 3 client retries on the first, then the fallback costs 1: nothing left for the second client.
    assert [a.max_retries for a in grants] == [3, 0]
    assert state.get_window("budget:retries", 10.0, clock()) == 4


def test_the_deadline_holds_across_fallbacks() -> None:
    policy = make_policy(deps("chat", {}, {}, {}), strategy="cost-based-routing")
    clock, state = FakeClock(), InMemoryState()
    seen: list[Attempt] = []

    def slow_failure(action: Attempt) -> str:
        clock.advance(4.0)
        raise ServerError("down", status_code=500)

    with pytest.raises(APITimeoutError) as info:
        drive(policy, "chat", slow_failure, clock, state, deadline=clock() + 10.0, attempts=seen)
    assert len(seen) == 3
    assert [a.timeout for a in seen] == [pytest.approx(10.0), pytest.approx(6.0), pytest.approx(2.0)]
    assert info.value.route.steps[-1].kind == "deadline"  # type: ignore[attr-defined]
    assert isinstance(info.value.__cause__, ServerError)


def test_everything_cooling_down_says_when_to_come_back() -> None:
    policy = make_policy(deps("chat", {}))
    clock, state = FakeClock(), InMemoryState()
    state.set_cooldown("health:chat0", clock() + 7.0)
    state.set_cooldown("tripped:chat0", clock() + 300.0)  # set with every cooldown
    with pytest.raises(NoDeploymentAvailableError) as info:
        drive(policy, "chat", ok, clock, state)
    assert info.value.retry_after == pytest.approx(7.0)
    assert isinstance(info.value, RateLimitError)


def test_unknown_group_is_a_configuration_error() -> None:
    from llmkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown model group 'nope'"):
        drive(make_policy(deps("chat", {})), "nope", ok, FakeClock(), InMemoryState())
