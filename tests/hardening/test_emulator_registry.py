"""The emulator serves every provider in the registry: ``Emulator.base_url(name)`` is the exact
``base_url=`` to pass, and a complete() and a stream() through the public API (sync and async)
come back from it. An unknown name is a typed error that lists what exists."""

from __future__ import annotations

import asyncio
import base64
import functools
import tempfile
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, UnknownProfileError
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.emulator.gemini import VERTEX_PROJECT
from llmkit.emulator.sap import service_key as sap_service_key
from llmkit.errors import ConfigurationError
from llmkit.providers import all_specs, get_spec
from llmkit.providers.spec import ProviderSpec
from llmkit.types import ImagePart, Message, TextDelta, TextPart, Tool

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
SPECS = all_specs()
# Providers with chat (Stability AI is images only): the complete/stream checks below.
CHAT_SPECS = [s for s in SPECS if s.supports("chat")]
# A model id each wire format's emulator handler takes (any id for the OpenAI-compatible fleet).
MODELS = {
    "anthropic_messages": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
    "bedrock_converse": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "sagemaker": "my-llm-endpoint",
    "replicate": "meta/meta-llama-3-8b-instruct",
}
PARTNER_MODELS = {
    "vertex_ai_anthropic": "claude-sonnet-4-5@20250929",
    "vertex_ai_mistral": "mistral-small-2503",
    "vertex_ai_ai21": "jamba-1.5-mini@001",
}


@functools.cache
def _oci_credentials() -> dict[str, Any]:
    """A signing key the emulator registered (the OCI profile verifies signatures against it)."""
    from llmkit.emulator.oci import COMPARTMENT, TENANCY, USER, new_api_key

    made = new_api_key(tempfile.mkdtemp(prefix="llmkit-oci-"))
    return {
        "tenancy": TENANCY,
        "user": USER,
        "fingerprint": made.fingerprint,
        "key_file": made.key_file,
        "compartment_id": COMPARTMENT,
    }


# Providers whose credential is exchanged at an emulated host of its own.
TOKEN_HOSTS = {"github_copilot": "github_oauth"}


def _credentials(spec: ProviderSpec) -> dict[str, Any]:
    """What a caller passes to authenticate against the emulator, by the spec's auth scheme."""
    factory = spec.auth_factory or ""
    if factory.startswith("llmkit.auth.aws:"):
        return {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY, "region": "us-east-1"}
    if factory.startswith("llmkit.auth.google:"):
        return {"access_token": CANARY_KEY, "project": VERTEX_PROJECT}
    if factory.startswith("llmkit.auth.oci:"):
        return _oci_credentials()
    if factory.startswith("llmkit.auth.watsonx:"):  # Cloud Pak's ZenApiKey: no IAM exchange to reach
        return {"api_key": CANARY_KEY, "username": "emu", "project_id": "emu-project"}
    if factory.startswith("llmkit.auth.yandex:"):  # the folder names the model's home (modelUri)
        return {"api_key": CANARY_KEY, "folder_id": "b1gemulatorfolder"}
    if spec.auth == "none":
        return {}
    return {"api_key": CANARY_KEY}


def _call(spec: ProviderSpec, emu: Emulator) -> tuple[str, dict[str, Any]]:
    model = PARTNER_MODELS.get(spec.name) or MODELS.get(spec.dialect, "emu-model")
    kw = {k: f"emu-{k}" for k, p in spec.params.items() if p.required and p.default is None}
    kw.update(_credentials(spec), base_url=emu.base_url(spec.name), max_retries=0)
    if (spec.auth_factory or "").startswith("llmkit.auth.gigachat:"):
        # An OAuth exchange first, at the emulator's GigaChat OAuth endpoint, with its key.
        from llmkit.emulator import gigachat as giga_emu

        kw.update(credentials=giga_emu.DEFAULT_CREDENTIALS, auth_url=giga_emu.auth_url(emu))
    if (spec.auth_factory or "").startswith("llmkit.auth.copilot:"):  # GitHub's token exchange, emulated
        kw.update(github_token=CANARY_KEY, github_api_url=emu.base_url("github_oauth"))
    if (spec.auth_factory or "").startswith("llmkit.auth.sap:"):  # its token URL is the emulator's
        kw["service_key"] = sap_service_key(emu)
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


@pytest.mark.parametrize("spec", CHAT_SPECS, ids=[s.name for s in CHAT_SPECS])
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
    # A credential exchanged at another host first (GitHub's, for Copilot) is the only other request.
    assert all(r.profile in (spec.name, TOKEN_HOSTS.get(spec.name)) for r in emu.requests)


@pytest.mark.parametrize("spec", CHAT_SPECS, ids=[s.name for s in CHAT_SPECS])
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


# ---------------------------------------------------------------- every advertised capability works

