"""Bedrock image models over loopback through the public API, sync and async: every request
SigV4-signed by llmkit and verified by the emulator's Bedrock handler, whose InvokeModel image
handler checks each body field (Titan Image Generator v2, Nova Canvas, Stability on Bedrock)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import pytest
from PIL import Image

import llmkit
from llmkit import AsyncClient, Client
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.emulator._images import image as emu_image
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContentFilteredError,
    NotSupportedError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.types import FinishReason

TITAN = "bedrock/amazon.titan-image-generator-v2:0"
NOVA = "bedrock/amazon.nova-canvas-v1:0"
SD35 = "bedrock/stability.sd3-5-large-v1:0"
ULTRA = "bedrock/stability.stable-image-ultra-v1:1"
CORE = "bedrock/stability.stable-image-core-v1:1"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def kw(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("bedrock"), "max_retries": 0}


def _sent(emu: Emulator) -> dict[str, Any]:
    body = json.loads(emu.requests[-1].body)
    assert isinstance(body, dict)
    return body


def _format(data: bytes | None) -> str | None:
    assert data is not None
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.format


def test_titan_text_to_image(emu: Emulator, kw: dict[str, Any]) -> None:
    out = llmkit.generate_image(
        TITAN,
        "a red bicycle",
        n=2,
        size="768x512",
        negative_prompt="rain",
        seed=5,
        quality="premium",
        cfg_scale=7.5,
        **kw,
    )
    assert [_format(i.data) for i in out] == ["PNG", "PNG"]
    assert out[0].seed == 5
    req = emu.requests[-1]
    assert req.path == "/model/amazon.titan-image-generator-v2%3A0/invoke"
    assert req.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY)
    assert req.headers["accept"] == "application/json"
    assert _sent(emu) == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a red bicycle", "negativeText": "rain"},
        "imageGenerationConfig": {
            "numberOfImages": 2,
            "width": 768,
            "height": 512,
            "seed": 5,
            "quality": "premium",
            "cfgScale": 7.5,
        },
    }


def test_nova_canvas_tasks_sync_and_async(emu: Emulator, kw: dict[str, Any]) -> None:
    src = emu_image("png")
    with Client() as client:
        out = client.generate_image(NOVA, "a watercolour harbour", style="SOFT_DIGITAL_PAINTING", **kw)
    assert _format(out.data) == "PNG"
    assert _sent(emu)["textToImageParams"]["style"] == "SOFT_DIGITAL_PAINTING"

    async def go() -> list[dict[str, Any]]:
        async with AsyncClient() as client:
            await client.generate_image(NOVA, "same, at night", image=src, strength=0.6, **kw)
            variation = _sent(emu)
            await client.generate_image(NOVA, "a boat", image=src, mask=src, **kw)
            return [variation, _sent(emu)]

    variation, inpaint = asyncio.run(go())
    assert variation["taskType"] == "IMAGE_VARIATION"
    assert variation["imageVariationParams"]["similarityStrength"] == 0.6
    assert len(variation["imageVariationParams"]["images"]) == 1
    assert inpaint["taskType"] == "INPAINTING"
    assert set(inpaint["inPaintingParams"]) == {"text", "image", "maskImage"}


def test_nova_mask_prompt_option(emu: Emulator, kw: dict[str, Any]) -> None:
    llmkit.generate_image(NOVA, "replace with a cat", image=emu_image("png"), mask_prompt="the dog", **kw)
    assert _sent(emu)["inPaintingParams"]["maskPrompt"] == "the dog"


def test_stability_models(emu: Emulator, kw: dict[str, Any]) -> None:
    out = llmkit.generate_image(
        SD35, "a castle", aspect_ratio="21:9", seed=99, output_format="webp", negative_prompt="fog", **kw
    )
    assert _format(out.data) == "WEBP" and out[0].mime_type == "image/webp" and out[0].seed == 99
    assert _sent(emu) == {
        "prompt": "a castle",
        "mode": "text-to-image",
        "aspect_ratio": "21:9",
        "negative_prompt": "fog",
        "seed": 99,
        "output_format": "webp",
    }
    out = asyncio.run(llmkit.agenerate_image(ULTRA, "a castle", image=emu_image("png"), strength=0.4, **kw))
    assert _format(out.data) == "PNG"
    assert {k: v for k, v in _sent(emu).items() if k != "image"} == {
        "prompt": "a castle",
        "mode": "image-to-image",
        "strength": 0.4,
    }
    assert _format(llmkit.generate_image(CORE, "a castle", output_format="jpeg", **kw).data) == "JPEG"


def test_unsupported_parameters_fail_before_sending(emu: Emulator, kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="aspect_ratio"):
        llmkit.generate_image(CORE, "x", image=emu_image("png"), strength=0.5, **kw)
    with pytest.raises(ConfigurationError, match="style"):
        llmkit.generate_image(TITAN, "x", style="PHOTOREALISM", **kw)
    with pytest.raises(ConfigurationError, match="does not take n"):
        llmkit.generate_image(SD35, "x", n=2, **kw)
    with pytest.raises(ConfigurationError, match="1 to 5"):
        llmkit.generate_image(NOVA, "x", n=6, **kw)
    with pytest.raises(NotSupportedError, match="nova-canvas"):
        llmkit.generate_image("bedrock/meta.llama3-70b-instruct-v1:0", "x", **kw)
    assert emu.requests == []


def test_content_filters(emu: Emulator, kw: dict[str, Any]) -> None:
    emu.script(Script(finish_reason="content_filter"))
    out = llmkit.generate_image(NOVA, "x", n=3, keep_filtered=True, **kw)
    assert [i.finish_reason for i in out] == [FinishReason.STOP] * 2 + [FinishReason.CONTENT_FILTER]
    assert "Some of the generated images" in (out[2].raw_finish_reason or "")
    emu.script(Script(extra={"filtered": 2}))
    with pytest.raises(ContentFilteredError):
        llmkit.generate_image(TITAN, "x", n=2, **kw)
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(ContentFilteredError):
        llmkit.generate_image(ULTRA, "x", **kw)
    emu.script(Script(finish_reason="content_filter"))
    kept = llmkit.generate_image(SD35, "x", keep_filtered=True, **kw)
    assert kept[0].raw_finish_reason == "Filter reason: output image" and kept[0].data is None
    # An input the filters refuse is a ValidationException (no content-filter code to read).
    emu.script(Script(extra={"input_blocked": True}))
    with pytest.raises(BadRequestError, match="content filters"):
        llmkit.generate_image(NOVA, "x", **kw)


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        (ScriptedError(429, "Too many requests, please wait before trying again."), RateLimitError),
        (ScriptedError(500, "Internal server error"), ServerError),
        (
            ScriptedError(403, "You don't have access to the model with the specified model ID."),
            PermissionDeniedError,
        ),
    ],
)
def test_errors_are_typed(emu: Emulator, kw: dict[str, Any], error: ScriptedError, cls: type) -> None:
    emu.script(Script(error=error))
    with pytest.raises(cls):
        llmkit.generate_image(TITAN, "x", **kw)


def test_wrong_credentials(emu: Emulator, kw: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-key-at-all")
    with pytest.raises((AuthenticationError, PermissionDeniedError)) as info:
        llmkit.generate_image(TITAN, "x", **kw)
    assert "not-the-secret-key-at-all" not in str(info.value)


def test_inference_error_and_malformed_answers(emu: Emulator, kw: dict[str, Any]) -> None:
    from llmkit.dialects.base import CallContext, ImageRequest
    from llmkit.dialects.bedrock import DIALECT
    from llmkit.providers import get_spec
    from llmkit.wire import HttpResponse

    ctx = CallContext(
        get_spec("bedrock"), "stability.sd3-5-large-v1:0", "https://bedrock-runtime.us-east-1.amazonaws.com"
    )
    req = ImageRequest(model=ctx.model, prompt="x")
    with pytest.raises(ServerError, match="Inference error"):
        DIALECT.parse_images(
            HttpResponse(200, {}, b'{"seeds":[1],"finish_reasons":["Inference error"],"images":[]}'), req, ctx
        )
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_images(
            HttpResponse(200, {}, b'{"seeds":[1],"finish_reasons":[null],"images":["@@@"]}'), req, ctx
        )
    titan = ImageRequest(model="amazon.titan-image-generator-v2:0", prompt="x")
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_images(HttpResponse(200, {}, b'{"images": [], "error": null}'), titan, ctx)
    with pytest.raises(ResponseDecodeError):
        DIALECT.parse_images(HttpResponse(200, {}, b"<html>"), titan, ctx)
