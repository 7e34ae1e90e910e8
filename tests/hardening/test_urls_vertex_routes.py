"""``vertex_ai/<partner model>`` (as LiteLLM users and Google's docs name them) reaches the spec that
speaks that model's wire format, from data on the vertex_ai spec (``model_routes``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import llmkit
from llmkit._resolve import resolve
from llmkit.emulator import Emulator, Script, add_profile
from llmkit.emulator import gemini as emu_gemini
from llmkit.providers import get_spec
from llmkit.types import TextDelta

add_profile(emu_gemini.VERTEX)
add_profile(emu_gemini.VERTEX_MAAS)

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
ROOT = "/vertex_ai/v1/projects/test-proj/locations/us-central1"

ROUTES = [
    ("claude-sonnet-4-5@20250929", "vertex_ai_anthropic"),
    ("claude-opus-4-1", "vertex_ai_anthropic"),
    ("mistral-small-2503", "vertex_ai_mistral"),
    ("mistral-large-2411@001", "vertex_ai_mistral"),
    ("codestral-2501", "vertex_ai_mistral"),
    ("jamba-1.5-large@001", "vertex_ai_ai21"),
    ("meta/llama-3.3-70b-instruct-maas", "vertex_ai_maas"),
    ("meta/llama-4-maverick-17b-128e-instruct-maas", "vertex_ai_maas"),
    ("deepseek-ai/deepseek-v3.1-maas", "vertex_ai_maas"),
    ("deepseek-r1-0528-maas", "vertex_ai_maas"),
    ("qwen/qwen3-coder-480b-a35b-instruct-maas", "vertex_ai_maas"),
    ("qwen3-235b-a22b-instruct-2507-maas", "vertex_ai_maas"),
    ("openai/gpt-oss-120b-maas", "vertex_ai_maas"),
    ("moonshotai/kimi-k2-thinking-maas", "vertex_ai_maas"),
    ("gemini-2.5-pro", "vertex_ai"),
    ("gemini-embedding-001", "vertex_ai"),
    ("text-embedding-005", "vertex_ai"),
]


def _resolve(model: str, **options: Any) -> Any:
    return resolve(
        model, api_key=None, base_url=None, extra_headers=None,
        options={"project": "my-project", "access_token": "ya29.x", **options},
        default_keys={}, default_headers={},
    )  # fmt: skip


@pytest.mark.parametrize(("name", "target"), ROUTES)
def test_partner_names_route_to_their_spec(name: str, target: str) -> None:
    r = _resolve(f"vertex_ai/{name}")
    assert r.spec.name == target
    assert r.ctx.model == name  # the id passes through unchanged
    explicit = _resolve(f"{target}/{name}")
    assert explicit.spec.name == target and explicit.ctx.base_url == r.ctx.base_url


def test_routes_are_data_on_the_spec() -> None:
    spec = get_spec("vertex_ai")
    targets = {t for _, t in spec.model_routes}
    assert targets == {
        "vertex_ai_anthropic",
        "vertex_ai_mistral",
        "vertex_ai_ai21",
        "vertex_ai_maas",
        "vertex_ai_ranking",  # semantic-ranker-*: Discovery Engine's ranking API (cloud13)
    }
    # A route is taken once: the partner specs route nothing further.
    assert all(not get_spec(t).model_routes for t in targets)


def test_routed_claude_takes_the_partner_specs_own_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ("GOOGLE_CLOUD_LOCATION", "CLOUD_ML_REGION"):
        monkeypatch.delenv(env, raising=False)
    r = _resolve("vertex_ai/claude-sonnet-4-5@20250929")
    assert (
        r.ctx.base_url
        == "https://us-east5-aiplatform.googleapis.com/v1/projects/my-project/locations/us-east5"
    )


def test_vertex_claude_hits_raw_predict_sync_and_async(emu: Emulator) -> None:
    kw = {"base_url": emu.url + ROOT, "access_token": CANARY_KEY, "max_retries": 0}
    model = "vertex_ai/claude-sonnet-4-5@20250929"
    emu.script(Script(text="sync claude"), Script(text="async claude"), Script(text="streamed claude"))
    assert llmkit.complete(model, "hi", **kw).text == "sync claude"

    async def go() -> tuple[str, str]:
        async with llmkit.AsyncClient() as client:
            whole = await client.complete(model, "hi", **kw)
            parts: list[str] = []
            async with client.stream(model, "hi", **kw) as s:
                async for event in s:
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
            return whole.text, "".join(parts)

    assert asyncio.run(go()) == ("async claude", "streamed claude")
    segment = "claude-sonnet-4-5%4020250929"
    assert [r.full_path for r in emu.requests] == [
        f"{ROOT}/publishers/anthropic/models/{segment}:rawPredict",
        f"{ROOT}/publishers/anthropic/models/{segment}:rawPredict",
        f"{ROOT}/publishers/anthropic/models/{segment}:streamRawPredict",
    ]
    body = emu.requests[0].json()
    assert body["anthropic_version"] == "vertex-2023-10-16" and "model" not in body


def test_vertex_mistral_and_maas_names_reach_their_endpoints(emu: Emulator) -> None:
    emu.script(Script(text="mistral"), Script(text="llama"))
    kw = {"access_token": CANARY_KEY, "max_retries": 0}
    assert (
        llmkit.complete("vertex_ai/mistral-small-2503", "hi", base_url=emu.url + ROOT, **kw).text == "mistral"
    )
    maas_root = "/vertex_ai_maas/v1/projects/test-proj/locations/us-central1"
    c = llmkit.complete(
        "vertex_ai/meta/llama-3.3-70b-instruct-maas", "hi", base_url=emu.url + maas_root, **kw
    )
    assert c.text == "llama"
    assert [r.full_path for r in emu.requests] == [
        f"{ROOT}/publishers/mistralai/models/mistral-small-2503:rawPredict",
        f"{maas_root}/endpoints/openapi/chat/completions",
    ]
    assert emu.requests[1].json()["model"] == "meta/llama-3.3-70b-instruct-maas"


def test_gemini_names_stay_on_vertex_ai(emu: Emulator) -> None:
    emu.script(Script(text="gemini"))
    c = llmkit.complete(
        "vertex_ai/gemini-2.5-pro", "hi", base_url=emu.url + ROOT, access_token=CANARY_KEY, max_retries=0
    )
    assert c.text == "gemini"
    assert emu.requests[-1].full_path == f"{ROOT}/publishers/google/models/gemini-2.5-pro:generateContent"
