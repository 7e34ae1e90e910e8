"""count_tokens through each provider's counting endpoint, over the emulator, sync and async,
with ``method="endpoint:<provider>"`` (and the request reaching the endpoint's path)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, google_oauth
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.providers import all_specs

MESSAGES = [
    {"role": "system", "content": "Be brief"},
    {"role": "user", "content": "How many tokens is this?"},
]
TOOLS = [
    {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {}}}
]


def _anthropic(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("anthropic"), "api_key": CANARY_KEY}


def _gemini(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("gemini"), "api_key": CANARY_KEY}


def _bedrock(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("bedrock"), "region": "us-east-1"}


def _vertex(emu: Emulator) -> dict[str, Any]:
    google_oauth.set_token_lifetime(emu, 3599)
    return {
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "project": "test-proj",
        "credentials": google_oauth.new_service_account(emu, "tokencount"),
    }


def _vertex_anthropic(emu: Emulator) -> dict[str, Any]:
    return {**_vertex(emu), "location": "us-east5",
            "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-east5"}  # fmt: skip


CASES: dict[str, tuple[str, Callable[[Emulator], dict[str, Any]], str]] = {
    "anthropic": ("anthropic/claude-sonnet-4-5", _anthropic, "/v1/messages/count_tokens"),
    "gemini": ("gemini/gemini-2.5-flash", _gemini, ":countTokens"),
    "bedrock": ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", _bedrock, "/count-tokens"),
    "vertex_ai": ("vertex_ai/gemini-2.5-pro", _vertex, ":countTokens"),
    "vertex_ai_anthropic": (
        "vertex_ai_anthropic/claude-sonnet-4-5@20250929",
        _vertex_anthropic,
        "/count-tokens:rawPredict",
    ),
}  # fmt: skip


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)


def test_every_counting_provider_is_covered() -> None:
    assert {s.name for s in all_specs() if s.supports("count_tokens")} == set(CASES)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", sorted(CASES))
def test_count_through_the_endpoint(emu: Emulator, aws_env: None, provider: str, mode: str) -> None:
    model, where, path = CASES[provider]
    kw = where(emu)
    if mode == "sync":
        counted = llmkit.count_tokens(model, MESSAGES, tools=TOOLS, **kw)
    else:

        async def run() -> llmkit.TokenCount:
            async with llmkit.AsyncClient() as client:
                return await client.count_tokens(model, MESSAGES, tools=TOOLS, **kw)

        counted = asyncio.run(run())
    assert counted.exact and counted.input_tokens > 0
    assert counted.method == f"endpoint:{provider}"
    assert emu.requests[-1].full_path.split("?")[0].endswith(path)
