"""OpenAI images held against references nobody here wrote: the published OpenAPI document
(llmkit's request bodies, JSON and multipart, and the emulator's answers, validated closed), and
the openai SDK both ways (the SDK's client against the emulator; the SDK's own response models
serialised and decoded by llmkit; llmkit's body keys within the SDK's request parameters)."""

from __future__ import annotations

import base64
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tests.conftest import CANARY_KEY
from tests.images.test_multipart import parse_with_python_multipart

import llmkit
from llmkit.emulator import Emulator, _images
from llmkit.emulator.script import Script

openai = pytest.importorskip("openai")


def _helper() -> ModuleType:
    name = "llmkit_tests_conformance_openapi"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "conformance" / "_openapi.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


oa = _helper()


@pytest.fixture(autouse=True)
def _openai_spec(shared_spec: Callable[[str], Path]) -> None:
    oa.use_spec(shared_spec(oa.SPEC))


def _kw(emu: Emulator) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("openai")}


GENERATIONS = [
    ("openai/gpt-image-1", {"n": 3, "size": "1536x1024", "quality": "high", "output_format": "jpeg"}),
    ("openai/gpt-image-1", {"background": "transparent", "moderation": "low", "output_compression": 80}),
    ("openai/dall-e-3", {"size": "1792x1024", "quality": "hd", "style": "vivid"}),
    ("openai/dall-e-3", {"response_format": "url", "user": "u-1"}),
    ("openai/dall-e-2", {"n": 2, "size": "512x512"}),
]


@pytest.mark.parametrize(("model", "kw"), GENERATIONS)
def test_generation_bodies_and_answers_validate(emu: Emulator, model: str, kw: dict[str, Any]) -> None:
    out = llmkit.generate_image(model, "a lighthouse at dusk", **kw, **_kw(emu))
    body = emu.requests[-1].json()
    oa.assert_valid("CreateImageRequest", body)
    # Every field llmkit sends is one the SDK's own request parameters declare.
    from openai.types import image_generate_params

    assert set(body) <= set(image_generate_params.ImageGenerateParamsBase.__annotations__)
    oa.assert_valid("ImagesResponse", out.raw)
    assert openai.types.ImagesResponse.model_validate(out.raw).data


def _form(body: bytes, ctype: str) -> dict[str, Any]:
    """A multipart body as the JSON-shaped object its OpenAPI schema describes."""
    out: dict[str, Any] = {}
    for name, value in parse_with_python_multipart(body, ctype):
        if isinstance(value, tuple):  # a file: the schema's "string, format: binary"
            key = name.removesuffix("[]")
            if name.endswith("[]"):
                out.setdefault(key, []).append("<binary>")
            else:
                out[key] = "<binary>"
        else:
            out[name] = int(value) if name in ("n", "output_compression") else value
    return out


def test_edit_body_validates(emu: Emulator) -> None:
    llmkit.generate_image(
        "openai/gpt-image-1",
        "add a boat",
        image=[_images.PNG, _images.WEBP],
        mask=_images.PNG,
        n=2,
        size="1024x1024",
        input_fidelity="high",
        **_kw(emu),
    )
    sent = emu.requests[-1]
    form = _form(sent.body, sent.headers["content-type"])
    assert form["image"] == ["<binary>", "<binary>"]
    oa.assert_valid("CreateImageEditRequest", form)
    llmkit.generate_image("openai/dall-e-2", "add a boat", image=_images.PNG, mask=_images.PNG, **_kw(emu))
    sent = emu.requests[-1]
    oa.assert_valid("CreateImageEditRequest", _form(sent.body, sent.headers["content-type"]))


def test_variation_body_validates(emu: Emulator) -> None:
    out = llmkit.generate_image(
        "openai/dall-e-2", "", image=_images.PNG, n=2, response_format="url", **_kw(emu)
    )
    sent = emu.requests[-1]
    oa.assert_valid("CreateImageVariationRequest", _form(sent.body, sent.headers["content-type"]))
    oa.assert_valid("ImagesResponse", out.raw)


def test_error_body_validates(emu: Emulator) -> None:
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(llmkit.errors.ContentFilteredError) as err:
        llmkit.generate_image("openai/gpt-image-1", "x", **_kw(emu))
    oa.assert_valid("ErrorResponse", err.value.body)


