"""Callbacks over loopback, sync and async: each event once, in order, redacted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import AuthenticationError, ConfigurationError, StreamInterruptedError
from llmkit.observe import BaseObserver, Callbacks, FallbackEvent, emit_fallback
from llmkit.types import TextDelta

MODEL = "openai/gpt-4o-mini"


class Recorder(BaseObserver):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_request(self, event: Any) -> None:
        self.events.append(("request", event))

    def on_response(self, event: Any) -> None:
        self.events.append(("response", event))

    def on_error(self, event: Any) -> None:
        self.events.append(("error", event))

    def on_stream_event(self, event: Any) -> None:
        self.events.append(("stream_event", event))

    def on_retry(self, event: Any) -> None:
        self.events.append(("retry", event))

    def on_fallback(self, event: Any) -> None:
        self.events.append(("fallback", event))

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]


def run(mode: str, emu: Emulator, rec: Any, what: str, **kw: Any) -> Any:
    """One call of ``what`` (complete / stream) through a sync or an async client."""
    opts: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url("openai"), "callbacks": [rec]}
    opts.update(kw.pop("client", {}))
    if mode == "sync":
        with llmkit.Client(**opts) as c:
            if what == "complete":
                return c.complete(MODEL, "hello", **kw)
            with c.stream(MODEL, "hello", **kw) as s:
                return [ev for ev in s], s.completion

    async def go() -> Any:
        async with llmkit.AsyncClient(**opts) as c:
            if what == "complete":
                return await c.complete(MODEL, "hello", **kw)
            async with c.stream(MODEL, "hello", **kw) as s:
                return [ev async for ev in s], s.completion

    return asyncio.run(go())


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
def test_complete_reports_request_then_response(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="hi there", input_tokens=7, output_tokens=3))
    rec = Recorder()
    done = run(mode, emu, rec, "complete", temperature=0.2)
    assert rec.kinds() == ["request", "response"]
    req, resp = rec.events[0][1], rec.events[1][1]
    assert req.call is resp.call and req.call.operation == "chat" and req.call.provider == "openai"
    assert req.call.model == "gpt-4o-mini" and not req.call.stream
    assert req.method == "POST" and req.body["messages"][0]["content"] == "hello"
    assert req.options == {"temperature": 0.2}
    assert resp.result is done and resp.result.usage.input_tokens == 7 and resp.duration_s > 0


@MODES
def test_request_event_is_redacted(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok"))
    rec = Recorder()
    run(mode, emu, rec, "complete", client={"headers": {"x-gateway": f"k {CANARY_KEY}"}})
    req = rec.events[0][1]
    # The credential is the auth's, added as the request goes out: never in the event.
    assert req.headers.get("authorization", "***") == "***"
    assert CANARY_KEY not in repr(rec.events)
    assert CANARY_KEY not in repr(req.headers) and "***" in req.headers["x-gateway"]


@MODES
def test_retry_then_success(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "slow", headers={"retry-after": "0.01"})), Script(text="ok"))
    rec = Recorder()
    run(mode, emu, rec, "complete")
    assert rec.kinds() == ["request", "retry", "response"]
    retry = rec.events[1][1]
    assert retry.attempt == 2 and retry.reason == "HTTP 429" and retry.delay_s == pytest.approx(0.01)
    assert retry.call is rec.events[0][1].call and retry.source == "client"


@MODES
def test_error_reported_once_with_the_typed_error(mode: str, emu: Emulator) -> None:
    rec = Recorder()
    with pytest.raises(AuthenticationError) as caught:
        run(mode, emu, rec, "complete", client={"api_key": "sk-wrong-key-000000"})
    assert rec.kinds() == ["request", "error"]
    assert rec.events[1][1].error is caught.value
    assert "sk-wrong-key-000000" not in repr(rec.events)


@MODES
def test_stream_reports_each_event_then_the_completion(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three"))
    rec = Recorder()
    events, completion = run(mode, emu, rec, "stream")
    kinds = rec.kinds()
    assert kinds[0] == "request" and kinds[-1] == "response"
    seen = [e.event for k, e in rec.events if k == "stream_event"]
    assert seen == events
    assert [e.index for k, e in rec.events if k == "stream_event"] == list(range(len(events)))
    resp = rec.events[-1][1]
    assert resp.result is completion and resp.call.stream
    assert resp.time_to_first_event_s is not None and 0 < resp.time_to_first_event_s <= resp.duration_s
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two three"


@MODES
def test_stream_send_failure_is_one_error(mode: str, emu: Emulator) -> None:
    rec = Recorder()
    with pytest.raises(AuthenticationError):
        run(mode, emu, rec, "stream", client={"api_key": "sk-wrong-key-000000"})
    assert rec.kinds() == ["request", "error"]


@MODES
def test_stream_cut_midway_is_an_error_after_the_events_that_arrived(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="a b c d e f", fault="cut", after=2))
    rec = Recorder()
    with pytest.raises(StreamInterruptedError):
        run(mode, emu, rec, "stream")
    kinds = rec.kinds()
    assert kinds[0] == "request" and kinds[-1] == "error" and "response" not in kinds


@MODES
def test_embed_is_observed(mode: str, emu: Emulator) -> None:
    rec = Recorder()
    opts: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url("openai"), "callbacks": rec}
    if mode == "sync":
        out = llmkit.Client(**opts).embed("openai/text-embedding-3-small", ["a", "b"])
    else:
        out = asyncio.run(llmkit.AsyncClient(**opts).embed("openai/text-embedding-3-small", ["a", "b"]))
    assert rec.kinds() == ["request", "response"] and rec.events[1][1].result is out
    assert rec.events[0][1].call.operation == "embed"


def test_callbacks_of_plain_functions_and_a_failing_observer(emu: Emulator) -> None:
    seen: list[Any] = []

    def boom(event: Any) -> None:
        raise RuntimeError("observer bug")

    emu.script(Script(text="ok"))
    client = llmkit.Client(
        api_key=emu.api_key,
        base_url=emu.base_url("openai"),
        callbacks=[Callbacks(on_request=boom), Callbacks(on_response=seen.append)],
    )
    # An observer that raises is logged, and neither the call nor the other observers suffer.
    assert client.complete(MODEL, "hello").text == "ok"
    assert len(seen) == 1


def test_callbacks_that_are_not_observers_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="lacks on_request"):
        llmkit.Client(callbacks=[print])


def test_emit_fallback_for_the_router() -> None:
    rec = Recorder()
    event = FallbackEvent("chat", "openai/gpt-4o-mini#0", "backup", "anthropic/claude#0", "error")
    emit_fallback([rec], event)
    assert rec.events == [("fallback", event)]


def test_no_observers_no_watch(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    # A client without callbacks never builds an event.
    import llmkit._observed as observed

    def refuse(*a: Any, **k: Any) -> Any:
        raise AssertionError("watched without observers")

    monkeypatch.setattr(observed.Watch, "begin", refuse)
    emu.script(Script(text="ok"))
    client = llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("openai"))
    assert client.complete(MODEL, "x").text == "ok"
