"""Stability AI through generate_image over loopback, sync and async: each route's multipart
body read back field by field with python-multipart (a parser nobody here wrote), raw-bytes and
JSON answers, seed and finish reason, content filtering, the error shape, the async creative
upscale polled; images opened with Pillow."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, _images
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ContentFilteredError,
    NotSupportedError,
    RateLimitError,
    ServerError,
)
from llmkit.types import FinishReason

python_multipart = pytest.importorskip("python_multipart")


def kw(emu: Emulator, **extra: Any) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("stability"), "poll_interval": 0.01, **extra}


def form(emu: Emulator, i: int = 0) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """The i-th request's multipart body as python-multipart reads it."""
    req = emu.requests[i]
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}

    def on_field(f: Any) -> None:
        fields[f.field_name.decode()] = f.value.decode()

    def on_file(f: Any) -> None:
        f.file_object.seek(0)
        files[f.field_name.decode()] = (f.file_name.decode(), f.file_object.read())

    headers = {
        "Content-Type": req.headers["content-type"].encode(),
        "Content-Length": str(len(req.body)).encode(),
    }
    python_multipart.parse_form(headers, io.BytesIO(req.body), on_field, on_file)
    return fields, files


def test_core_raw_bytes_field_by_field(emu: Emulator) -> None:
    out = llmkit.generate_image(
        "stability/core", "a lighthouse", aspect_ratio="16:9", negative_prompt="fog", seed=42,
        output_format="webp", style="anime", **kw(emu),
    )  # fmt: skip
    req = emu.requests[0]
    assert req.path == "/v2beta/stable-image/generate/core" and req.headers["accept"] == "image/*"
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert form(emu) == (
        {
            "prompt": "a lighthouse",
            "negative_prompt": "fog",
            "aspect_ratio": "16:9",
            "style_preset": "anime",
            "seed": "42",
            "output_format": "webp",
        },
        {},
    )
    (image,) = out.images
    assert image.seed == 42 and image.raw_finish_reason == "SUCCESS" and image.mime_type == "image/webp"
    assert Image.open(io.BytesIO(image.data or b"")).format == "WEBP"


def test_prompt_only_is_still_multipart(emu: Emulator) -> None:
    llmkit.generate_image("stability/ultra", "a fox", **kw(emu))
    assert emu.requests[0].headers["content-type"].startswith("multipart/form-data; boundary=")
    assert form(emu) == ({"prompt": "a fox"}, {})


def test_sd3_image_to_image_json(emu: Emulator) -> None:
    out = llmkit.generate_image(
        "stability/sd3.5-large",
        "a fox in snow",
        image=_images.PNG,
        strength=0.7,
        response_format="json",
        **kw(emu),
    )
    req = emu.requests[0]
    assert req.path == "/v2beta/stable-image/generate/sd3" and req.headers["accept"] == "application/json"
    fields, files = form(emu)
    assert fields == {
        "prompt": "a fox in snow",
        "model": "sd3.5-large",
        "mode": "image-to-image",
        "strength": "0.7",
    }
    assert files == {"image": ("image.png", _images.PNG)}
    assert out[0].data == _images.PNG and out[0].seed == 1234567 and out[0].finish_reason is FinishReason.STOP


def test_edit_routes(emu: Emulator) -> None:
    img = {"image": _images.PNG}
    llmkit.generate_image("stability/inpaint", "a red door", mask=_images.PNG, grow_mask=5, **img, **kw(emu))
    llmkit.generate_image("stability/search-and-replace", "a cat", search_prompt="dog", **img, **kw(emu))
    llmkit.generate_image("stability/outpaint", "", left=100, creativity=0.5, **img, **kw(emu))
    llmkit.generate_image("stability/erase", "", mask=_images.PNG, **img, **kw(emu))
    llmkit.generate_image("stability/upscale-fast", "", output_format="jpeg", **img, **kw(emu))
    llmkit.generate_image("stability/upscale-conservative", "sharper", creativity=0.3, **img, **kw(emu))
    paths = [r.path.removeprefix("/v2beta/stable-image/") for r in emu.requests]
    assert paths == [
        "edit/inpaint",
        "edit/search-and-replace",
        "edit/outpaint",
        "edit/erase",
        "upscale/fast",
        "upscale/conservative",
    ]
    assert form(emu, 0)[0] == {"prompt": "a red door", "grow_mask": "5"} and set(form(emu, 0)[1]) == {
        "image",
        "mask",
    }
    assert form(emu, 1)[0] == {"prompt": "a cat", "search_prompt": "dog"}
    assert form(emu, 2)[0] == {"creativity": "0.5", "left": "100"}
    assert form(emu, 4)[0] == {"output_format": "jpeg"}