# ---------------------------------------------------------------- the SDK against the emulator


@pytest.fixture
def sdk(emu: Emulator) -> Any:
    return openai.OpenAI(api_key=CANARY_KEY, base_url=emu.base_url("openai"), max_retries=0)


def test_sdk_generate(sdk: Any) -> None:
    r = sdk.images.generate(model="gpt-image-1", prompt="a fox", n=2, output_format="webp", quality="low")
    assert len(r.data) == 2 and base64.b64decode(r.data[0].b64_json) == _images.WEBP
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens
    d3 = sdk.images.generate(model="dall-e-3", prompt="a fox", style="natural")
    assert d3.data[0].url and d3.data[0].revised_prompt


def test_sdk_edit_several_images_and_mask(sdk: Any, emu: Emulator) -> None:
    r = sdk.images.edit(
        model="gpt-image-1",
        image=[("a.png", _images.PNG, "image/png"), ("b.jpeg", _images.JPEG, "image/jpeg")],
        mask=("m.png", _images.PNG, "image/png"),
        prompt="add a cat",
    )
    assert base64.b64decode(r.data[0].b64_json) == _images.PNG
    sent = emu.requests[-1]
    names = [n for n, _ in parse_with_python_multipart(sent.body, sent.headers["content-type"])]
    # The SDK's field names for several images are the ones llmkit sends.
    assert names.count("image[]") == 2 and "mask" in names


def test_sdk_variation(sdk: Any) -> None:
    r = sdk.images.create_variation(
        image=("a.png", _images.PNG, "image/png"), n=2, response_format="b64_json"
    )
    assert [base64.b64decode(d.b64_json) for d in r.data] == [_images.PNG, _images.PNG]


def test_sdk_errors_are_the_sdks_errors(sdk: Any, emu: Emulator) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        sdk.images.generate(model="dall-e-3", prompt="x", n=2)
    assert err.value.param == "n"
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(openai.BadRequestError) as err:
        sdk.images.generate(model="gpt-image-1", prompt="x")
    assert err.value.code == "content_policy_violation"


def test_azure_sdk_generate(emu: Emulator) -> None:
    az = openai.AzureOpenAI(
        api_key=CANARY_KEY,
        azure_endpoint=emu.base_url("azure_openai").removesuffix("/openai"),
        api_version="2025-04-01-preview",
        max_retries=0,
    )
    r = az.images.generate(model="my-dalle", prompt="a fox", response_format="b64_json")
    assert base64.b64decode(r.data[0].b64_json) == _images.PNG
    assert emu.requests[-1].path.endswith("/openai/deployments/my-dalle/images/generations")
    # Azure's per-image filter results travel as extra fields.
    assert r.data[0].model_extra["content_filter_results"]["sexual"]["filtered"] is False


# ---------------------------------------------------------------- the SDK's models into llmkit


def test_llmkit_decodes_what_the_sdks_models_serialise(emu: Emulator) -> None:
    from openai.types import Image, ImagesResponse

    usage = {"input_tokens": 50, "output_tokens": 50, "total_tokens": 100}
    usage["input_tokens_details"] = {"text_tokens": 10, "image_tokens": 40}  # type: ignore[assignment]
    sdk_body = ImagesResponse(
        created=1713833628,
        data=[
            Image(b64_json=_images.b64("jpeg")),
            Image(url="https://files.example/x.png", revised_prompt="r"),
        ],
        output_format="jpeg",
        usage=usage,  # type: ignore[arg-type]
    ).model_dump_json(exclude_none=True)
    emu.script(Script(extra={"raw_body": sdk_body.encode()}))
    out = llmkit.generate_image("openai/gpt-image-1", "x", n=2, **_kw(emu))
    assert out.images[0].data == _images.JPEG and out.images[0].mime_type == "image/jpeg"
    assert out.images[1].data is None and out.images[1].url == "https://files.example/x.png"
    assert out.images[1].revised_prompt == "r"
    assert (out.usage.input_tokens, out.usage.output_tokens, out.usage.total_tokens) == (50, 50, 100)
