"""Dialects implement only the operations their wire format has, and specs declare no more.

Every spec's capabilities are backed by its dialect's methods (checked at registration, and here
over the whole registry); an operation a dialect implements is declared by some spec that speaks
it (an implementation nobody declares is a stub or dead code); asking for an operation a provider
lacks is a NotSupportedError naming the providers that have it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit import providers
from llmkit.dialects import (
    _MODULES,
    get_dialect,
    missing_methods,
    operation,
    require,
)
from llmkit.dialects.anthropic import AnthropicQuirks
from llmkit.dialects.base import OPERATION_METHODS, Quirks
from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.errors import ConfigurationError, NotSupportedError
from llmkit.providers import all_specs, check_spec, get_spec, register
from llmkit.providers.spec import CAPABILITIES, ProviderSpec

SPECS = all_specs()
DIALECTS = sorted(_MODULES)
OPERATIONS = sorted(OPERATION_METHODS)


@pytest.fixture
def registered() -> Iterator[list[str]]:
    """Names registered by one test, removed afterwards (the registry is global)."""
    names: list[str] = []
    yield names
    for name in names:
        providers._extra.pop(name, None)
        providers._registry.pop(name, None)


def test_every_operation_is_a_capability() -> None:
    assert set(OPERATION_METHODS) <= set(CAPABILITIES)
    assert "rerank" in CAPABILITIES and "images" in CAPABILITIES


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_declared_capability_is_implemented(spec: ProviderSpec) -> None:
    dialect = get_dialect(spec.dialect)
    for capability in spec.capabilities:
        assert not missing_methods(dialect, capability), (spec.name, capability)
    check_spec(spec, dialect)  # what registration ran; quirks included


@pytest.mark.parametrize("name", DIALECTS)
def test_an_implemented_operation_is_declared_by_some_spec(name: str) -> None:
    """No stubs: a dialect that has an operation serves at least one spec that declares it."""
    dialect = get_dialect(name)
    speakers = [s for s in SPECS if s.dialect == name]
    assert speakers, f"no spec speaks {name}"
    for op in OPERATIONS:
        if operation(dialect, op) is not None:  # type: ignore[call-overload]
            assert any(s.supports(op) for s in speakers), f"{name} implements {op}, which no spec declares"


def test_the_stubs_are_gone() -> None:
    assert operation(get_dialect("anthropic_messages"), "embeddings") is None
    assert operation(get_dialect("openai_chat"), "count_tokens") is None
    assert operation(get_dialect("sagemaker"), "embeddings") is None
    assert operation(get_dialect("sagemaker"), "count_tokens") is None
    # Issue 13: rerank on the formats that document it (Cohere first).
    assert operation(get_dialect("cohere"), "rerank") is get_dialect("cohere")
    # Together's Cohere-compatible /v1/rerank rides on the OpenAI format (embedall).
    assert operation(get_dialect("openai_chat"), "rerank") is get_dialect("openai_chat")
    assert operation(get_dialect("gigachat"), "rerank") is None
    # Issue 12: images on the OpenAI format (other formats add theirs).
    assert operation(get_dialect("openai_chat"), "images") is get_dialect("openai_chat")
    assert operation(get_dialect("anthropic_messages"), "images") is None
    assert operation(get_dialect("sagemaker"), "images") is None


def test_operation_returns_the_dialect_and_caches_the_answer() -> None:
    gemini = get_dialect("gemini")
    assert operation(gemini, "embeddings") is gemini and operation(gemini, "count_tokens") is gemini
    from llmkit import dialects

    assert dialects._implements[(type(gemini), "embeddings")] is True


def test_require_raises_not_supported_for_a_missing_operation() -> None:
    with pytest.raises(NotSupportedError, match="openai_chat wire format has no count_tokens"):
        require(get_dialect("openai_chat"), "count_tokens")


def test_register_refuses_a_capability_the_dialect_lacks(registered: list[str]) -> None:
    base = get_spec("anthropic")
    bad = dataclasses.replace(base, name="claude_gw", capabilities=base.capabilities | {"embeddings"})
    with pytest.raises(ConfigurationError) as info:
        register(bad)
    message = str(info.value)
    assert "claude_gw" in message and "'embeddings'" in message
    assert "build_embed" in message and "parse_embed" in message
    with pytest.raises(ConfigurationError, match="unknown provider"):
        get_spec("claude_gw")


def test_register_refuses_quirks_of_another_dialect(registered: list[str]) -> None:
    base = get_spec("openai")
    with pytest.raises(ConfigurationError, match=r"AnthropicQuirks.*reads OpenAIQuirks"):
        register(dataclasses.replace(base, name="odd_gw", quirks=AnthropicQuirks()))
    bedrock = get_spec("bedrock")
    with pytest.raises(ConfigurationError, match="OpenAIQuirks"):
        register(dataclasses.replace(bedrock, name="odd_bedrock", quirks=OpenAIQuirks()))
    # The base class (and None) fit a dialect with no quirks of its own.
    register(dataclasses.replace(bedrock, name="plain_bedrock", quirks=Quirks()))
    registered.append("plain_bedrock")
    assert get_spec("plain_bedrock").quirks == Quirks()


def _fake_family(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spec module ``_fake_family`` with a good spec and one that declares a capability its
    dialect lacks; the registry's state is restored after the test."""
    import types

    base = get_spec("openai")
    fake = types.ModuleType("llmkit.providers._fake_family")
    fake.SPECS = (
        dataclasses.replace(base, name="fake_good"),
        dataclasses.replace(base, name="fake_one", capabilities=base.capabilities | {"count_tokens"}),
    )  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, fake.__name__, fake)
    for name in ("fake_good", "fake_one"):
        monkeypatch.setitem(providers._INDEX, name, fake.__name__)
    monkeypatch.setattr(providers, "_loaded", set(providers._loaded))
    monkeypatch.setattr(providers, "_registry", dict(providers._registry))
    monkeypatch.setattr(providers, "_checked", dict(providers._checked))


