"""Images on the Gemini format over loopback through the public API, sync and async: Vertex AI
Imagen (``:predict``: generation, edits, safety filtering, errors) and Gemini image models
(generateContent with ``responseModalities: ["IMAGE"]``), checked by the emulator's handlers and
decoded with Pillow."""

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
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    ContentFilteredError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.types import FinishReason, ImagePart

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"
IMAGEN = "vertex_ai/imagen-4.0-generate-001"
EDITOR = "vertex_ai/imagen-3.0-capability-001"
PREDICT = "/publishers/google/models/imagen-4.0-generate-001:predict"


@pytest.fixture
def vertex(emu: Emulator) -> dict[str, Any]:
    return {
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "access_token": CANARY_KEY,
        "max_retries": 0,
    }


@pytest.fixture
def studio(emu: Emulator) -> dict[str, Any]:
    return {"base_url": f"{emu.url}/gemini/v1beta", "api_key": CANARY_KEY, "max_retries": 0}


def _sent(emu: Emulator) -> dict[str, Any]:
    body = json.loads(emu.requests[-1].body)
    assert isinstance(body, dict)
    return body


def _pil(data: bytes | None) -> Image.Image:
    assert data is not None
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_imagen_generates_n_images_with_its_parameters(emu: Emulator, vertex: dict[str, Any]) -> None:
    out = llmkit.generate_image(
        IMAGEN,
        "a lighthouse at dusk",
        n=3,
        aspect_ratio="16:9",
        negative_prompt="people",
        seed=42,
        output_format="jpeg",
        person_generation="dont_allow",
        **vertex,
    )
    assert len(out) == 3
    for img in out:
        assert img.mime_type == "image/jpeg" and img.finish_reason is FinishReason.STOP
        assert _pil(img.data).format == "JPEG"
        assert img.seed == 42
    req = emu.requests[-1]
    assert req.path.endswith(PREDICT)
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert _sent(emu) == {
        "instances": [{"prompt": "a lighthouse at dusk"}],
        "parameters": {
            "sampleCount": 3,
            "aspectRatio": "16:9",
            "negativePrompt": "people",
            "seed": 42,
            # Imagen takes a seed only with its watermark off.
            "addWatermark": False,
            "includeRaiReason": True,
            "personGeneration": "dont_allow",
            "outputOptions": {"mimeType": "image/jpeg"},
        },
    }


def test_imagen_size_becomes_an_aspect_ratio_and_enhanced_prompt_is_revised(
    emu: Emulator, vertex: dict[str, Any]
) -> None:
    out = llmkit.generate_image(IMAGEN, "a fox", size="1024x768", enhance_prompt=True, **vertex)
    assert _sent(emu)["parameters"]["aspectRatio"] == "4:3"
    assert out[0].revised_prompt == "a fox, highly detailed"
    assert _pil(out.data).format == "PNG"


def test_imagen_async(emu: Emulator, vertex: dict[str, Any]) -> None:
    async def go() -> Any:
        async with AsyncClient() as client:
            return await client.generate_image(IMAGEN, "a lighthouse", n=2, **vertex)

    out = asyncio.run(go())
    assert [i.mime_type for i in out] == ["image/png", "image/png"]
    assert _pil(out[1].data).format == "PNG"
    assert asyncio.run(llmkit.agenerate_image(IMAGEN, "again", **vertex)).data == emu_image("png")


def test_imagen_edit_sends_reference_images(emu: Emulator, vertex: dict[str, Any]) -> None:
    src, mask = emu_image("png"), emu_image("png")
    with Client() as client:
        out = client.generate_image(
            EDITOR, "add a red boat", image=src, mask=mask, mask_dilation=0.02, **vertex
        )
    assert _pil(out.data).format == "PNG"
    body = _sent(emu)
    refs = body["instances"][0]["referenceImages"]
    assert [r["referenceType"] for r in refs] == ["REFERENCE_TYPE_RAW", "REFERENCE_TYPE_MASK"]
    assert refs[1]["maskImageConfig"] == {"maskMode": "MASK_MODE_USER_PROVIDED", "dilation": 0.02}
    assert body["parameters"]["editMode"] == "EDIT_MODE_INPAINT_INSERTION"


def test_imagen_edit_on_a_generation_model_is_refused_by_the_service(
    emu: Emulator, vertex: dict[str, Any]
) -> None:
    with pytest.raises(llmkit.errors.BadRequestError, match="capability"):
        llmkit.generate_image(IMAGEN, "edit", image=emu_image("png"), **vertex)


def test_imagen_filtered_slot_raises_unless_kept(emu: Emulator, vertex: dict[str, Any]) -> None:
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(ContentFilteredError):
        llmkit.generate_image(IMAGEN, "something", n=2, **vertex)
    emu.script(Script(finish_reason="content_filter"))
    out = llmkit.generate_image(IMAGEN, "something", n=2, keep_filtered=True, **vertex)
    assert [i.finish_reason for i in out] == [FinishReason.STOP, FinishReason.CONTENT_FILTER]
    assert out[1].data is None and "usage guidelines" in (out[1].raw_finish_reason or "")


