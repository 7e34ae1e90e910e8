"""A client with both observers and a response cache: a stream (or a completion) goes through
the cache, and the observers are told of every call, a hit marked ``cache_hit`` with its
replayed events, sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.observe.test_callbacks import MODEL, Recorder

import llmkit
from llmkit.cache import MemoryCache
from llmkit.emulator import Emulator, Script
from llmkit.errors import StreamInterruptedError
from llmkit.types import Completion

MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def streamed(
    mode: str, emu: Emulator, rec: Recorder, cache: MemoryCache
) -> tuple[list[Any], Completion, bool]:
    opts: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url("openai"), "callbacks": [rec]}
    if mode == "sync":
        with llmkit.Client(cache=cache, **opts) as c, c.stream(MODEL, "hello") as s:
            return list(s), s.completion, s.cached

    async def go() -> tuple[list[Any], Completion, bool]:
        async with llmkit.AsyncClient(cache=cache, **opts) as c, c.stream(MODEL, "hello") as s:
            return [ev async for ev in s], s.completion, s.cached

    return asyncio.run(go())


def completed(mode: str, emu: Emulator, rec: Recorder, cache: MemoryCache) -> Completion:
    opts: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url("openai"), "callbacks": [rec]}
    if mode == "sync":
        with llmkit.Client(cache=cache, **opts) as c:
            return c.complete(MODEL, "hello")

    async def go() -> Completion:
        async with llmkit.AsyncClient(cache=cache, **opts) as c:
            return await c.complete(MODEL, "hello")

    return asyncio.run(go())


@MODES
def test_an_observed_stream_is_cached_and_its_hit_observed(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three", input_tokens=5, output_tokens=3))
    cache = MemoryCache()
    first_rec, second_rec = Recorder(), Recorder()
    events, done, cached = streamed(mode, emu, first_rec, cache)
    assert not cached and done.text == "one two three" and len(emu.requests) == 1
    again, replayed, hit = streamed(mode, emu, second_rec, cache)
    # The second stream was the cache's: no request reached the provider.
    assert len(emu.requests) == 1
    assert hit and replayed.cached and replayed.text == done.text and again == events

    for rec, cache_hit in ((first_rec, False), (second_rec, True)):
        kinds = rec.kinds()
        assert kinds[0] == "request" and kinds[-1] == "response"
        assert kinds[1:-1] == ["stream_event"] * len(events)
        calls = {ev.call for _, ev in rec.events}
        assert len(calls) == 1
        call = calls.pop()
        assert call.stream and call.cache_hit is cache_hit
    # The hit's observer sees the replayed events and the replayed Completion, marked cached.
    seen = [ev.event for kind, ev in second_rec.events if kind == "stream_event"]
    assert seen == events
    result = second_rec.events[-1][1].result
    assert result.cached and result.text == done.text
    # The request reported for a hit is the one it answered.
    assert second_rec.events[0][1].body["messages"][0]["content"] == "hello"


@MODES
def test_an_observed_completion_hit_is_reported(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="cached answer"))
    cache = MemoryCache()
    first_rec, second_rec = Recorder(), Recorder()
    first = completed(mode, emu, first_rec, cache)
    second = completed(mode, emu, second_rec, cache)
    assert len(emu.requests) == 1 and second.cached and second.text == first.text
    assert first_rec.kinds() == second_rec.kinds() == ["request", "response"]
    assert not first_rec.events[0][1].call.cache_hit
    assert second_rec.events[0][1].call.cache_hit and second_rec.events[1][1].result is second


@MODES
def test_a_cut_observed_stream_is_reported_and_not_cached(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one two three four five six", fault="cut", after=2))
    cache = MemoryCache()
    rec = Recorder()
    with pytest.raises(StreamInterruptedError):
        streamed(mode, emu, rec, cache)
    assert rec.kinds()[-1] == "error"
    emu.script(Script(text="whole"))
    _, done, cached = streamed(mode, emu, Recorder(), cache)
    assert not cached and done.text == "whole" and len(emu.requests) == 2
