"""Redirects are never followed, and a 3xx is never taken for success (complete and stream)."""

from __future__ import annotations

import pickle
from typing import Any

import _transport_servers as ts
import pytest

from llmkit.errors import RedirectError

SECRET = "sig-0123456789abcdef"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def redirecting(status: int, location: str) -> Any:
    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            # A body that would decode as a perfectly good completion: it must not be used.
            ts.respond(sock, status, ts.COMPLETION, {"Location": location})

    return ts.Server(handler)


@pytest.mark.parametrize("status", [300, 301, 302, 303, 307, 308])
@pytest.mark.parametrize("streamed", [False, True])
def test_3xx_is_a_redirect_error_and_is_not_followed(mode: str, status: int, streamed: bool) -> None:
    with redirecting(status, f"http://127.0.0.1:9/elsewhere?token={SECRET}&x=1") as server:
        with pytest.raises(RedirectError) as info:
            if streamed:
                ts.stream(mode, server)
            else:
                ts.complete(mode, server)
    err = info.value
    assert err.status_code == status
    assert err.provider == "openai"
    assert err.location == "http://127.0.0.1:9/elsewhere?***"
    assert len(server.requests) == 1  # neither followed nor retried
    for text in (str(err), repr(err), repr(err.__dict__), repr(pickle.loads(pickle.dumps(err)).__dict__)):
        assert SECRET not in text


def test_redirect_without_location(mode: str) -> None:
    def handler(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        ts.respond(sock, 302, b"")

    with ts.Server(handler) as server:
        with pytest.raises(RedirectError) as info:
            ts.complete(mode, server)
    assert info.value.location is None
    assert "base_url" in str(info.value)


def test_location_userinfo_and_fragment_are_masked(mode: str) -> None:
    with redirecting(307, f"https://user:{SECRET}@example.test/x#frag{SECRET}") as server:
        with pytest.raises(RedirectError) as info:
            ts.complete(mode, server)
    assert SECRET not in str(info.value)
    assert info.value.location is not None and SECRET not in info.value.location