def test_a_bad_builtin_spec_fails_when_it_is_first_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Built-in specs are checked before get_spec first hands them out, with register()'s message."""
    _fake_family(monkeypatch)
    for _ in range(2):  # not handed out unchecked the second time either
        with pytest.raises(
            ConfigurationError, match=r"'fake_one'.*'count_tokens'.*build_count_tokens, parse_count_tokens"
        ):
            get_spec("fake_one")


def test_a_bad_sibling_does_not_fail_another_spec_but_fails_the_full_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """First use checks only the spec resolved (so it imports only that spec's dialect); the full
    listing the docs, the catalog and these tests read checks every spec."""
    _fake_family(monkeypatch)
    assert get_spec("fake_good").name == "fake_good"
    monkeypatch.setattr(providers, "SPEC_MODULES", [*providers.SPEC_MODULES, "llmkit.providers._fake_family"])
    with pytest.raises(ConfigurationError, match=r"'fake_one'.*'count_tokens'"):
        providers.all_specs()


def test_every_spec_quirks_is_typed_for_its_dialect() -> None:
    for spec in SPECS:
        q = spec.quirks
        assert q is None or isinstance(q, get_dialect(spec.dialect).quirks_type), spec.name
        assert q is None or isinstance(q.extra_options, frozenset)


@pytest.mark.parametrize(
    ("call", "capability"),
    [
        (
            lambda: llmkit.embed("groq/llama", "x", api_key="k" * 12, base_url="http://127.0.0.1:9"),
            "embeddings",
        ),
        # count_tokens without a counting endpoint counts offline (tests/tokencount).
    ],
    ids=["embed"],
)
def test_not_supported_names_the_providers_that_have_it(call: Any, capability: str) -> None:
    with pytest.raises(NotSupportedError) as info:
        call()
    having = [s.name for s in SPECS if s.supports(capability)]
    assert having and all(name in str(info.value) for name in having)
