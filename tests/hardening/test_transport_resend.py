"""A request that reached the server and lost its answer is not re-sent unless the caller opts in."""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

import _transport_servers as ts
import pytest

from llmkit._retry import RetryPolicy, Timeout
from llmkit.errors import APIConnectionError, APITimeoutError


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, retries_taken: 0.001)


def reset(sock: socket.socket) -> None:
    # SO_LINGER 0: close() sends RST instead of FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


HOW = {
    "close": lambda sock: None,
    "reset": reset,
    "headers-then-close": lambda sock: sock.sendall(ts.head(200, {"Content-Length": "100"}) + b'{"id"'),
}


def cutting(how: str, then_answer: bool = False) -> Any:
    """Reads each request in full, then loses the answer (the first time only if then_answer)."""

    def handler(server: Any, sock: Any, f: Any) -> None:
        while server.read(f) is not None:
            if then_answer and len(server.requests) > 1:
                ts.respond(sock, 200, ts.COMPLETION)
                continue
            HOW[how](sock)
            return

    return ts.Server(handler)


@pytest.mark.parametrize("how", list(HOW))
def test_cut_after_the_request_was_sent_is_not_resent(mode: str, how: str) -> None:
    with cutting(how) as server:
        with pytest.raises(APIConnectionError) as info:
            ts.complete(mode, server, max_retries=2)
    assert len(server.requests) == 1
    assert not info.value.before_send
    assert info.value.attempts == 1


@pytest.mark.parametrize("how", list(HOW))
@pytest.mark.parametrize("flag", ["retry_sent_requests", "retry_read_timeouts"])
def test_cut_is_resent_when_opted_in(mode: str, how: str, flag: str) -> None:
    with cutting(how, then_answer=True) as server:
        assert ts.complete(mode, server, max_retries=2, **{flag: True}).text == "hello"
    assert len(server.requests) == 2


def test_opt_in_still_stops_at_max_retries(mode: str) -> None:
    with cutting("close") as server:
        with pytest.raises(APIConnectionError) as info:
            ts.complete(mode, server, max_retries=2, retry_sent_requests=True)
    assert len(server.requests) == 3
    assert info.value.attempts == 3


def test_retry_sent_requests_false_wins_over_the_old_name(mode: str) -> None:
    with cutting("close") as server:
        with pytest.raises(APIConnectionError):
            ts.complete(mode, server, retry_read_timeouts=True, retry_sent_requests=False)
    assert len(server.requests) == 1


def test_connect_refused_is_still_retried(mode: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead: Any = type("Dead", (), {"url": f"http://127.0.0.1:{port}/v1"})()
    with pytest.raises(APIConnectionError) as info:
        ts.complete(mode, dead, max_retries=2)
    assert info.value.before_send
    assert info.value.attempts == 3


@pytest.mark.parametrize("timeout", [1e-9, 1e-4, Timeout(connect=1.0, read=1e-9)])
def test_tiny_timeout_is_a_prompt_timeout_on_both_sides(mode: str, timeout: Any) -> None:
    # timeout=0 itself is refused before any network (tests/hardening/test_typed_arguments.py).
    def silent(server: Any, sock: Any, f: Any) -> None:
        server.read(f)
        time.sleep(3)  # far longer than any timeout here; a hang would show as a failure

    with ts.Server(silent) as server:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            ts.complete(mode, server, timeout=timeout, max_retries=0)
    assert time.monotonic() - started < 2.5
