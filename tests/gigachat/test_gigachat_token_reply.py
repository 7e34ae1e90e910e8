"""``parse_token_reply``: the OAuth answer's shapes (``expires_at`` in ms; the ``{tok, exp}`` the
SDK also accepts there) and every refusal typed, with what to fix and without the token."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llmkit.auth.gigachat import MAX_LIFETIME, parse_token_reply
from llmkit.errors import AuthenticationError
from llmkit.wire import HttpResponse

NOW = 1_768_996_170.0


def _reply(status: int, body: Any) -> HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResponse(status, {"content-type": "application/json"}, raw)


def test_expires_at_is_milliseconds() -> None:
    token, expires = parse_token_reply(
        _reply(200, {"access_token": "tok-1", "expires_at": 1_768_997_970_000}), NOW
    )
    assert (token, expires) == ("tok-1", 1_768_997_970.0)


def test_the_tok_exp_shape_is_read_too() -> None:
    token, expires = parse_token_reply(_reply(200, {"tok": "tok-2", "exp": 1_768_997_970_000}), NOW)
    assert (token, expires) == ("tok-2", 1_768_997_970.0)


def test_an_expiry_in_seconds_and_an_absurd_one() -> None:
    assert parse_token_reply(_reply(200, {"access_token": "t", "expires_at": NOW + 60}), NOW)[1] == NOW + 60
    assert (
        parse_token_reply(_reply(200, {"access_token": "t", "expires_at": 9e15}), NOW)[1]
        == NOW + MAX_LIFETIME
    )


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (401, {"code": 6, "message": "Can't decode 'Authorization' header"}, "GIGACHAT_CREDENTIALS"),
        (400, {"status": 400, "message": "scope is wrong"}, "GIGACHAT_SCOPE"),
        (200, b"<html>gateway</html>", "HTTP 200"),
        (200, {"access_token": "has space", "expires_at": 1}, "access_token"),
        (200, {"access_token": "ok"}, "expires_at"),
        (200, {"access_token": "ok", "expires_at": "soon"}, "expires_at"),
        (503, {"status": 503, "message": "down"}, "down"),
    ],
)
def test_refusals_are_typed(status: int, body: Any, words: str) -> None:
    with pytest.raises(AuthenticationError, match=words):
        parse_token_reply(_reply(status, body), NOW)
