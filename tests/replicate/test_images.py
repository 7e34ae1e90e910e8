"""generate_image on Replicate over loopback, sync and async: inputs per model family, refused
parameters before the network, a pending prediction polled with progress, output URLs fetched
only on request (and without the key), failures typed; images opened with Pillow."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, _images
from llmkit.emulator.script import Script
from llmkit.errors import ConfigurationError, PredictionFailedError
from llmkit.images import allow_loopback_http_for_tests, on_progress

FLUX = "replicate/black-forest-labs/flux-schnell"
SDXL = "replicate/stability-ai/sdxl"


@pytest.fixture(autouse=True)
def _loopback_fetch() -> Iterator[None]:
    allow_loopback_http_for_tests(True)
    yield
    allow_loopback_http_for_tests(False)


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("replicate"), "poll_interval": 0.01, **extra}


def test_flux_inputs_urls_and_fetch_on_request(emu: Emulator) -> None:
    out = llmkit.generate_image(
        FLUX, "a llama", n=2, aspect_ratio="16:9", seed=7, output_format="png", **kw(emu)
    )
    assert emu.requests[0].json() == {
        "input": {
            "prompt": "a llama",
            "num_outputs": 2,
            "aspect_ratio": "16:9",
            "seed": 7,
            "output_format": "png",
        }
    }
    assert len(out) == 2 and all(i.data is None and i.url for i in out)
    assert len(emu.requests) == 1  # nothing fetched yet
    data = out[0].fetch()
    assert Image.open(io.BytesIO(data)).format == "PNG"
    fetch = emu.requests[-1]
    assert fetch.path.startswith("/files/") and "authorization" not in fetch.headers


def test_sdxl_inputs_and_edit(emu: Emulator) -> None:
    edit = {"image": _images.PNG, "mask": _images.PNG, "strength": 0.6}
    llmkit.generate_image(SDXL, "a llama", size="512x768", negative_prompt="blurry", **edit, **kw(emu))
    inp = emu.requests[0].json()["input"]
    assert (inp["width"], inp["height"], inp["negative_prompt"], inp["prompt_strength"]) == (
        512,
        768,
        "blurry",
        0.6,
    )
    assert inp["image"].startswith("data:image/png;base64,") and inp["mask"].startswith(
        "data:image/png;base64,"
    )


def test_unsupported_parameters_refused_before_network(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match=r"does not take aspect_ratio.*size"):
        llmkit.generate_image(SDXL, "x", aspect_ratio="1:1", **kw(emu))
    with pytest.raises(ConfigurationError, match="does not take quality"):
        llmkit.generate_image(FLUX, "x", quality="hd", **kw(emu))
    assert emu.requests == []


def test_pending_prediction_polled_with_progress_and_fetched(emu: Emulator) -> None:
    emu.script(Script(extra={"polls": 3}))
    seen: list[str] = []
    with on_progress(seen.append):
        out = llmkit.generate_image(FLUX, "a llama", fetch=True, wait=False, **kw(emu))
    assert seen == ["starting", "processing", "processing"]
    assert Image.open(io.BytesIO(out[0].data or b"")).format == "WEBP"
    methods = [
        (r.method, r.path.split("/")[1] if r.path.startswith("/files") else r.path.split("/")[2])
        for r in emu.requests
    ]
    assert methods == [
        ("POST", "models"),
        ("GET", "predictions"),
        ("GET", "predictions"),
        ("GET", "predictions"),
        ("GET", "files"),
    ]


def test_failed_image_prediction(emu: Emulator) -> None:
    emu.script(Script(extra={"fail": "NSFW content detected", "polls": 1}))
    with pytest.raises(PredictionFailedError, match="NSFW content detected"):
        llmkit.generate_image(FLUX, "x", wait=False, **kw(emu))


def test_async_generate_and_fetch(emu: Emulator) -> None:
    emu.script(Script(extra={"polls": 2}))

    async def go() -> bytes:
        async with llmkit.AsyncClient() as client:
            out = await client.generate_image(FLUX, "a llama", output_format="jpg", wait=False, **kw(emu))
            return await out[0].afetch()

    assert Image.open(io.BytesIO(asyncio.run(go()))).format == "JPEG"
