"""Providers held against replies their vendors published (refs_i, issue 14): each fixture is decoded
through llmkit's OpenAI dialect with the row's own spec, and once more through the public API with
the emulator replaying the bytes verbatim over loopback. The ``.source.md`` beside each fixture names
the repo@commit:path it was copied from."""

from __future__ import annotations

from typing import Any

import pytest
from tests.fleet.test_fixtures import decode, usage

import llmkit
from llmkit.types import FinishReason

COMPLETIONS = ["upstage/cookbook_solar_mini_chat.json"]


def test_upstage_cookbook_reply() -> None:
    """A reply Upstage's cookbook recorded: a bare-UUID id, a dated model name, null token details."""
    c = decode("upstage", "cookbook_solar_mini_chat.json", "solar-1-mini-chat")
    assert c.text == "I'm not sure, but I'll try to find out."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (55, 16, 71)
    assert (c.id, c.model) == ("df1979da-b0e3-4456-8759-edfd22ff72a6", "solar-mini-240612")
    assert not c.tool_calls and not c.message.reasoning


@pytest.mark.parametrize("fixture", COMPLETIONS)
def test_public_api_decodes_replayed_completion(replay: dict[str, Any], fixture: str) -> None:
    provider, name = fixture.split("/")
    direct = decode(provider, name, "m")
    done = llmkit.complete(f"{provider}/m", "Hi", extra_headers={"x-fixture": fixture}, **replay)
    assert done.provider == provider
    assert (done.id, done.model) == (direct.id, direct.model)
    assert (done.text, done.tool_calls, done.usage, done.finish_reason) == (
        direct.text,
        direct.tool_calls,
        direct.usage,
        direct.finish_reason,
    )
