"""The emulator serves every provider in the registry: ``Emulator.base_url(name)`` is the exact
``base_url=`` to pass, and a complete() and a stream() through the public API (sync and async)
come back from it. An unknown name is a typed error that lists what exists."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator, Script, UnknownProfileError
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.emulator.gemini import VERTEX_PROJECT
from llmkit.errors import ConfigurationError
from llmkit.providers import all_specs
from llmkit.providers.spec import ProviderSpec
from llmkit.types import TextDelta

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
SPECS = all_specs()
# A model id each wire format's emulator handler takes (any id for the OpenAI-compatible fleet).
MODELS = {
    "anthropic_messages": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
    "bedrock_converse": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "sagemaker": "my-llm-endpoint",
}
PARTNER_MODELS = {
    "vertex_ai_anthropic": "claude-sonnet-4-5@20250929",
    "vertex_ai_mistral": "mistral-small-2503",
    "vertex_ai_ai21": "jamba-1.5-mini@001",
}


def _credentials(spec: ProviderSpec) -> dict[str, Any]:
    """What a caller passes to authenticate against the emulator, by the spec's auth scheme."""
    factory = spec.auth_factory or ""
    if factory.startswith("llmkit.auth.aws:"):
        return {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY, "region": "us-east-1"}
    if factory.startswith("llmkit.auth.google:"):
        return {"access_token": CANARY_KEY, "project": VERTEX_PROJECT}
    if spec.auth == "none":
        return {}
    return {"api_key": CANARY_KEY}


def _call(spec: ProviderSpec, emu: Emulator) -> tuple[str, dict[str, Any]]:
    model = PARTNER_MODELS.get(spec.name) or MODELS.get(spec.dialect, "emu-model")
    kw = {k: f"emu-{k}" for k, p in spec.params.items() if p.required and p.default is None}
    kw.update(_credentials(spec), base_url=emu.base_url(spec.name), max_retries=0)
    return f"{spec.name}/{model}", kw


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="module")
def client() -> Any:
    with llmkit.Client() as c:  # one pool for the module (a client per test costs its TLS setup)
        yield c


def test_every_registered_provider_has_a_base_url(emulator: Emulator) -> None:
    assert len(SPECS) >= 70
    for spec in SPECS:
        assert emulator.base_url(spec.name).startswith(f"{emulator.url}/{spec.name}")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_provider_answers_complete_and_stream(
    emu: Emulator, client: llmkit.Client, spec: ProviderSpec
) -> None:
    model, kw = _call(spec, emu)
    emu.script(Script(text="whole answer"), Script(text="streamed in several pieces"))
    c = client.complete(model, "Say hello", **kw)
    with client.stream(model, "Say hello", **kw) as s:
        pieces = [e.text for e in s if isinstance(e, TextDelta)]
    assert c.text == "whole answer" and c.provider == spec.name
    assert "".join(pieces) == "streamed in several pieces" == s.completion.text
    assert emu.pending_scripts() == 0
    assert all(r.profile == spec.name for r in emu.requests)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_provider_answers_async(emu: Emulator, spec: ProviderSpec) -> None:
    model, kw = _call(spec, emu)
    emu.script(Script(text="async whole"), Script(text="async in pieces"))

    async def go() -> tuple[str, str]:
        async with llmkit.AsyncClient() as client:
            c = await client.complete(model, "Say hello", **kw)
            async with client.stream(model, "Say hello", **kw) as s:
                pieces = [e.text async for e in s if isinstance(e, TextDelta)]
        return c.text, "".join(pieces)

    assert asyncio.run(go()) == ("async whole", "async in pieces")


def test_an_unknown_name_is_a_typed_error_listing_the_profiles(emulator: Emulator) -> None:
    with pytest.raises(UnknownProfileError) as info:
        emulator.base_url("no_such_provider")
    assert isinstance(info.value, ConfigurationError) and not isinstance(info.value, KeyError)
    message = str(info.value)
    assert "'no_such_provider'" in message
    for name in ("openai", "anthropic", "bedrock", "vertex_ai_anthropic", "zai_anthropic"):
        assert name in message
