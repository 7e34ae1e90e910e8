"""The emulator's fleet profiles (written from each provider's documentation) and llmkit's provider
specs (written separately) agree on what they must: the path every chat and embeddings request goes
to, for every region, and the header that carries the key.

Loopback tests pass ``base_url=emu.base_url(name)``, which hides the spec's own base URL; this is
where a wrong base path or chat path in either table surfaces, instead of cancelling out."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

import llmkit
from llmkit._resolve import resolve
from llmkit.dialects.base import ChatRequest, EmbedRequest
from llmkit.emulator import Emulator
from llmkit.emulator.profiles import PROFILES as REGISTERED
from llmkit.emulator.profiles import Profile
from llmkit.providers import get_spec
from llmkit.providers.spec import ProviderSpec
from llmkit.types import Message

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
# Every documented OpenAI-compatible profile (fleet_profiles and the modules that extend it).
PROFILES = {n: p for n, p in REGISTERED.items() if "documented_paths" in p.extra}
# Fleet profiles that stand for a deployment style rather than a registry entry.
NOT_IN_REGISTRY = {"modal_proxy"}
NAMES = sorted(set(PROFILES) - NOT_IN_REGISTRY)
# Entries with no fixed address (base_url= is required) have no path of their own to agree on.
ADDRESSED = [n for n in NAMES if get_spec(n).base_url]


def _params(spec: ProviderSpec, template: str) -> dict[str, str]:
    """Values for the parameters a template (and the spec) needs: a host where the template starts
    with one (the example URL the parameter's own doc gives, if any), a path segment elsewhere."""
    out = {}
    needed = set(re.findall(r"\{([a-z_]+)\}", template))
    needed |= {n for n, p in spec.params.items() if p.required and p.default is None}
    for name in needed:
        p = spec.params.get(name)
        if p is not None and p.default is not None:
            continue  # the spec's own default is what a caller gets
        if template.startswith(f"{{{name}}}"):
            example = re.search(r"https://\S+", p.doc if p else "")
            out[name] = re.sub(r"<[^>]+>", "x", example[0]) if example else "https://host.test"
        else:
            # A value of the parameter's declared kind (the client refuses anything else).
            out[name] = _KIND_SAMPLES.get(p.kind if p else "", f"emu-{name}")
    return out


_KIND_SAMPLES = {"hex": "0123456789abcdef0123456789abcdef", "gcp_project": "emu-project"}


def _urls(spec: ProviderSpec) -> list[tuple[str, Any]]:
    """(label, resolved call) for the default base URL and each named region."""
    out = []
    for region in [None, *sorted(spec.regions)]:
        template = spec.regions[region] if region else spec.base_url
        options: dict[str, Any] = _params(spec, template)
        if region:
            options["region"] = region
        r = resolve(
            f"{spec.name}/emu-model", api_key="k" * 12, base_url=None, extra_headers=None, options=options,
            default_keys={}, default_headers={},
        )  # fmt: skip
        out.append((region or "default", r))
    return out


def _kind(profile: Profile, path: str) -> str | None:
    return next((kind for pattern, kind in profile.extra["routes"] if pattern.fullmatch(path)), None)


def _where(path: str, profile: Profile, kind: str) -> str:
    return (
        f"llmkit sends {kind} to {path}; {profile.name}'s docs list {profile.extra['documented_paths'][kind]}"
    )


def test_every_fleet_spec_has_a_documented_profile() -> None:
    from llmkit.providers import all_specs

    fleet_specs = {
        s.name
        for s in all_specs()
        if s.dialect == "openai_chat"
        and not (s.auth_factory or "").startswith(("llmkit.auth.google", "llmkit.auth.copilot"))
    }
    assert fleet_specs - {"openai"} == set(NAMES)


@pytest.mark.parametrize("name", ADDRESSED)
def test_chat_and_embeddings_go_to_documented_paths(name: str) -> None:
    spec, profile = get_spec(name), PROFILES[name]
    for region, r in _urls(spec):
        chat = r.dialect.build_chat(ChatRequest(r.ctx.model, [Message("user", "hi")]), r.ctx)
        path = urlsplit(chat.url).path
        assert _kind(profile, path) == "chat", f"[{region}] " + _where(path, profile, "chat")
        stream = r.dialect.build_chat(ChatRequest(r.ctx.model, [Message("user", "hi")], stream=True), r.ctx)
        assert urlsplit(stream.url).path == path
        if spec.supports("embeddings"):
            embed = r.dialect.build_embed(EmbedRequest(r.ctx.model, ["hi"]), r.ctx)
            path = urlsplit(embed.url).path
            assert _kind(profile, path) == "embeddings", f"[{region}] " + _where(path, profile, "embeddings")


@pytest.mark.parametrize("name", NAMES)
def test_the_key_goes_in_a_header_the_provider_reads(name: str, emu: Emulator) -> None:
    spec, profile = get_spec(name), PROFILES[name]
    kw = _params(spec, spec.base_url)
    with llmkit.Client(max_retries=0) as client:
        client.complete(f"{name}/emu-model", "hi", base_url=emu.base_url(name), api_key=CANARY_KEY, **kw)
    sent = emu.requests[-1].headers
    if spec.auth == "none":
        assert not profile.auth_headers or profile.extra.get("key_optional"), name
        return
    carried = [h for h, prefix in profile.auth_headers if sent.get(h) == f"{prefix}{CANARY_KEY}"]
    assert carried, f"llmkit sent the key in none of {[h for h, _ in profile.auth_headers]}"


def test_a_disagreement_fails() -> None:
    """The matcher is strict: a base path one segment off, or a chat path spelled otherwise, is no match."""
    groq, writer = PROFILES["groq"], PROFILES["writer"]
    assert _kind(groq, "/openai/v1/chat/completions") == "chat"
    assert _kind(groq, "/v1/chat/completions") is None
    assert _kind(groq, "/openai/v1/chat/completions/extra") is None
    assert _kind(writer, "/v1/chat") == "chat" and _kind(writer, "/v1/chat/completions") is None
    assert _kind(PROFILES["cloudflare"], "/client/v4/accounts/abc123/ai/v1/embeddings") == "embeddings"
    assert re.search("deployments", PROFILES["azure_openai"].extra["documented_paths"]["chat"][0])
