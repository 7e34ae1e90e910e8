"""Review of ``Timeout(total=...)``: the deadline ran from the retry flow's first step, which the
drivers take only after building the client's connection pool, so a client's first call (about
0.1 s of pool and TLS-context setup here; more on a loaded machine) overran the total by that much.
The deadline now runs from the moment the call's flow is made. Checked on the sans-I/O flow with
a fake clock, and end to end with a server that never answers and a slow first pool."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import _transport_servers as ts  # tests/hardening/conftest.py: on sys.path
import pytest

import llmkit
from llmkit._retry import RetryPolicy, Send, Timeout, send_flow
from llmkit.auth.base import NoAuth
from llmkit.errors import APITimeoutError, ProviderError
from llmkit.wire import HttpRequest


def test_the_deadline_runs_from_when_the_flow_is_made() -> None:
    now = [100.0]
    policy = RetryPolicy(clock=lambda: now[0])
    flow = send_flow(
        HttpRequest("POST", "https://api.example/x", {}, b"{}"),
        NoAuth(),
        policy,
        Timeout(total=10.0),
        False,
        lambda r: ProviderError("x"),
    )
    now[0] += 4.0  # the driver builds its pool before taking the first step
    action = next(flow)
    assert isinstance(action, Send)
    assert action.timeout.total == pytest.approx(6.0)
    assert action.timeout.read is not None and action.timeout.read <= 6.0


def never(server: Any, sock: Any, f: Any) -> None:
    server.read(f)
    time.sleep(5)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_slow_first_pool_counts_against_the_total(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmkit.transport import async_http, sync_http

    cls = sync_http.SyncTransport if mode == "sync" else async_http.AsyncTransport
    original = cls.__init__

    def slow_init(self: Any, *args: Any, **kwargs: Any) -> None:
        time.sleep(0.6)
        original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__init__", slow_init)
    with ts.Server(never) as server:
        kw: dict[str, Any] = {"api_key": ts.KEY, "base_url": server.url, "timeout": Timeout(total=1.0)}
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            if mode == "sync":
                with llmkit.Client() as c:
                    c.complete(ts.MODEL, "hi", **kw)
            else:

                async def go() -> None:
                    async with llmkit.AsyncClient() as c:
                        await c.complete(ts.MODEL, "hi", **kw)

                asyncio.run(go())
        elapsed = time.monotonic() - started
    assert elapsed < 1.0 + 0.3, f"a 1 s total took {elapsed:.2f} s"
