"""Sockets: one pool under concurrent first use, no leaked sessions, abandoned streams released."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from typing import Any

import pytest

import llmkit
from llmkit import _defaults
from llmkit._retry import Timeout
from llmkit.emulator import Emulator, Script
from llmkit.transport import async_http, sync_http

TEXT = "one two three four five six"


def slow_init(monkeypatch: pytest.MonkeyPatch, cls: Any) -> list[Any]:
    """Count constructions of ``cls``, each made slow enough that racing threads would overlap."""
    built: list[Any] = []
    real = cls.__init__

    def init(self: Any, *a: Any, **kw: Any) -> None:
        time.sleep(0.05)
        built.append(self)
        real(self, *a, **kw)

    monkeypatch.setattr(cls, "__init__", init)
    return built


def test_32_threads_on_a_fresh_client_share_one_pool(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    built = slow_init(monkeypatch, sync_http.SyncTransport)
    client = llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("openai"))
    barrier = threading.Barrier(32)
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            client.complete("openai/gpt-4o-mini", "hi")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.close()
    assert errors == []
    assert len(built) == 1


def test_the_module_level_client_is_made_once_under_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_defaults, "_client", None)
    built = slow_init(monkeypatch, llmkit.Client)
    barrier = threading.Barrier(16)
    seen: list[Any] = []

    def work() -> None:
        barrier.wait()
        seen.append(_defaults.default_client())

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len({id(c) for c in seen}) == 1
    seen[0].close()


def test_module_level_async_calls_leave_nothing_unclosed(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_defaults, "_aclient", None)
    where = {"api_key": emu.api_key, "base_url": emu.base_url("openai")}

    async def one() -> str:
        c = await llmkit.acomplete("openai/gpt-4o-mini", "hi", **where)
        s = llmkit.astream("openai/gpt-4o-mini", "hi", **where)
        async with s:
            return c.text + (await s.get_completion()).text

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(4):
            emu.script(Script(text="a"), Script(text="b"))
            assert asyncio.run(one()) == "ab"
            gc.collect()
        monkeypatch.setattr(_defaults, "_aclient", None)
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []
    assert not any("nclosed" in str(w.message) for w in caught)


def test_async_connections_are_closed_when_their_loop_ends(emu: Emulator) -> None:
    client = llmkit.AsyncClient(api_key=emu.api_key, base_url=emu.base_url("openai"))
    conns: list[Any] = []

    async def one() -> None:
        await client.complete("openai/gpt-4o-mini", "hi")
        transport = client._transport
        assert isinstance(transport, async_http.AsyncTransport)
        conns.extend(transport._h1._all)

    for _ in range(3):
        asyncio.run(one())
    assert len({id(c) for c in conns}) == 3  # one per loop: none carried across
    assert all(c.closed and c.transport.is_closing() for c in conns)


def test_abandoned_sync_stream_warns_once_and_releases_its_connection(emu: Emulator) -> None:
    client = llmkit.Client(
        api_key=emu.api_key, base_url=emu.base_url("openai"), max_connections=1, timeout=Timeout(connect=2)
    )
    emu.script(Script(text=TEXT), Script(text="after"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = client.stream("openai/gpt-4o-mini", "hi")
        next(iter(s))  # half-read, never closed, dropped
        del s
        gc.collect()
    found = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(found) == 1 and "Stream" in str(found[0].message)
    # With a pool of one, a leaked connection would make this wait for a free slot and fail.
    assert client.complete("openai/gpt-4o-mini", "hi").text == "after"
    client.close()


def test_never_iterated_sync_stream_is_released_too(emu: Emulator) -> None:
    client = llmkit.Client(
        api_key=emu.api_key, base_url=emu.base_url("openai"), max_connections=1, timeout=Timeout(connect=2)
    )
    emu.script(Script(text=TEXT), Script(text="after"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.stream("openai/gpt-4o-mini", "hi")
        gc.collect()
    assert len([w for w in caught if issubclass(w.category, ResourceWarning)]) == 1
    assert client.complete("openai/gpt-4o-mini", "hi").text == "after"
    client.close()


def test_closed_streams_do_not_warn(emu: Emulator) -> None:
    client = llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("openai"))
    emu.script(Script(text=TEXT), Script(text=TEXT))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with client.stream("openai/gpt-4o-mini", "hi") as s:
            next(iter(s))
        for _ in client.stream("openai/gpt-4o-mini", "hi"):
            pass
        del s
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    client.close()


def test_abandoned_async_stream_warns_and_releases_its_connection(emu: Emulator) -> None:
    emu.script(Script(text=TEXT), Script(text="after"))

    async def main() -> str:
        async with llmkit.AsyncClient(
            api_key=emu.api_key,
            base_url=emu.base_url("openai"),
            max_connections=1,
            timeout=Timeout(connect=2),
        ) as client:
            s = await client.stream("openai/gpt-4o-mini", "hi")
            await s.__aiter__().__anext__()
            del s
            gc.collect()
            await asyncio.sleep(0.05)  # the loop finalises the abandoned generator
            return (await client.complete("openai/gpt-4o-mini", "hi")).text

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert asyncio.run(main()) == "after"
        gc.collect()
    found = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(found) == 1 and "AsyncStream" in str(found[0].message)
