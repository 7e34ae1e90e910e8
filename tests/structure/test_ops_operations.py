"""The operation declarations: capabilities checked before anything is sent (the error names the
providers that have the operation), and the common keywords taken by every operation."""

from __future__ import annotations

import asyncio
from dataclasses import fields
from typing import Any

import pytest

import llmkit
from llmkit import providers
from llmkit.emulator import Emulator, Script
from llmkit.emulator.script import ScriptedError
from llmkit.errors import NotSupportedError, ServerError
from llmkit.operations import COMPLETE, OPERATIONS, ClientOptions, Common, Settings, prepare
from llmkit.operations.chat import ChatParams
from llmkit.providers import all_specs, get_spec
from llmkit.providers.spec import CAPABILITIES, ProviderSpec


def test_every_operation_names_a_declared_capability() -> None:
    for op in OPERATIONS:
        assert op.capability in CAPABILITIES, op.name
        assert op.params.__doc__, f"{op.name}: its docstring is the shells' documentation"
        # Every operation's parameters extend the common keywords.
        assert issubclass(op.params, Common)
        assert fields(op.params)[0].name == "model"


def _names(capability: str) -> set[str]:
    return {s.name for s in all_specs() if s.supports(capability)}


def test_an_operation_the_provider_lacks_names_those_that_have_it(emu: Emulator) -> None:
    client = llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("anthropic"))
    with pytest.raises(NotSupportedError) as info:
        client.embed("anthropic/claude-sonnet-4-5", "hello")
    message = str(info.value)
    assert message.startswith("anthropic does not offer embeddings through llmkit; providers that do: ")
    listed = set(message.split("providers that do: ", 1)[1].split(", "))
    assert listed == _names("embeddings") and "anthropic" not in listed
    assert emu.requests == []


def test_count_tokens_where_not_advertised_counts_offline(emu: Emulator) -> None:
    client = llmkit.AsyncClient(api_key=emu.api_key, base_url=emu.base_url("openai"))
    counted = asyncio.run(client.count_tokens("openai/gpt-4o-mini", "hello"))
    assert counted.method == "offline:o200k_base" and counted.exact
    assert emu.requests == []


def test_a_provider_without_streaming_is_refused_before_sending(emu: Emulator) -> None:
    spec = ProviderSpec(
        name="ops_test_nostream",
        dialect="openai_chat",
        base_url=emu.base_url("openai"),
        env_keys=(),
        key_required=False,
        capabilities=frozenset({"chat"}),
    )
    llmkit.register_provider(spec)
    try:
        for client in (llmkit.Client(), llmkit.AsyncClient()):
            with pytest.raises(NotSupportedError, match="does not offer streaming through llmkit; providers"):
                client.stream("ops_test_nostream/m", "hi")
        # Chat is declared, so complete goes through.
        emu.script(Script(text="chat only"))
        with llmkit.Client(api_key=emu.api_key) as client:
            assert client.complete("ops_test_nostream/m", "hi").text == "chat only"
    finally:  # the registry is global: leave it as it was (as tests/fleet/test_quirks.py does)
        providers._extra.pop(spec.name, None)
        if providers._registry is not None:
            providers._registry.pop(spec.name, None)
    assert len(emu.requests) == 1


def test_the_list_of_providers_is_made_only_on_the_error_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def listing() -> list[ProviderSpec]:
        raise AssertionError("all_specs() on the hot path")

    monkeypatch.setattr(providers, "all_specs", listing)
    settings = Settings(ClientOptions(api_key="sk-test"))
    prepared = prepare(COMPLETE, settings, ChatParams("openai/gpt-4o-mini", "hi", provider_options={}))
    assert prepared.resolved.spec is get_spec("openai")


COUNT_KW: dict[str, Any] = {
    "timeout": llmkit.Timeout(total=10.0),
    "extra_headers": {"x-ops-trace": "t-1"},
    "extra_body": {"cache_control": {"type": "ephemeral"}},
}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_count_tokens_takes_the_common_keywords(emu: Emulator, mode: str) -> None:
    """count_tokens took only api_key/base_url; every operation now takes the common keywords."""
    where = {"api_key": emu.api_key, "base_url": emu.base_url("anthropic")}
    emu.script(Script(input_tokens=11))
    if mode == "sync":
        n = llmkit.count_tokens("anthropic/claude-sonnet-4-5", "hi", **where, **COUNT_KW)
    else:
        n = asyncio.run(llmkit.acount_tokens("anthropic/claude-sonnet-4-5", "hi", **where, **COUNT_KW))
    assert n.input_tokens == 11
    sent = emu.requests[-1]
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.headers["x-ops-trace"] == "t-1"
    assert sent.json()["cache_control"] == {"type": "ephemeral"}
    assert sent.json()["messages"] == [{"role": "user", "content": "hi"}]


def test_count_tokens_max_retries(emu: Emulator) -> None:
    client = llmkit.Client(api_key=emu.api_key, base_url=emu.base_url("anthropic"))
    emu.script(Script(error=ScriptedError(500, "scripted")), Script(input_tokens=3))
    with pytest.raises(ServerError):
        client.count_tokens("anthropic/claude-sonnet-4-5", "hi", max_retries=0)
    assert len(emu.requests) == 1
    emu.reset()
    emu.script(Script(error=ScriptedError(500, "scripted")), Script(input_tokens=3))
    counted = client.count_tokens("anthropic/claude-sonnet-4-5", "hi", max_retries=1, timeout=30.0)
    assert counted.input_tokens == 3 and len(emu.requests) == 2