def test_creative_upscale_polled(emu: Emulator) -> None:
    emu.script(Script(extra={"polls": 2}))
    seen: list[str] = []
    with llmkit.images.on_progress(seen.append):
        out = llmkit.generate_image("stability/upscale-creative", "crisp", image=_images.PNG, **kw(emu))
    assert seen == ["in-progress", "in-progress", "in-progress"]
    assert [r.method for r in emu.requests] == ["POST", "GET", "GET", "GET"]
    assert all(r.path.startswith("/v2beta/results/") for r in emu.requests[1:])
    assert Image.open(io.BytesIO(out[0].data or b"")).format == "PNG"


def test_refused_before_network(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="does not take n"):
        llmkit.generate_image("stability/core", "x", n=2, **kw(emu))
    with pytest.raises(ConfigurationError, match="does not take size"):
        llmkit.generate_image("stability/ultra", "x", size="1024x1024", **kw(emu))
    with pytest.raises(ConfigurationError, match="unknown Stability model"):
        llmkit.generate_image("stability/../v1/x", "x", **kw(emu))
    with pytest.raises(ConfigurationError, match="pass image="):
        llmkit.generate_image("stability/inpaint", "x", **kw(emu))
    with pytest.raises(ConfigurationError, match="does not take search_prompt"):
        llmkit.generate_image("stability/core", "x", search_prompt="y", **kw(emu))
    with pytest.raises(NotSupportedError):
        llmkit.complete("stability/core", "hi", **kw(emu))
    assert emu.requests == []


def test_content_filtered(emu: Emulator) -> None:
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(ContentFilteredError, match="CONTENT_FILTERED"):
        llmkit.generate_image("stability/core", "x", **kw(emu))
    emu.script(Script(finish_reason="content_filter"))
    out = llmkit.generate_image("stability/core", "x", keep_filtered=True, response_format="json", **kw(emu))
    assert out[0].filtered and out[0].raw_finish_reason == "CONTENT_FILTERED"
    msg = "Your request was flagged by our content moderation system"
    emu.script(Script(error=ScriptedError(403, msg, type="content_moderation")))
    with pytest.raises(ContentFilteredError, match="flagged") as info:
        llmkit.generate_image("stability/ultra", "x", **kw(emu))
    assert info.value.status_code == 403 and info.value.error_type == "content_moderation"


def test_errors(emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match="invalid API key") as auth:
        llmkit.generate_image("stability/core", "x", **kw(emu, api_key="sk-wrong-key-123"))
    assert "sk-wrong-key-123" not in str(auth.value)
    with pytest.raises(BadRequestError, match="aspect_ratio"):
        llmkit.generate_image("stability/core", "x", aspect_ratio="7:3", **kw(emu))
    emu.script(
        Script(error=ScriptedError(429, "You have exceeded the rate limit", type="rate_limit_exceeded"))
    )
    with pytest.raises(RateLimitError, match="rate limit"):
        llmkit.generate_image("stability/core", "x", max_retries=0, **kw(emu))
    emu.script(Script(error=ScriptedError(500, "An unexpected server error occurred", type="internal_error")))
    with pytest.raises(ServerError):
        llmkit.generate_image("stability/core", "x", max_retries=0, **kw(emu))


def test_async(emu: Emulator) -> None:
    emu.script(Script(), Script(extra={"polls": 1}))

    async def go() -> tuple[bytes, bytes]:
        async with llmkit.AsyncClient() as client:
            a = await client.generate_image("stability/ultra", "x", output_format="jpeg", **kw(emu))
            b = await client.generate_image("stability/upscale-creative", "x", image=_images.PNG, **kw(emu))
            with pytest.raises(AuthenticationError):
                await client.generate_image("stability/core", "x", **kw(emu, api_key="sk-wrong"))
        return a[0].data or b"", b[0].data or b""

    jpeg, png = asyncio.run(go())
    assert Image.open(io.BytesIO(jpeg)).format == "JPEG" and Image.open(io.BytesIO(png)).format == "PNG"
