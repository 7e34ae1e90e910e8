"""docs/router.md's examples run against the emulator, aimed there through env vars only."""

from __future__ import annotations

import time

import pytest
from tests.conftest import CANARY_KEY
from tests.docs._pages import run_page

from llmkit.emulator import Emulator, Script, ScriptedError


def test_router_page_examples_run(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, profile in (("OPENAI", "openai"), ("ANTHROPIC", "anthropic")):
        monkeypatch.setenv(f"{name}_API_KEY", CANARY_KEY)
        monkeypatch.setenv(f"{name}_BASE_URL", emu.base_url(profile))
    emu.script(Script(error=ScriptedError(503)), Script(text="hello"), Script(text="hello again"))
    # The budget counts calls in fixed 10 s windows: start the page's router (which takes
    # time.monotonic when it is made) at a window's start, so its two calls share one window
    # however slow a loaded machine makes them.
    real = time.monotonic
    offset = 10.0 - real() % 10.0
    monkeypatch.setattr(time, "monotonic", lambda: real() + offset)
    ns = run_page("router.md")
    route = ns["answer"].route
    assert ns["answer"].text == "hello again", route.summary()
    assert ns["health"]["budget"]["calls"] == 2, ns["health"]
