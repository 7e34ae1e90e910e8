"""The token manager, sans-I/O, on a fake clock: cache, margin, single flight, failure, abandonment."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from llmkit.auth.base import Blocking, Join
from llmkit.auth.tokens import REFRESH_MARGIN, TokenFlow, TokenManager, shared_manager
from llmkit.errors import APIConnectionError, AuthenticationError
from llmkit.wire import HttpRequest

SECRET = "ya29.secret-token-value-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def fetch() -> TokenFlow:
    """A refresh that asks for one token request; the test answers with (token, lifetime)."""
    token, lifetime = yield HttpRequest("POST", "https://oauth.example/token")
    assert isinstance(token, str)
    return token, CLOCK.now + lifetime


CLOCK = Clock()


@pytest.fixture
def manager() -> TokenManager:
    CLOCK.now = 1_700_000_000.0
    return TokenManager("test exchange", CLOCK)


def finish(flow: Generator[Any, Any, str], answer: Any) -> str:
    with pytest.raises(StopIteration) as done:
        flow.send(answer)
    token: str = done.value.value
    return token


def quick(manager: TokenManager) -> Any:
    """What a caller meets first: the token itself (StopIteration) or the action it yields."""
    flow = manager.token_flow(fetch)
    try:
        return flow, next(flow)
    except StopIteration as done:
        return None, done.value


def test_first_caller_claims_then_the_token_is_cached_until_the_margin(manager: TokenManager) -> None:
    flow, action = quick(manager)
    assert isinstance(action, HttpRequest)
    assert finish(flow, ("tok-1", 3600)) == "tok-1"
    CLOCK.now += 3600 - REFRESH_MARGIN - 1
    assert quick(manager) == (None, "tok-1")  # fresh: no I/O
    CLOCK.now += 2  # inside the margin: this caller refreshes
    flow, action = quick(manager)
    assert isinstance(action, HttpRequest)
    assert finish(flow, ("tok-2", 3600)) == "tok-2"


def test_due_token_is_used_by_others_while_one_refreshes(manager: TokenManager) -> None:
    flow, _ = quick(manager)
    finish(flow, ("old", 3600))
    CLOCK.now += 3600 - REFRESH_MARGIN + 10  # due, not expired
    owner, action = quick(manager)
    assert isinstance(action, HttpRequest)
    assert quick(manager) == (None, "old")  # no wait: the old token still works
    assert manager.waiting == 0
    assert finish(owner, ("new", 3600)) == "new"


def test_expired_token_callers_join_the_one_refresh(manager: TokenManager) -> None:
    flow, _ = quick(manager)
    finish(flow, ("old", 3600))
    CLOCK.now += 3601  # expired
    owner, action = quick(manager)
    assert isinstance(action, HttpRequest)
    waiters = [quick(manager) for _ in range(49)]
    assert all(isinstance(a, Join) for _, a in waiters)
    assert manager.waiting == 49
    futures = {id(a.future) for _, a in waiters}
    assert len(futures) == 1  # one refresh, one future
    assert finish(owner, ("new", 3600)) == "new"
    for w, join in waiters:
        assert finish(w, join.future.result(0)) == "new"
    assert manager.waiting == 0


def test_a_failed_refresh_wakes_waiters_with_a_typed_copy_then_the_next_claims(manager: TokenManager) -> None:
    owner, _ = quick(manager)
    waiters = [quick(manager) for _ in range(3)]
    refused = AuthenticationError("Google token exchange failed: invalid_grant", status_code=400)
    with pytest.raises(AuthenticationError) as raised:
        owner.throw(refused)
    assert raised.value is refused
    errors = []
    for w, join in waiters:
        with pytest.raises(AuthenticationError, match="invalid_grant") as got:
            w.send(join.future.result(0))
        errors.append(got.value)
    assert all(e is not refused and e.status_code == 400 for e in errors)
    assert len({id(e) for e in errors}) == 3  # each waiter raises its own object
    flow, action = quick(manager)  # nothing stuck: the next caller claims a new attempt
    assert isinstance(action, HttpRequest)
    assert finish(flow, ("tok", 3600)) == "tok"


def test_an_abandoned_refresh_wakes_waiters_retryably(manager: TokenManager) -> None:
    owner, _ = quick(manager)
    w, join = quick(manager)
    owner.close()  # the owner's task was cancelled, its flow dropped
    with pytest.raises(APIConnectionError, match="did not finish") as got:
        w.send(join.future.result(0))
    assert got.value.before_send  # the waiter's own retry loop may repeat it
    assert isinstance(quick(manager)[1], HttpRequest)


def test_a_blocking_refresh_is_managed_the_same(manager: TokenManager) -> None:
    def library() -> TokenFlow:
        got: tuple[str, float] = yield Blocking(lambda: ("lib", CLOCK.now + 3600))
        return got

    flow = manager.token_flow(library)
    action = next(flow)
    assert isinstance(action, Blocking)
    waiter = manager.token_flow(library)
    join = next(waiter)
    assert isinstance(join, Join)
    assert finish(flow, action.fn()) == "lib"
    assert finish(waiter, join.future.result(0)) == "lib"


def test_invalidate_forgets_only_that_token(manager: TokenManager) -> None:
    flow, _ = quick(manager)
    finish(flow, ("tok", 3600))
    manager.invalidate("other")
    assert quick(manager) == (None, "tok")
    manager.invalidate("tok")
    assert isinstance(quick(manager)[1], HttpRequest)


def test_nothing_secret_in_repr(manager: TokenManager) -> None:
    flow, _ = quick(manager)
    finish(flow, (SECRET, 3600))
    assert SECRET not in repr(manager)
    CLOCK.now += 3601
    owner, _ = quick(manager)
    _, join = quick(manager)
    assert SECRET not in repr(manager) and "refreshing=True" in repr(manager)
    finish(owner, (SECRET, 3600))
    assert SECRET not in repr(join.future.result(0))


def test_shared_manager_is_one_per_object_and_key() -> None:
    a, b = object(), object()
    assert shared_manager(a, "x", "scope") is shared_manager(a, "x", "scope")
    assert shared_manager(a, "x", "scope") is not shared_manager(a, "x", "other")
    assert shared_manager(a, "x") is not shared_manager(b, "x")
