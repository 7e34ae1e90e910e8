"""The drivers and stream loops are written once: stepping a flow is ``advance``, a stream's
restart decision is ``_StreamCore.recover``; the sync and async code keeps only the I/O. And the
sync/async differences are the declared ones: a sync stream is sent at once, an async one when
started; ``proxy=`` means the same on both."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Generator
from typing import Any

import pytest

import llmkit
from llmkit import _drivers
from llmkit._retry import Send, Sleep
from llmkit._stream import AsyncStream, Stream, _StreamCore
from llmkit.emulator import Emulator, Script
from llmkit.errors import APIConnectionError, ConfigurationError, ServerError, StreamInterruptedError
from llmkit.wire import HttpRequest, HttpResponse

REQUEST = HttpRequest("POST", "https://api.example/x", {}, b"{}")
OK = HttpResponse(200, {}, b"{}")


def _flow(log: list[Any]) -> Generator[Any, Any, HttpResponse]:
    try:
        got = yield Send(REQUEST, False, None)  # type: ignore[arg-type]
        log.append(got)
    except ServerError as exc:
        log.append(exc)
        yield Sleep(0.5)
    return OK


def test_advance_steps_a_flow_to_its_response() -> None:
    log: list[Any] = []
    flow = _flow(log)
    first = _drivers.advance(flow, None, None)
    assert type(first) is Send
    assert _drivers.advance(flow, "result", None) is OK
    assert log == ["result"]

    log.clear()
    flow = _flow(log)
    _drivers.advance(flow, None, None)
    err = ServerError("boom")
    assert type(_drivers.advance(flow, None, err)) is Sleep
    assert _drivers.advance(flow, None, None) is OK and log == [err]


@pytest.mark.parametrize("driver", [_drivers.SyncDriver, _drivers.AsyncDriver])
def test_the_drivers_keep_only_the_io(driver: type) -> None:
    """Flow stepping (send/throw/StopIteration) lives in advance() alone."""
    source = inspect.getsource(driver._drive)
    for stepping in ("StopIteration", ".throw(", "flow.send(", "next("):
        assert stepping not in source, f"{driver.__name__}._drive steps the flow itself ({stepping})"
    assert source.count("advance(") == 3


@pytest.mark.parametrize("stream", [Stream, AsyncStream])
def test_the_stream_loops_keep_only_the_io(stream: type) -> None:
    """Whether a broken stream is sent again is _StreamCore.recover's decision, not the loop's."""
    source = inspect.getsource(stream._events)
    for decision in ("can_restart", "retries", "restart()", "interrupted("):
        assert decision not in source, f"{stream.__name__}._events decides ({decision})"
    assert "core.recover(exc)" in source


def _core(retries: int, resend_after_cut: bool = False) -> _StreamCore:
    from llmkit.dialects.base import CallContext
    from llmkit.dialects.openai_chat import DIALECT
    from llmkit.providers import get_spec

    ctx = CallContext(get_spec("openai"), "m", "https://api.openai.test/v1")
    return _StreamCore(
        lambda: DIALECT.stream_decoder(None, ctx),  # type: ignore[arg-type]
        "openai",
        "m",
        None,
        None,
        lambda: 0.0,
        retries=retries,
        resend_after_cut=resend_after_cut,
    )


def test_recover_restarts_only_within_budget_and_before_any_event() -> None:
    before_send = APIConnectionError("cut")
    before_send.before_send = True
    core = _core(retries=1)
    decoder = core.decoder
    core.recover(before_send)  # within budget, nothing yielded: start afresh
    assert core.retries == 0 and core.decoder is not decoder
    with pytest.raises(StreamInterruptedError) as info:
        core.recover(before_send)  # budget spent
    assert info.value.__cause__ is before_send
    # A cut after the request was sent is re-sent only on the caller's opt-in.
    after_send = APIConnectionError("cut")
    with pytest.raises(StreamInterruptedError):
        _core(retries=2).recover(after_send)
    _core(retries=2, resend_after_cut=True).recover(after_send)


def test_a_sync_stream_is_sent_at_once_an_async_one_when_started(emu: Emulator) -> None:
    where = {"api_key": emu.api_key, "base_url": emu.base_url("openai")}
    emu.script(Script(text="sync"), Script(text="async"))
    with llmkit.Client(**where) as client:
        s = client.stream("openai/gpt-4o-mini", "hi")
        assert len(emu.requests) == 1  # sent before stream() returned
        with s:
            assert s.completion.text == "sync"

    async def run() -> str:
        async with llmkit.AsyncClient(**where) as client:
            s = client.stream("openai/gpt-4o-mini", "hi")
            await asyncio.sleep(0)
            assert len(emu.requests) == 1  # not sent yet
            async with s:
                assert len(emu.requests) == 2  # entering it sent it
                return (await s.get_completion()).text

    assert asyncio.run(run()) == "async"


@pytest.mark.parametrize(
    ("proxy", "normalised"),
    [
        ("127.0.0.1:3128", "http://127.0.0.1:3128"),
        ("http://u:p@proxy.internal:8080", "http://u:p@proxy.internal:8080"),
    ],
)
def test_proxy_is_read_the_same_by_both_clients(proxy: str, normalised: str) -> None:
    """One keyword, one check, one policy (issue 9 unified them; end to end through a real proxy,
    sync and async: tests/hardening/test_transport_proxies.py)."""
    sync_client, async_client = llmkit.Client(proxy=proxy), llmkit.AsyncClient(proxy=proxy)
    assert sync_client._settings.proxy == async_client._settings.proxy == normalised
    sync_policy = sync_client._get_transport()._policy
    async_policy = async_client._get_transport()._policy
    assert sync_policy is not None
    for url in ("https://api.openai.com/v1", "http://127.0.0.1:8000/v1"):
        assert sync_policy.for_url(url) == async_policy.for_url(url) == normalised
    sync_client.close()


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "", "http://", "https://[::1"])
def test_a_bad_proxy_is_the_same_error_on_both_clients(proxy: str) -> None:
    messages = []
    for client in (llmkit.Client, llmkit.AsyncClient):
        with pytest.raises(ConfigurationError) as info:
            client(proxy=proxy)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