def test_imagen_all_filtered_without_reason_is_content_filtered(
    emu: Emulator, vertex: dict[str, Any]
) -> None:
    emu.script(Script(extra={"filtered": 1}))
    with pytest.raises(ContentFilteredError, match="removed them all"):
        # include_rai_reason=False: Imagen then answers {} for a fully filtered call.
        llmkit.generate_image(IMAGEN, "something", include_rai_reason=False, **vertex)


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        (
            ScriptedError(429, "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests"),
            RateLimitError,
        ),
        (ScriptedError(500, "Internal error encountered."), ServerError),
    ],
)
def test_imagen_errors_are_typed(
    emu: Emulator, vertex: dict[str, Any], error: ScriptedError, cls: type
) -> None:
    emu.script(Script(error=error))
    with pytest.raises(cls):
        llmkit.generate_image(IMAGEN, "x", **vertex)


def test_imagen_wrong_token(emu: Emulator, vertex: dict[str, Any]) -> None:
    with pytest.raises(AuthenticationError) as info:
        llmkit.generate_image(IMAGEN, "x", **{**vertex, "access_token": "ya29.not-a-live-token"})
    assert "ya29.not-a-live-token" not in str(info.value)


def test_imagen_malformed_body(emu: Emulator, vertex: dict[str, Any]) -> None:
    emu.script(Script(fault="html_error", error=ScriptedError(200)))
    with pytest.raises((ResponseDecodeError, llmkit.errors.ProviderError)):
        llmkit.generate_image(IMAGEN, "x", **vertex)


def test_unsupported_parameters_fail_before_sending(emu: Emulator, vertex: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="negative_prompt"):
        llmkit.generate_image(IMAGEN, "x", quality="hd", **vertex)
    with pytest.raises(ConfigurationError, match="aspect ratios"):
        llmkit.generate_image(IMAGEN, "x", aspect_ratio="5:1", **vertex)
    with pytest.raises(ConfigurationError, match="1 to 8"):
        llmkit.generate_image(IMAGEN, "x", n=9, **vertex)
    assert emu.requests == []


def test_imagen_on_ai_studio_points_to_vertex(emu: Emulator, studio: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="vertex_ai/imagen"):
        llmkit.generate_image("gemini/imagen-4.0-generate-001", "x", **studio)
    assert emu.requests == []


# ---------------------------------------------------------------- Gemini image models


def test_gemini_image_model_sync_and_async(emu: Emulator, studio: dict[str, Any]) -> None:
    out = llmkit.generate_image(
        "gemini/gemini-2.5-flash-image", "a cat", aspect_ratio="3:2", seed=7, **studio
    )
    assert _pil(out.data).format == "PNG" and out[0].mime_type == "image/png"
    body = _sent(emu)
    assert body["generationConfig"] == {
        "responseModalities": ["IMAGE"],
        "imageConfig": {"aspectRatio": "3:2"},
        "seed": 7,
    }
    assert body["contents"] == [{"role": "user", "parts": [{"text": "a cat"}]}]
    assert emu.requests[-1].path.endswith("/models/gemini-2.5-flash-image:generateContent")
    assert out.usage.input_tokens > 0

    async def go() -> Any:
        async with AsyncClient() as client:
            return await client.generate_image(
                "gemini/gemini-2.5-flash-image", "a dog", image=emu_image("png"), **studio
            )

    edited = asyncio.run(go())
    assert _pil(edited.data).format == "PNG"
    parts = _sent(emu)["contents"][0]["parts"]
    assert parts[1]["inlineData"]["mimeType"] == "image/png"


def test_gemini_image_model_on_vertex(emu: Emulator, vertex: dict[str, Any]) -> None:
    out = llmkit.generate_image("vertex_ai/gemini-2.5-flash-image", "a cat", **vertex)
    assert _pil(out.data).format == "PNG"
    assert emu.requests[-1].path.endswith("/publishers/google/models/gemini-2.5-flash-image:generateContent")


def test_gemini_image_safety_is_content_filtered(emu: Emulator, studio: dict[str, Any]) -> None:
    emu.script(Script(extra={"finish_reason": "IMAGE_SAFETY"}))
    with pytest.raises(ContentFilteredError):
        llmkit.generate_image("gemini/gemini-2.5-flash-image", "x", **studio)
    emu.script(Script(extra={"block_reason": "PROHIBITED_CONTENT"}))
    with pytest.raises(ContentFilteredError, match="PROHIBITED_CONTENT"):
        llmkit.generate_image("gemini/gemini-2.5-flash-image", "x", **studio)


def test_gemini_image_model_takes_one_image_per_call(emu: Emulator, studio: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="does not take n"):
        llmkit.generate_image("gemini/gemini-2.5-flash-image", "x", n=2, **studio)
    with pytest.raises(ConfigurationError, match="negative_prompt"):
        llmkit.generate_image("gemini/gemini-2.5-flash-image", "x", negative_prompt="y", **studio)


def test_chat_surfaces_image_parts(emu: Emulator, studio: dict[str, Any]) -> None:
    """Chat keeps the image parts a Gemini image model answers with, as ImagePart content."""
    c = llmkit.complete(
        "gemini/gemini-2.5-flash-image", "draw a cat", response_modalities=["TEXT", "IMAGE"], **studio
    )
    images = [p for p in c.message.content if isinstance(p, ImagePart)]
    assert len(images) == 1 and images[0].media_type == "image/png"
    assert _sent(emu)["generationConfig"]["responseModalities"] == ["TEXT", "IMAGE"]
