"""Review of issue 12's jobs (gaps a-d): a Replicate prediction is cancelled when its stream is
closed early (sync, async, a cancelled task); generate_image polls on the same loop as chat (its
waits double, its create request is held no longer than the deadline, a call with no total
timeout is bounded); each operation takes only its own provider options."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit import _retry
from llmkit._retry import Send, Sleep
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script
from llmkit.errors import APITimeoutError, ConfigurationError
from llmkit.operations import ClientOptions, Settings, prepare
from llmkit.operations._jobs import DEFAULT_JOB_DEADLINE
from llmkit.operations.images import GENERATE_IMAGE, ImageParams
from llmkit.types import TextDelta
from llmkit.wire import HttpResponse

CHAT = "replicate/meta/meta-llama-3-8b-instruct"
FLUX = "replicate/black-forest-labs/flux-schnell"
API = "https://api.replicate.com"


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("replicate"), "poll_interval": 0.01, **extra}


def cancels(emu: Emulator) -> list[str]:
    return [r.path for r in emu.requests if r.method == "POST" and r.path.endswith("/cancel")]


# ---------------------------------------------------------------- a: cancel on early close


def test_sync_stream_closed_early_cancels_the_prediction(emu: Emulator) -> None:
    emu.script(Script(text="one two three four five six"))
    with llmkit.stream(CHAT, "hi", **kw(emu)) as s:
        first = next(e for e in s if isinstance(e, TextDelta))
    assert first.text
    assert len(cancels(emu)) == 1
    assert all(r.headers["authorization"] == f"Bearer {CANARY_KEY}" for r in emu.requests)


def test_stream_read_to_its_end_sends_no_cancel(emu: Emulator) -> None:
    emu.script(Script(text="one two three"))
    with llmkit.stream(CHAT, "hi", **kw(emu)) as s:
        assert s.completion.text == "one two three"
    assert cancels(emu) == []


def test_async_stream_closed_early_or_task_cancelled_cancels(emu: Emulator) -> None:
    emu.script(Script(text="one two three four five six"), Script(text="a b c d e f"))

    async def go() -> None:
        async with llmkit.AsyncClient() as client:
            async with client.stream(CHAT, "hi", **kw(emu)) as s:
                async for _ in s:
                    break
            assert len(cancels(emu)) == 1
            started = asyncio.Event()

            async def reader() -> None:
                async with client.stream(CHAT, "hi", **kw(emu)) as s2:
                    async for _ in s2:
                        started.set()
                        await asyncio.sleep(30)

            task = asyncio.create_task(reader())
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert len(cancels(emu)) == 2

    asyncio.run(go())


# ---------------------------------------------------------------- b/c: one polling loop for images


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def prediction(status: str, output: Any = None) -> HttpResponse:
    body = {
        "id": "p1",
        "status": status,
        "output": output,
        "error": None,
        "urls": {"get": f"{API}/v1/predictions/p1", "cancel": f"{API}/v1/predictions/p1/cancel"},
    }
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(body).encode())


def image_call(clock: Clock, total: float | None) -> Any:
    timeout = None if total is None else _retry.Timeout(total=total)
    p = prepare(
        GENERATE_IMAGE,
        Settings(ClientOptions()),
        ImageParams(FLUX, prompt="a fox", api_key="r8_x", timeout=timeout, provider_options={}),
    )
    p.policy = _retry.RetryPolicy(max_retries=0, clock=clock)
    assert GENERATE_IMAGE.run is not None
    return GENERATE_IMAGE.run(p)


def run(clock: Clock, gen: Any, polls_pending: int) -> tuple[list[Any], Any]:
    """Answers the flow: ``polls_pending`` pending answers, then a finished one."""
    actions: list[Any] = []
    answered = 0
    try:
        step = next(gen)
        while True:
            actions.append(step)
            if isinstance(step, Sleep):
                clock.now += step.seconds
                step = gen.send(None)
                continue
            answered += 1
            if step.request.url.endswith("/cancel"):
                step = gen.send(prediction("canceled"))
            elif answered <= polls_pending:
                step = gen.send(prediction("processing"))
            else:
                step = gen.send(prediction("succeeded", ["https://replicate.delivery/x/out.webp"]))
    except StopIteration as done:
        return actions, done.value


def test_image_polls_back_off_like_chat() -> None:
    clock = Clock()
    actions, images = run(clock, image_call(clock, 120), polls_pending=6)
    assert [a.seconds for a in actions if isinstance(a, Sleep)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert images.images[0].url == "https://replicate.delivery/x/out.webp"


def test_image_create_is_held_no_longer_than_the_deadline() -> None:
    clock = Clock()
    actions, _ = run(clock, image_call(clock, 10), polls_pending=0)
    assert actions[0].request.headers["prefer"] == "wait=9"
    clock = Clock()
    actions, _ = run(clock, image_call(clock, 300), polls_pending=0)
    assert actions[0].request.headers["prefer"] == "wait"  # Replicate's own 60 s fits


def test_image_job_without_total_timeout_is_bounded_and_cancelled() -> None:
    clock = Clock()
    gen = image_call(clock, None)
    sent: list[Send] = []
    with pytest.raises(APITimeoutError, match="cancelled"):
        step = next(gen)
        while True:
            if isinstance(step, Sleep):
                clock.now += step.seconds
                step = gen.send(None)
            else:
                sent.append(step)
                step = gen.send(
                    prediction("canceled" if step.request.url.endswith("/cancel") else "processing")
                )
    assert sent[-1].request.url.endswith("/p1/cancel")
    assert clock.now - 1000.0 <= DEFAULT_JOB_DEADLINE


# ---------------------------------------------------------------- d: options per operation


def test_chat_refuses_the_images_only_options(emu: Emulator) -> None:
    base = emu.base_url("openai")
    for name, value in (("background", "transparent"), ("moderation", "low"), ("output_compression", 50)):
        with pytest.raises(ConfigurationError, match=f"{name} is an option of another operation"):
            llmkit.complete("openai/gpt-4o", "hi", api_key=CANARY_KEY, base_url=base, **{name: value})
    with pytest.raises(ConfigurationError, match="top_p is an option of another operation"):
        llmkit.generate_image("openai/gpt-image-1", "a fox", api_key=CANARY_KEY, base_url=base, top_p=0.5)
    assert emu.requests == []


def test_gemini_chat_refuses_imagen_options(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="mask_mode is an option of another operation"):
        llmkit.complete(
            "gemini/gemini-2.0-flash",
            "hi",
            api_key=CANARY_KEY,
            base_url=emu.base_url("gemini"),
            mask_mode="MASK_MODE_BACKGROUND",
        )
    assert emu.requests == []
