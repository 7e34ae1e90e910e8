"""Router and AsyncRouter over the emulator (real loopback HTTP) with scripted faults."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ContextWindowExceededError,
    RateLimitError,
    StreamInterruptedError,
)
from llmkit.router import AsyncRouter, NoDeploymentAvailableError, Router
from llmkit.router.policy import RetryBudget
from llmkit.types import Completion


def model_list(emu: Emulator, **extra: Any) -> list[dict[str, Any]]:
    openai, anthropic = emu.base_url("openai"), emu.base_url("anthropic")
    return [
        {
            "model_name": "chat",
            "model": "openai/primary",
            "api_key": CANARY_KEY,
            "base_url": openai,
            "cost": 1,
            **extra,
        },
        {
            "model_name": "chat",
            "litellm_params": {
                "model": "openai/secondary",
                "api_key": CANARY_KEY,
                "api_base": openai,
                "cost": 2,
            },
            "model_info": {"id": "secondary"},
        },
        {"model_name": "backup", "model": "anthropic/claude-x", "api_key": CANARY_KEY, "base_url": anthropic},
        {
            "model_name": "vectors",
            "model": "openai/text-embedding-3-small",
            "api_key": CANARY_KEY,
            "base_url": openai,
        },
    ]


def models_sent(emu: Emulator) -> list[str]:
    return [r.json()["model"] for r in emu.requests]


def make(emu: Emulator, cls: Any = Router, **kwargs: Any) -> Any:
    kwargs.setdefault("routing_strategy", "cost-based-routing")
    kwargs.setdefault("fallbacks", {"chat": ["backup"]})
    return cls(model_list(emu), **kwargs)


def test_complete_fails_over_in_order_and_carries_the_trace(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(500)), Script(error=ScriptedError(503)), Script(text="from claude"))
    with make(emu) as router:
        result = router.complete("chat", "hi")
    assert isinstance(result, Completion) and result.text == "from claude"
    assert models_sent(emu) == ["primary", "secondary", "claude-x"]
    route = result.route
    assert route.deployment == "backup#2" and route.model == "anthropic/claude-x"
    assert route.considered == ["chat#0", "secondary", "backup#2"] and route.fallbacks == 2
    assert [s.error for s in route.steps if s.kind == "fail"] == ["ServerError", "ServerError"]
    assert CANARY_KEY not in repr(route) and CANARY_KEY not in repr(router.state())


def test_retry_after_cools_the_deployment_down_and_state_shows_it(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, headers={"retry-after": "30"})), Script(text="ok"))
    with make(emu) as router:
        assert router.complete("chat", "hi").route.deployment == "secondary"
        state = router.state()["deployments"]
        assert not state["chat#0"]["healthy"] and 25 < state["chat#0"]["cooldown_s"] <= 30
        emu.script(Script(text="again"))
        assert router.complete("chat", "hi").route.deployment == "secondary"
    assert models_sent(emu) == ["primary", "secondary", "secondary"]


def test_wrong_credentials_on_every_deployment_raise_the_last_error_with_the_trace(emu: Emulator) -> None:
    emu.script(*(Script(error=ScriptedError(401, type="invalid_api_key")) for _ in range(2)))
    emu.script(Script(error=ScriptedError(401)))
    with make(emu) as router, pytest.raises(AuthenticationError) as info:
        router.complete("chat", "hi")
    assert len(info.value.route.considered) == 3  # type: ignore[attr-defined]
    pickled = pickle.dumps(info.value)
    assert CANARY_KEY.encode() not in pickled and pickle.loads(pickled).route.considered
    assert CANARY_KEY not in repr(router) and CANARY_KEY.encode() not in pickle.dumps(router._deployments)
    assert CANARY_KEY not in str(info.value) and CANARY_KEY not in repr(info.value.route)  # type: ignore[attr-defined]


def test_context_window_overflow_goes_to_the_context_fallback(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(400, code="context_length_exceeded")), Script(text="fits"))
    with make(emu, fallbacks=None, context_window_fallbacks={"chat": ["backup"]}) as router:
        result = router.complete("chat", "a long prompt")
    assert result.text == "fits" and models_sent(emu) == ["primary", "claude-x"]
    emu.reset()
    emu.script(Script(error=ScriptedError(400, code="context_length_exceeded")))
    with make(emu, fallbacks=None) as router, pytest.raises(ContextWindowExceededError):
        router.complete("chat", "a long prompt")


def test_max_input_tokens_skips_a_window_that_cannot_fit(emu: Emulator) -> None:
    emu.script(Script(text="big window"))
    with Router(model_list(emu, max_input_tokens=10), routing_strategy="cost-based-routing") as router:
        result = router.complete("chat", "word " * 100)
    assert result.route.deployment == "secondary" and models_sent(emu) == ["secondary"]


def test_stream_falls_back_before_its_first_event(emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(503)), Script(fault="disconnect"), Script(text="streamed from claude")
    )
    with make(emu) as router, router.stream("chat", "hi") as stream:
        text = "".join(stream.text_stream())
        assert stream.route.deployment == "backup#2"
        assert stream.completion.text == text == "streamed from claude"


def test_stream_cut_after_its_first_event_does_not_fall_back(emu: Emulator) -> None:
    emu.script(Script(text="one two three four five", fault="cut", after=2))
    with make(emu) as router, router.stream("chat", "hi") as stream:
        with pytest.raises(StreamInterruptedError) as info:
            list(stream)
    assert info.value.partial is not None and info.value.partial.text
    assert models_sent(emu) == ["primary"]


def test_embed_routes_and_nothing_available_is_typed(emu: Emulator) -> None:
    emu.script(Script())
    with make(emu) as router:
        vectors = router.embed("vectors", ["a", "b"])
        assert len(vectors.vectors) == 2 and vectors.route.deployment == "vectors#3"
        emu.script(Script(error=ScriptedError(429, headers={"retry-after": "20"})))
        with pytest.raises(RateLimitError):
            router.embed("vectors", "a")
        with pytest.raises(NoDeploymentAvailableError) as info:
            router.embed("vectors", "a")
    assert info.value.retry_after is not None and 15 < info.value.retry_after <= 20


def test_top_level_exports() -> None:
    assert llmkit.Router is Router and llmkit.AsyncRouter is AsyncRouter


def test_async_router_complete_stream_and_state(emu: Emulator) -> None:
    async def main() -> None:
        # An hour's budget window: the counts below must not straddle a window edge on a slow machine.
        async with make(emu, AsyncRouter, retry_budget=RetryBudget(window_s=3600.0)) as router:
            emu.script(Script(error=ScriptedError(502)), Script(text="async ok"))
            result = await router.complete("chat", "hi")
            assert result.text == "async ok" and result.route.deployment == "secondary"
            emu.script(
                Script(error=ScriptedError(500)),
                Script(error=ScriptedError(500)),
                Script(text="claude streams"),
            )
            stream = router.stream("chat", "hi")
            text = "".join([t async for t in stream.text_stream()])
            assert text == "claude streams" and stream.route.deployment == "backup#2"
            assert (await stream.get_completion()).text == text
            state = await router.state()
            assert state["budget"]["calls"] == 2 and state["budget"]["retries"] == 3
            emu.script(Script(text="one two three four", fault="cut", after=2))
            async with router.stream("chat", "hi") as cut:
                with pytest.raises(StreamInterruptedError):
                    async for _ in cut:
                        pass

    asyncio.run(main())
    assert models_sent(emu)[-1] in ("primary", "secondary")


def test_async_router_deadline_across_fallbacks(emu: Emulator) -> None:
    async def main() -> None:
        # The deadline's arithmetic is proven on a fake clock (test_policy); here the remaining
        # time reaches the deployment's client as its total timeout.
        async with make(emu, AsyncRouter, timeout=0.5) as router:
            emu.script(
                Script(error=ScriptedError(500), delay=0.2),
                Script(text="slow", delay=3.0),
                Script(text="late"),
            )
            with pytest.raises(llmkit.errors.APITimeoutError) as info:
                await router.complete("chat", "hi")
            assert info.value.route.steps  # type: ignore[attr-defined]

    asyncio.run(main())
    assert len(emu.requests) == 2
