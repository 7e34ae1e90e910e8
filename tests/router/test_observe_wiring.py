"""The router's own events reach observers: on_fallback (with the trace) and on_retry (source="router")."""

from __future__ import annotations

from typing import Any

from tests.conftest import CANARY_KEY

from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.observe import Callbacks, FallbackEvent, RetryEvent
from llmkit.router import Router


def test_fallback_and_router_retry_events(emu: Emulator) -> None:
    events: list[Any] = []
    base = emu.base_url("openai")
    router = Router(
        [
            {"model_name": "chat", "model": "openai/a", "api_key": CANARY_KEY, "base_url": base, "cost": 1},
            {"model_name": "backup", "model": "openai/b", "api_key": CANARY_KEY, "base_url": base},
        ],
        routing_strategy="cost-based-routing",
        fallbacks={"chat": ["backup"]},
        retry_policy={"ServerError": 1},
        callbacks=Callbacks(on_fallback=events.append, on_retry=events.append),
        sleep=lambda s: None,
    )
    emu.script(Script(error=ScriptedError(500)), Script(error=ScriptedError(500)), Script(text="ok"))
    result = router.complete("chat", "hi")
    assert result.text == "ok"
    retry, fallback = events
    assert isinstance(retry, RetryEvent) and retry.source == "router" and retry.attempt == 2
    assert isinstance(fallback, FallbackEvent)
    assert (fallback.group, fallback.from_deployment, fallback.to_group, fallback.to_deployment) == (
        "chat",
        "chat#0",
        "backup",
        "backup#1",
    )
    assert fallback.reason == "error" and fallback.trace is result.route
    assert CANARY_KEY not in repr(events)


def test_no_callbacks_no_notices(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(500)), Script(text="ok"))
    router = Router(
        [
            {
                "model_name": "chat",
                "model": "openai/a",
                "api_key": CANARY_KEY,
                "base_url": emu.base_url("openai"),
            },
            {
                "model_name": "chat",
                "model": "openai/b",
                "api_key": CANARY_KEY,
                "base_url": emu.base_url("openai"),
            },
        ]
    )
    assert router.complete("chat", "hi").route.fallbacks == 1 and not router._policy.observed
