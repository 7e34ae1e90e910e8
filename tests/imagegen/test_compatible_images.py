"""The compatible clouds whose docs show an OpenAI-style images endpoint, as data on their specs:
xAI, DeepInfra, Together and Nebius over loopback (sync and async), each refusing the parameters
its docs do not list before sending; Together's request body and the emulator's answer validated
against Together's published OpenAPI document (../shared/specs/together/openapi.yaml)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import llmkit
from llmkit import AsyncClient
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError
from llmkit.providers import get_spec

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"

# provider, model, what it takes, a parameter it refuses
CLOUDS = [
    ("xai", "grok-2-image", {"n": 2, "response_format": "b64_json"}, {"size": "1024x1024"}),
    ("deepinfra", "black-forest-labs/FLUX-2-dev", {"n": 2, "size": "1024x1024"}, {"seed": 1}),
    (
        "together_ai",
        "black-forest-labs/FLUX.1-schnell",
        {"n": 2, "seed": 7, "negative_prompt": "rain", "width": 512, "height": 512, "steps": 4},
        {"size": "512x512"},
    ),
    (
        "nebius",
        "black-forest-labs/flux-schnell",
        {"seed": 7, "negative_prompt": "rain", "width": 512, "height": 512, "response_extension": "png"},
        {"n": 2},
    ),
]


def _kw(emu: Emulator, provider: str) -> dict[str, Any]:
    return {"base_url": emu.base_url(provider), "api_key": CANARY_KEY, "max_retries": 0}


@pytest.mark.parametrize(("provider", "model", "takes", "refuses"), CLOUDS)
def test_cloud_images_sync_and_async(
    emu: Emulator, provider: str, model: str, takes: dict[str, Any], refuses: dict[str, Any]
) -> None:
    kw = _kw(emu, provider)
    out = llmkit.generate_image(f"{provider}/{model}", "a lighthouse", **takes, **kw)
    assert len(out) == takes.get("n", 1)
    assert all(i.data is not None or (i.url or "").startswith(emu.url) for i in out)
    req = emu.requests[-1]
    assert req.path.endswith("/images/generations")
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    body = json.loads(req.body)
    assert body["model"] == model and body["prompt"] == "a lighthouse"
    assert {k: body[k] for k in takes} == takes

    async def go() -> Any:
        async with AsyncClient() as client:
            return await client.generate_image(f"{provider}/{model}", "a lighthouse", **takes, **kw)

    assert len(asyncio.run(go())) == takes.get("n", 1)
    before = len(emu.requests)
    with pytest.raises(ConfigurationError, match="does not take"):
        llmkit.generate_image(f"{provider}/{model}", "x", **refuses, **kw)
    with pytest.raises(ConfigurationError, match="does not take"):
        llmkit.generate_image(f"{provider}/{model}", "x", image=b"\x89PNG\r\n\x1a\n0000", **kw)
    assert len(emu.requests) == before


def test_clouds_without_an_openai_style_images_endpoint_do_not_declare_it() -> None:
    """Fireworks (workflow text_to_image routes), Novita (async txt2img tasks) and Hyperbolic
    (/v1/image/generation, its own body) document no OpenAI-style images endpoint."""
    for name in ("fireworks_ai", "novita", "hyperbolic"):
        assert not get_spec(name).supports("images"), name


@pytest.fixture(scope="module")
def together_schemas(shared_spec: Callable[[str], Path]) -> dict[str, Any]:
    doc = yaml.load(shared_spec("together/openapi.yaml").read_text(), Loader=yaml.CSafeLoader)
    request = doc["paths"]["/images/generations"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    return {"request": request, "components": doc["components"]}


def test_together_body_and_answer_follow_its_openapi(emu: Emulator, together_schemas: dict[str, Any]) -> None:
    kw = _kw(emu, "together_ai")
    llmkit.generate_image(
        "together_ai/black-forest-labs/FLUX.1-schnell",
        "a lighthouse",
        n=2,
        seed=7,
        negative_prompt="rain",
        output_format="png",
        width=512,
        height=512,
        steps=4,
        response_format="base64",
        **kw,
    )
    body = json.loads(emu.requests[-1].body)
    schema = {**together_schemas["request"], "additionalProperties": False}
    jsonschema.validate(body, schema)
    # Every field llmkit sent is one Together documents.
    assert set(body) <= set(together_schemas["request"]["properties"])