WEATHER = Tool(
    "get_weather",
    "Current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
CITY = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
PIXEL = base64.b64encode(
    bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
).decode()
EMBED_MODELS = {
    "bedrock": "cohere.embed-english-v3",  # Titan takes one text per request
    "gemini": "text-embedding-004",
    "vertex_ai": "text-embedding-004",
}
# An image model per provider whose chat model is not one (issue 12); others use the chat model.
IMAGE_MODELS = {
    "openai": "gpt-image-1",
    "bedrock": "amazon.nova-canvas-v1:0",
    "gemini": "gemini-2.5-flash-image",
    "vertex_ai": "imagen-4.0-generate-001",
    "xai": "grok-2-image",
    "replicate": "black-forest-labs/flux-schnell",
    "stability": "core",
}
# The request option that turns a provider's web search on, by the option's name.
SEARCH_OPTIONS: dict[str, Any] = {
    "web_search_options": {"search_context_size": "low"},
    "plugins": [{"id": "web"}],
}


def _chat_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    assert client.complete(model, "hi", **kw).text


def _tools_work(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"})]))
    c = client.complete(model, "Weather in Oslo?", tools=[WEATHER], **kw)
    assert [(t.name, t.arguments) for t in c.tool_calls] == [("get_weather", {"city": "Oslo"})]


def _json_schema_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    c = client.complete(model, "A city, as JSON", response_format=CITY, **kw)
    assert isinstance(c.parsed, dict) and isinstance(c.parsed["city"], str)


def _json_object_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    c = client.complete(model, "A city, as JSON", response_format={"type": "json_object"}, **kw)
    assert isinstance(c.parsed, dict)


def _vision_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    image = Message("user", [TextPart("What is this?"), ImagePart(data=PIXEL, media_type="image/png")])
    assert client.complete(model, [image], **kw).text
    assert PIXEL in emu.requests[-1].body.decode()


def _embeddings_work(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    provider = model.split("/", 1)[0]
    e = client.embed(f"{provider}/{EMBED_MODELS.get(provider, 'emu-embed')}", ["hello", "world"], **kw)
    assert len(e.vectors) == 2 and all(e.vectors)


def _count_tokens_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    kw = {k: v for k, v in kw.items() if k != "max_retries"}
    assert client.count_tokens(model, "How many tokens is this?", **kw).input_tokens > 0


# Issue 12: a model each provider with images generates with (default: the call's chat model).
def _images_work(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    provider = model.split("/", 1)[0]
    name = f"{provider}/{IMAGE_MODELS[provider]}" if provider in IMAGE_MODELS else model
    from llmkit import images

    images.allow_loopback_http_for_tests(True)  # URL answers are served by the loopback emulator
    try:
        out = client.generate_image(name, "a red fox", fetch=True, **kw)
    finally:
        images.allow_loopback_http_for_tests(False)
    assert out.images and all(image.data for image in out.images)


def _reasoning_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    emu.script(Script(text="42", reasoning="Six times seven.", reasoning_tokens=5))
    c = client.complete(model, "Think first", **kw)
    # Reasoning text where the provider returns it, else its reasoning token count.
    assert c.reasoning == "Six times seven." or c.usage.reasoning_tokens == 5


def _web_search_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    spec = get_spec(model.split("/", 1)[0])
    option = next(o for o in SEARCH_OPTIONS if o in spec.body_options)
    client.complete(model, "News?", **{option: SEARCH_OPTIONS[option]}, **kw)
    assert emu.requests[-1].json()[spec.body_options[option]] == SEARCH_OPTIONS[option]


# Issue 13: a rerank model per provider (default: emu-rerank); scores follow the text.
RERANK_MODELS = {"cohere": "rerank-v3.5"}
RERANK_MODELS["voyage"] = "rerank-2.5"  # Voyage answers only its rerankers' names


def _rerank_works(client: llmkit.Client, emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    provider = model.split("/", 1)[0]
    name = f"{provider}/{RERANK_MODELS.get(provider, 'emu-rerank')}"
    out = client.rerank(name, "dog barks", ["cats purr", "the dog barks"], **kw)
    assert out.indices[0] == 1 and len(out.results) == 2


CHECKS = {
    "chat": _chat_works,
    "tools": _tools_work,
    "json_schema": _json_schema_works,
    "json_object": _json_object_works,
    "vision": _vision_works,
    "embeddings": _embeddings_work,
    "count_tokens": _count_tokens_works,
    "images": _images_work,
    "reasoning": _reasoning_works,
    "web_search": _web_search_works,
    "rerank": _rerank_works,
}
# chat and stream: test_every_provider_answers_complete_and_stream, for every provider.
ADVERTISED = sorted((s.name, cap) for s in SPECS for cap in s.capabilities if cap not in ("chat", "stream"))


def test_every_advertised_capability_has_a_check() -> None:
    """A flag nothing exercises is a promise nobody keeps: add a check here, or drop the flag."""
    unknown = sorted({cap for _, cap in ADVERTISED} - set(CHECKS) - {"stream"})
    assert not unknown, f"capabilities with no working path: {unknown}"


@pytest.mark.parametrize(("name", "capability"), ADVERTISED, ids=[f"{n}-{c}" for n, c in ADVERTISED])
def test_every_advertised_capability_works(
    emu: Emulator, client: llmkit.Client, name: str, capability: str
) -> None:
    check = CHECKS.get(capability)
    assert check is not None, f"{name} advertises {capability!r}, which nothing here exercises"
    model, kw = _call(get_spec(name), emu)
    check(client, emu, model, kw)


def test_count_tokens_is_an_estimate_where_not_advertised(emu: Emulator, client: llmkit.Client) -> None:
    """The other side of the rule: no flag, no request (xAI's tokenizer counts text, not a
    request), so the count is llmkit's estimate, flagged as one."""
    model, kw = _call(get_spec("xai"), emu)
    counted = client.count_tokens(model, "hi", **{k: v for k, v in kw.items() if k != "max_retries"})
    assert counted.method == "estimate:chars/4" and not counted.exact
    assert emu.requests == []


def test_vertex_partners_answer_in_their_publishers_format(emu: Emulator, client: llmkit.Client) -> None:
    """Mistral on Vertex AI streams as Mistral does: usage on the last chunk, no refusal field."""
    model, kw = _call(get_spec("vertex_ai_mistral"), emu)
    emu.script(Script(text="from mistral on vertex", input_tokens=4, output_tokens=5))
    with client.stream(model, "hi", **kw) as s:
        list(s)
    assert (s.completion.usage.input_tokens, s.completion.usage.output_tokens) == (4, 5)
    assert all("refusal" not in (c["choices"] or [{}])[0].get("delta", {}) for c in s.completion.raw)
