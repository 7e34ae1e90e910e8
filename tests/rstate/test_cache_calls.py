"""The response cache through the public API, over loopback against the emulator, sync and
async, with the in-memory LRU and with Redis: a hit is the same Completion (or the same stream
events and Completion) without a request reaching the provider."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.cache import CachePolicy, MemoryCache, RedisCache
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.errors import ConfigurationError, RateLimitError, StateBackendError, StreamInterruptedError
from llmkit.types import Completion

MODEL = "openai/gpt-4o-mini"


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryCache()
        return
    cache = RedisCache(request.getfixturevalue("redis_url"), prefix=request.getfixturevalue("prefix"))
    yield cache
    cache.close()


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Calls:
    """complete / stream on a Client or an AsyncClient with the same arguments."""

    def __init__(self, mode: str, emu: Emulator, **client: Any) -> None:
        self.mode, self.emu, self.client = mode, emu, client

    def _kw(self) -> dict[str, Any]:
        return {"api_key": self.emu.api_key, "base_url": self.emu.base_url(), **self.client}

    def complete(self, messages: Any = "hello", **kw: Any) -> Completion:
        if self.mode == "sync":
            with llmkit.Client(**self._kw()) as c:
                return c.complete(MODEL, messages, **kw)

        async def go() -> Completion:
            async with llmkit.AsyncClient(**self._kw()) as c:
                return await c.complete(MODEL, messages, **kw)

        return asyncio.run(go())

    def stream(self, messages: Any = "hello", **kw: Any) -> tuple[list[Any], Completion, bool]:
        if self.mode == "sync":
            with llmkit.Client(**self._kw()) as c, c.stream(MODEL, messages, **kw) as s:
                events = list(s)
                return events, s.completion, s.cached

        async def go() -> tuple[list[Any], Completion, bool]:
            async with llmkit.AsyncClient(**self._kw()) as c, c.stream(MODEL, messages, **kw) as s:
                events = [ev async for ev in s]
                return events, s.completion, s.cached

        return asyncio.run(go())


def test_a_hit_is_the_same_completion_without_a_request(emu: Emulator, mode: str, backend: Any) -> None:
    calls = Calls(mode, emu, cache=backend)
    emu.script(Script(text="the first answer", input_tokens=7, output_tokens=3, cached_tokens=2))
    first = calls.complete("what is 6 x 7?", temperature=0.2)
    second = calls.complete("what is 6 x 7?", temperature=0.2)
    assert len(emu.requests) == 1
    assert second == first and second.raw == first.raw and second.usage == first.usage
    assert (first.cached, second.cached) == (False, True)
    # Another temperature is another request: sent.
    third = calls.complete("what is 6 x 7?", temperature=0.3)
    assert len(emu.requests) == 2 and not third.cached


def test_a_hit_replays_the_same_stream_events(emu: Emulator, mode: str, backend: Any) -> None:
    calls = Calls(mode, emu, cache=backend)
    emu.script(Script(text="one two three four five", reasoning="thinking it over", input_tokens=4))
    events, completion, cached = calls.stream("count")
    again, completion2, cached2 = calls.stream("count")
    assert len(emu.requests) == 1
    assert again == events and len(events) > 5
    assert completion2 == completion and completion2.raw == completion.raw
    assert (cached, cached2, completion.cached, completion2.cached) == (False, True, False, True)
    # A stream entry is not a complete() answer: their requests differ, so are their keys.
    calls.complete("count")
    assert len(emu.requests) == 2


def test_tool_calls_and_structured_output_round_trip(emu: Emulator, mode: str, backend: Any) -> None:
    calls = Calls(mode, emu, cache=backend)
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Zürich"}, id="call_1")]))
    first = calls.complete("weather?", tools=[tool])
    hit = calls.complete("weather?", tools=[tool])
    assert (
        hit.cached
        and hit.tool_calls == first.tool_calls
        and hit.tool_calls[0].arguments == {"city": "Zürich"}
    )
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "n", "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    }
    emu.script(Script(json={"n": 42}))
    one = calls.complete("a number", response_format=schema)
    two = calls.complete("a number", response_format=schema)
    assert two.cached and two.parsed == one.parsed == {"n": 42}
    assert len(emu.requests) == 2


def test_the_key_leaves_out_the_credential(emu: Emulator, mode: str, backend: Any) -> None:
    emu.script(Script(text="cached across keys"))
    Calls(mode, emu, cache=backend).complete("hi")
    # The emulator checks the key: a hit must not even need a valid one.
    with llmkit.Client(api_key="sk-another-key-0000", base_url=emu.base_url(), cache=backend) as c:
        assert c.complete(MODEL, "hi").text == "cached across keys"
    assert len(emu.requests) == 1


def test_per_call_opt_in_off_refresh_and_no_store(emu: Emulator, mode: str, backend: Any) -> None:
    plain = Calls(mode, emu)  # a client with no cache
    policy = CachePolicy(backend)
    emu.script(Script(text="a"), Script(text="b"), Script(text="c"), Script(text="d"))
    assert plain.complete("q").text == "a"  # no cache= at all: nothing stored
    assert plain.complete("q", cache=policy).text == "b"  # stored
    assert plain.complete("q", cache=policy).text == "b"  # hit
    assert plain.complete("q", cache=CachePolicy(backend, read=False)).text == "c"  # refresh
    assert plain.complete("q", cache=policy).text == "c"
    assert plain.complete("q", cache=CachePolicy(backend, read=False, write=False)).text == "d"
    assert plain.complete("q", cache=policy).text == "c"  # "d" was not stored
    client = Calls(mode, emu, cache=backend)
    emu.script(Script(text="e"))
    assert client.complete("q", cache=False).text == "e"  # off for this call
    assert len(emu.requests) == 5


def test_namespaces_are_separate(emu: Emulator, mode: str, backend: Any) -> None:
    calls = Calls(mode, emu)
    emu.script(Script(text="tenant a"), Script(text="tenant b"))
    assert calls.complete("q", cache=CachePolicy(backend, namespace="a")).text == "tenant a"
    assert calls.complete("q", cache=CachePolicy(backend, namespace="b")).text == "tenant b"
    assert calls.complete("q", cache=CachePolicy(backend, namespace="a")).text == "tenant a"
    assert len(emu.requests) == 2


def test_errors_and_cut_streams_are_not_cached(emu: Emulator, mode: str, backend: Any) -> None:
    calls = Calls(mode, emu, cache=backend)
    emu.script(Script(error=ScriptedError(429, "slow down")), Script(text="fine"))
    with pytest.raises(RateLimitError):
        calls.complete("q", max_retries=0)
    assert calls.complete("q").text == "fine"
    emu.script(Script(text="one two three four five six", fault="cut", after=2), Script(text="whole"))
    with pytest.raises(StreamInterruptedError):
        calls.stream("s", max_retries=0)
    _, completion, cached = calls.stream("s")
    assert completion.text == "whole" and not cached
    assert calls.stream("s")[2]  # the whole one was stored
    assert len(emu.requests) == 4


def test_embed_and_rerank_are_cached(emu: Emulator, mode: str, backend: Any) -> None:
    kw = {"api_key": emu.api_key, "cache": backend}
    if mode == "sync":
        with llmkit.Client(base_url=emu.base_url(), **kw) as c:
            e1 = c.embed("openai/text-embedding-3-small", ["alpha", "beta"])
            e2 = c.embed("openai/text-embedding-3-small", ["alpha", "beta"])
    else:

        async def go() -> tuple[Any, Any]:
            async with llmkit.AsyncClient(base_url=emu.base_url(), **kw) as c:
                a = await c.embed("openai/text-embedding-3-small", ["alpha", "beta"])
                return a, await c.embed("openai/text-embedding-3-small", ["alpha", "beta"])

        e1, e2 = asyncio.run(go())
    assert e2.cached and not e1.cached and e2 == e1 and e2.vectors == e1.vectors
    with llmkit.Client(base_url=emu.base_url("cohere"), **kw) as c:
        r1 = c.rerank("cohere/rerank-v3.5", "q", ["a", "b", "c"], top_n=2)
        r2 = c.rerank("cohere/rerank-v3.5", "q", ["a", "b", "c"], top_n=2)
    assert r2.cached and r2 == r1
    assert len(emu.requests) == 2


def test_embeddings_sent_in_batches_are_keyed_on_every_batch(emu: Emulator) -> None:
    cache = MemoryCache()
    many = [f"text {i}" for i in range(3000)]  # more than one OpenAI request takes (2048)
    with llmkit.Client(api_key=emu.api_key, base_url=emu.base_url(), cache=cache) as c:
        c.embed("openai/text-embedding-3-small", many)
        sent = len(emu.requests)
        assert sent >= 2
        changed = [*many[:-1], "another last text"]
        assert not c.embed("openai/text-embedding-3-small", changed).cached  # differs in batch 2 only
        assert c.embed("openai/text-embedding-3-small", many).cached
    assert len(emu.requests) == 2 * sent


def test_module_functions_take_cache_true(emu: Emulator) -> None:
    emu.script(Script(text="module-level"))
    kw = {"api_key": emu.api_key, "base_url": emu.base_url()}
    marker = "an unusual prompt for the process-wide cache 7f3a"
    assert llmkit.complete(MODEL, marker, cache=True, **kw).text == "module-level"
    hit = llmkit.complete(MODEL, marker, cache=True, **kw)
    assert hit.cached and len(emu.requests) == 1


def test_an_unreachable_redis_fails_open_or_typed(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    down = RedisCache("redis://:pw-not-shown-9@127.0.0.1:1/0", socket_timeout=0.5)
    emu.script(Script(text="still answered"))
    with (
        caplog.at_level(logging.WARNING, "llmkit"),
        llmkit.Client(api_key=emu.api_key, base_url=emu.base_url(), cache=down) as c,
    ):
        assert c.complete(MODEL, "hi").text == "still answered"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned and all("pw-not-shown" not in w for w in warned)
    strict = RedisCache("redis://:pw-not-shown-9@127.0.0.1:1/0", fail_open=False, socket_timeout=0.5)
    with llmkit.Client(api_key=emu.api_key, base_url=emu.base_url(), cache=strict) as c:
        with pytest.raises(StateBackendError) as info:
            c.complete(MODEL, "hi")
    assert "pw-not-shown" not in str(info.value) and "127.0.0.1:1" in str(info.value)


def test_cache_arguments_are_checked() -> None:
    with pytest.raises(ConfigurationError, match="cache must be"):
        llmkit.Client(cache="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="cache= must be"):
        llmkit.Client(api_key="sk-x-000000").complete(MODEL, "hi", cache="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="ttl"):
        CachePolicy(ttl=0)
    with pytest.raises(ConfigurationError, match="backend"):
        CachePolicy(backend=object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="namespace"):
        MemoryCache(namespace="")
