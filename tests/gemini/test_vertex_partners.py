"""Vertex AI partner models on the OpenAI-compatible dialect: Mistral and AI21 streaming through
``:streamRawPredict``, and the host each location resolves to."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

import llmkit
from llmkit._resolve import resolve
from llmkit.dialects.base import ChatRequest
from llmkit.emulator import Emulator, Script, ScriptedCall, add_profile
from llmkit.emulator import gemini as emu_gemini
from llmkit.functions import default_async_client
from llmkit.providers import get_spec
from llmkit.types import FinishReason, Message, TextDelta

add_profile(emu_gemini.VERTEX)

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
PARTNERS = [
    ("vertex_ai_mistral/mistral-small-2503", "v1", "mistralai"),
    ("vertex_ai_ai21/jamba-1.5-mini@001", "v1beta1", "ai21"),
]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _kw(emu: Emulator, version: str) -> dict[str, Any]:
    return {
        "base_url": f"{emu.url}/vertex_ai/{version}/projects/test-proj/locations/us-central1",
        "project": "test-proj",
        "access_token": CANARY_KEY,
        "max_retries": 0,
    }


@pytest.mark.parametrize(("model", "version", "publisher"), PARTNERS)
def test_partner_stream_goes_to_stream_raw_predict(
    emu: Emulator, model: str, version: str, publisher: str
) -> None:
    name = model.split("/", 1)[1]
    emu.script(Script(text=f"streamed from {publisher} in parts", input_tokens=4, output_tokens=5))
    with llmkit.stream(model, "hi", **_kw(emu, version)) as s:
        deltas = [e.text for e in s if isinstance(e, TextDelta)]
        done = s.completion
    assert "".join(deltas) == f"streamed from {publisher} in parts"
    assert len(deltas) > 1
    assert done.finish_reason is FinishReason.STOP
    sent = emu.requests[-1]
    assert sent.full_path == (
        f"/vertex_ai/{version}/projects/test-proj/locations/us-central1"
        f"/publishers/{publisher}/models/{quote(name, safe='')}:streamRawPredict"
    )
    body = sent.json()
    assert body["stream"] is True
    assert body["model"] == name.split("@")[0]
    assert "stream_options" not in body
    assert sent.headers["accept"] == "text/event-stream"


@pytest.mark.parametrize(("model", "version", "publisher"), PARTNERS)
def test_partner_async_stream_and_complete(emu: Emulator, model: str, version: str, publisher: str) -> None:
    kw = _kw(emu, version)

    async def go() -> tuple[str, str]:
        try:
            emu.script(Script(text="async whole"), Script(text="async in pieces"))
            whole = await llmkit.acomplete(model, "hi", **kw)
            parts: list[str] = []
            async with llmkit.astream(model, "hi", **kw) as st:
                async for ev in st:
                    if isinstance(ev, TextDelta):
                        parts.append(ev.text)
            return whole.text, "".join(parts)
        finally:
            await default_async_client().aclose()

    assert asyncio.run(go()) == ("async whole", "async in pieces")
    paths = [
        r.full_path.rsplit(":", 1)[1] for r in emu.requests if f"/publishers/{publisher}/" in r.full_path
    ]
    assert paths[-2:] == ["rawPredict", "streamRawPredict"]


def test_mistral_streamed_tool_call(emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lyon"}, id="call_lyon")]))
    with llmkit.stream(
        "vertex_ai_mistral/mistral-large-2411", "Lyon?", tools=[WEATHER], **_kw(emu, "v1")
    ) as s:
        list(s)
    assert s.completion.tool_calls[0].arguments == {"city": "Lyon"}
    assert s.completion.finish_reason is FinishReason.TOOL_CALLS


def test_partner_specs_declare_stream() -> None:
    for name in ("vertex_ai_mistral", "vertex_ai_ai21", "vertex_ai_maas", "vertex_ai_anthropic"):
        assert get_spec(name).supports("stream"), name


# ---------------------------------------------------------------- the host per location


def _url(model: str, stream: bool = False, **options: Any) -> str:
    r = resolve(
        model,
        api_key=None,
        base_url=None,
        extra_headers=None,
        options={"project": "my-proj", "access_token": "ya29.x", **options},
        default_keys={},
        default_headers={},
    )
    req = ChatRequest(r.ctx.model, [Message("user", "hi")], stream=stream, options=r.options)
    return r.dialect.build_chat(req, r.ctx).url


@pytest.mark.parametrize(
    ("model", "regional", "global_"),
    [
        (
            "vertex_ai_maas/meta/llama-3.3-70b-instruct-maas",
            "https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5"
            "/endpoints/openapi/chat/completions",
            "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global"
            "/endpoints/openapi/chat/completions",
        ),
        (
            "vertex_ai_mistral/mistral-medium-3",
            "https://us-east5-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-east5"
            "/publishers/mistralai/models/mistral-medium-3:rawPredict",
            "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global"
            "/publishers/mistralai/models/mistral-medium-3:rawPredict",
        ),
        (
            "vertex_ai_ai21/jamba-1.5-large@001",
            "https://us-east5-aiplatform.googleapis.com/v1beta1/projects/my-proj/locations/us-east5"
            "/publishers/ai21/models/jamba-1.5-large%40001:rawPredict",
            "https://aiplatform.googleapis.com/v1beta1/projects/my-proj/locations/global"
            "/publishers/ai21/models/jamba-1.5-large%40001:rawPredict",
        ),
    ],
)
def test_regional_and_global_hosts(model: str, regional: str, global_: str) -> None:
    assert _url(model, location="us-east5") == regional
    assert _url(model, region="global") == global_


def test_global_stream_path() -> None:
    url = _url("vertex_ai_mistral/codestral-2501", stream=True, region="global")
    assert url == (
        "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global"
        "/publishers/mistralai/models/codestral-2501:streamRawPredict"
    )


def test_anthropic_global_location_host() -> None:
    url = _url("vertex_ai_anthropic/claude-haiku-4-5@20251001", location="global")
    assert url == (
        "https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global"
        "/publishers/anthropic/models/claude-haiku-4-5%4020251001:rawPredict"
    )


def test_hosts_agree_with_the_discovery_document(shared_spec: Callable[[str], Path]) -> None:
    """Every location's service endpoint in Google's discovery document, and the root URL for
    ``global`` (which has no regional endpoint), is the host llmkit sends Claude requests to."""
    doc = json.loads(shared_spec("google-vertex/aiplatform.v1.json").read_text())
    endpoints = {
        e["location"]: e["endpointUrl"] for e in doc["endpoints"] if "preprod" not in e["endpointUrl"]
    }
    assert "global" not in endpoints
    endpoints["global"] = doc["rootUrl"]
    for location, root in endpoints.items():
        url = _url("vertex_ai_anthropic/claude-opus-4-1@20250805", location=location)
        assert urlsplit(url).hostname == urlsplit(root).hostname, location
    global_maas = _url("vertex_ai_maas/deepseek-ai/deepseek-v3.1-maas", region="global")
    assert urlsplit(global_maas).hostname == urlsplit(doc["rootUrl"]).hostname


@pytest.mark.parametrize("provider", ["vertex_ai_maas", "vertex_ai_mistral", "vertex_ai_ai21"])
def test_global_location_resolves_to_the_global_host(provider: str) -> None:
    from llmkit._resolve import resolve

    r = resolve(
        f"{provider}/some-model",
        api_key="ya29.fake-access-token",
        base_url=None,
        extra_headers=None,
        options={"project": "my-proj", "location": "global"},
        default_keys={},
        default_headers={},
    )
    assert r.ctx.base_url.startswith("https://aiplatform.googleapis.com/")
    assert "/locations/global" in r.ctx.base_url
