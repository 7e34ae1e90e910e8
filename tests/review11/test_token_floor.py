"""The token manager's floor under every exchange: whatever a scheme's parser let through, a
token that cannot go into a header (empty, huge, with spaces or control characters) or an expiry
that is not a number is an AuthenticationError without the token, waiters get it too, and an
absurd expiry is capped at a day."""

from __future__ import annotations

import math
from typing import Any

import pytest

from llmkit.auth.tokens import MAX_LIFETIME, MAX_TOKEN_CHARS, TokenFlow, TokenManager
from llmkit.errors import AuthenticationError
from llmkit.wire import HttpRequest, HttpResponse

NOW = 1_000_000.0


def _run(manager: TokenManager, token: Any, expires_at: Any) -> str:
    def fetch() -> TokenFlow:
        got = yield HttpRequest("POST", "https://idp.test/token")
        assert isinstance(got, HttpResponse)
        return token, expires_at

    flow = manager.token_flow(fetch)
    next(flow)
    try:
        flow.send(HttpResponse(200, {}, b"{}"))
    except StopIteration as done:
        result: str = done.value
        return result
    raise AssertionError("the flow did not finish")


@pytest.mark.parametrize(
    ("token", "expires_at"),
    [
        ("", NOW + 60),
        (None, NOW + 60),
        ("x" * (MAX_TOKEN_CHARS + 1), NOW + 60),
        ("tok-secret\r\nx-injected: 1", NOW + 60),
        ("tok secret", NOW + 60),
        ("tok-secret", float("nan")),
        ("tok-secret", "soon"),
    ],
)
def test_unusable_tokens_are_refused(token: Any, expires_at: Any) -> None:
    manager = TokenManager("test exchange", clock=lambda: NOW)
    with pytest.raises(AuthenticationError, match="test exchange") as info:
        _run(manager, token, expires_at)
    assert "tok-secret" not in str(info.value) and "xxxx" not in str(info.value)
    # Nothing was cached, and the manager is free for the next caller.
    assert manager.acquire() is None


def test_an_absurd_expiry_is_capped() -> None:
    manager = TokenManager("test exchange", clock=lambda: NOW)
    assert _run(manager, "tok-ok", NOW + 10 * 365 * 86400) == "tok-ok"
    assert manager._expires_at == NOW + MAX_LIFETIME
    # A credential library's "never expires" stays as it is.
    other = TokenManager("lib", clock=lambda: NOW)
    _run(other, "tok-ok", math.inf)
    assert other._expires_at == math.inf


def test_a_past_expiry_serves_this_call_and_is_not_kept() -> None:
    """The suite's contract (tests/hardening/secrets test_odd_expires_in): a token that says it
    has expired is used for the call that got it, and the next call asks again."""
    manager = TokenManager("test exchange", clock=lambda: NOW)
    assert _run(manager, "tok-ok", NOW - 5) == "tok-ok"
    assert manager.acquire() is None
