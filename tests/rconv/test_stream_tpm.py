"""A routed stream counts against its deployment's tpm limit: its usage when it ends, what
arrived when it is closed early (the prompt's estimate and the text so far when no usage came),
sync and async, so a tpm-limited deployment is skipped once streams used its minute up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

from llmkit.emulator import Emulator, Script
from llmkit.router import AsyncRouter, NoDeploymentAvailableError, Router

TEXT = "one two three four five six seven eight nine ten"


def model_list(emu: Emulator, provider: str = "openai", tpm: int = 1000) -> list[dict[str, Any]]:
    return [
        {
            "model_name": "chat",
            "model": f"{provider}/limited",
            "api_key": CANARY_KEY,
            "base_url": emu.base_url(provider),
            "tpm": tpm,
        },
    ]


def tpm_used(state: dict[str, Any]) -> int:
    return int(state["deployments"]["chat#0"]["tpm_used"])


def stream_whole(mode: str, router: Any) -> Any:
    if mode == "sync":
        with router.stream("chat", "hello there") as s:
            return s.completion

    async def go() -> Any:
        async with router.stream("chat", "hello there") as s:
            return await s.get_completion()

    return asyncio.run(go())


def stream_cut(mode: str, router: Any) -> None:
    """Read the first event, then close."""
    if mode == "sync":
        with router.stream("chat", "hello there") as s:
            next(iter(s))
        return

    async def go() -> None:
        async with router.stream("chat", "hello there") as s:
            await s.__aiter__().__anext__()

    asyncio.run(go())


def state(mode: str, router: Any) -> dict[str, Any]:
    return router.state() if mode == "sync" else asyncio.run(router.state())  # type: ignore[no-any-return]


def make(mode: str, emu: Emulator, **kw: Any) -> Any:
    return (Router if mode == "sync" else AsyncRouter)(model_list(emu, **kw))


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


@MODES
def test_a_whole_stream_counts_its_usage(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, input_tokens=7, output_tokens=5))
    router = make(mode, emu)
    done = stream_whole(mode, router)
    assert done.usage.total_tokens == 12
    assert tpm_used(state(mode, router)) == 12


@MODES
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_an_early_close_counts_what_arrived(mode: str, provider: str, emu: Emulator) -> None:
    # A slow drip, so the usage at the end has not arrived when the stream is closed.
    emu.script(Script(text=TEXT, input_tokens=40, output_tokens=30, chunk_delay=0.05))
    router = make(mode, emu, provider=provider)
    stream_cut(mode, router)
    used = tpm_used(state(mode, router))
    if provider == "anthropic":
        # Anthropic reports the prompt's usage in its first event: that much is counted.
        assert 40 <= used < 70
    else:
        # No usage before the end: the prompt's estimate and the text that arrived.
        assert 0 < used < 40
    assert len(emu.requests) == 1


@MODES
def test_streams_use_the_tpm_limit_up(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=TEXT, input_tokens=7, output_tokens=5), Script(text="unused"))
    router = make(mode, emu, tpm=12)
    stream_whole(mode, router)
    with pytest.raises(NoDeploymentAvailableError) as info:
        stream_whole(mode, router)
    assert "tpm limit 12 reached" in info.value.route.summary()  # type: ignore[attr-defined]
    assert len(emu.requests) == 1
