"""OpenAI and Azure OpenAI images through the public API over loopback, sync and async: GPT Image
and DALL-E generations, base64 and URL answers, edits and variations (multipart), fetch, the
error shapes, content filtering, and the refusals before any network."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit import images as images_module
from llmkit.emulator import Emulator, _images
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    ContentFilteredError,
    NotSupportedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.types import FinishReason

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture(params=["sync", "async"])
def gen(request: pytest.FixtureRequest) -> Any:
    """generate_image, run sync or async (same arguments, same result)."""
    if request.param == "sync":
        return llmkit.generate_image

    def run(*a: Any, **kw: Any) -> Any:
        return asyncio.run(llmkit.agenerate_image(*a, **kw))

    return run


@pytest.fixture
def loopback_fetch() -> Iterator[None]:
    images_module.allow_loopback_http_for_tests(True)
    yield
    images_module.allow_loopback_http_for_tests(False)


def _oa(emu: Emulator) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("openai")}


def _azure(emu: Emulator) -> dict[str, Any]:
    return {
        "api_key": CANARY_KEY,
        "base_url": emu.base_url("azure_openai"),
        "api_version": "2025-04-01-preview",
    }


def test_gpt_image_base64_n2_webp_with_usage(emu: Emulator, gen: Any) -> None:
    out = gen(
        "openai/gpt-image-1",
        "a red fox",
        n=2,
        size="1024x1536",
        quality="low",
        output_format="webp",
        **_oa(emu),
    )
    assert len(out) == 2 and out.provider == "openai" and out.model == "gpt-image-1"
    for image in out:
        assert image.mime_type == "image/webp" and image.url is None
        assert PIL.open(io.BytesIO(image.data)).format == "WEBP"
        assert image.finish_reason is FinishReason.STOP
    assert out.usage.input_tokens == 3 and out.usage.output_tokens == 544 and out.usage.total_tokens == 547
    assert out.raw["output_format"] == "webp"
    sent = emu.requests[-1]
    assert sent.path.endswith("/images/generations")
    assert sent.json() == {
        "model": "gpt-image-1",
        "prompt": "a red fox",
        "n": 2,
        "size": "1024x1536",
        "quality": "low",
        "output_format": "webp",
    }


def test_dall_e_3_asks_for_base64_and_keeps_the_revised_prompt(emu: Emulator, gen: Any) -> None:
    out = gen("openai/dall-e-3", "a fox", style="natural", quality="hd", **_oa(emu))
    assert out.images[0].revised_prompt == "A detailed rendering of: a fox"
    assert out.images[0].data == _images.PNG
    assert emu.requests[-1].json()["response_format"] == "b64_json"


def test_url_answers_fetch_only_when_asked(emu: Emulator, gen: Any, loopback_fetch: None) -> None:
    out = gen("openai/dall-e-3", "a fox", response_format="url", **_oa(emu))
    image = out.images[0]
    assert image.data is None and image.url is not None and image.url.startswith(emu.url)
    assert "EMUSIG" not in repr(out)
    before = len(emu.requests)
    assert image.fetch() == _images.PNG
    get = emu.requests[before]
    assert get.method == "GET" and "authorization" not in get.headers and "api-key" not in get.headers
    fetched = gen("openai/dall-e-3", "a fox", response_format="url", fetch=True, **_oa(emu))
    assert fetched.images[0].data == _images.PNG and fetched.images[0].mime_type == "image/png"


def test_async_afetch(emu: Emulator, loopback_fetch: None) -> None:
    out = llmkit.generate_image("openai/dall-e-2", "a fox", response_format="url", **_oa(emu))
    assert asyncio.run(out.images[0].afetch()) == _images.PNG


def test_fetch_without_the_test_hook_refuses_http(emu: Emulator) -> None:
    out = llmkit.generate_image("openai/dall-e-2", "a fox", response_format="url", **_oa(emu))
    with pytest.raises(ConfigurationError, match="only over https"):
        out.images[0].fetch()


def test_save_writes_the_bytes(emu: Emulator, tmp_path: Any) -> None:
    out = llmkit.generate_image("openai/gpt-image-1", "a fox", output_format="jpeg", **_oa(emu))
    out.images[0].save(tmp_path / "fox.jpeg")
    assert PIL.open(tmp_path / "fox.jpeg").format == "JPEG"


def test_gpt_image_edit_with_two_images_and_a_mask(emu: Emulator, gen: Any, tmp_path: Any) -> None:
    path = tmp_path / "room.png"
    path.write_bytes(_images.png(4, 4))
    out = gen("openai/gpt-image-1", "add a cat", image=[path, _images.JPEG], mask=_images.PNG, **_oa(emu))
    assert out.images[0].data == _images.PNG
    sent = emu.requests[-1]
    assert sent.path.endswith("/images/edits") and sent.headers["content-type"].startswith(
        "multipart/form-data; boundary="
    )
    from tests.images.test_multipart import parse_with_python_multipart

    parts = parse_with_python_multipart(sent.body, sent.headers["content-type"])
    assert parts == [
        ("model", "gpt-image-1"),
        ("prompt", "add a cat"),
        ("image[]", ("room.png", "image/png", _images.png(4, 4))),
        ("image[]", ("image2.jpeg", "image/jpeg", _images.JPEG)),
        ("mask", ("mask.png", "image/png", _images.PNG)),
    ]


def test_dall_e_2_variation_has_no_prompt(emu: Emulator, gen: Any) -> None:
    out = gen("openai/dall-e-2", "", image=_images.PNG, n=2, size="256x256", **_oa(emu))
    assert len(out) == 2
    assert emu.requests[-1].path.endswith("/images/variations")


@pytest.mark.parametrize(
    ("model", "kw", "names"),
    [
        ("openai/dall-e-3", {"n": 2}, "n"),
        ("openai/gpt-image-1", {"style": "vivid", "seed": 3}, "seed, style"),
        ("openai/dall-e-2", {"aspect_ratio": "16:9"}, "aspect_ratio"),
        ("openai/dall-e-3", {"image": b"\x89PNG\r\n\x1a\n"}, "image"),
    ],
)
def test_unsupported_parameters_refused_before_any_request(
    emu: Emulator, model: str, kw: dict[str, Any], names: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"does not take {names}; its image parameters: ") as err:
        llmkit.generate_image(model, "x", **kw, **_oa(emu))
    assert emu.requests == []
    if model.endswith("gpt-image-1"):
        assert str(err.value).endswith("n, size, output_format, quality, image, mask")


def test_a_provider_without_images_is_not_supported(emu: Emulator) -> None:
    with pytest.raises(NotSupportedError, match=r"image generation.*providers that do: .*openai"):
        llmkit.generate_image(
            "anthropic/claude-x", "x", api_key=CANARY_KEY, base_url=emu.base_url("anthropic")
        )


def test_wrong_key(emu: Emulator, gen: Any) -> None:
    with pytest.raises(AuthenticationError):
        gen("openai/gpt-image-1", "x", api_key="sk-wrong", base_url=emu.base_url("openai"))


def test_429_5xx_and_malformed(emu: Emulator, gen: Any) -> None:
    emu.script(Script(error=ScriptedError(429, "Rate limit reached", "requests", "rate_limit_exceeded")))
    with pytest.raises(RateLimitError):
        gen("openai/gpt-image-1", "x", max_retries=0, **_oa(emu))
    emu.script(
        Script(error=ScriptedError(500, "boom", "server_error")), Script(error=ScriptedError(503, "again"))
    )
    with pytest.raises(ServerError) as err:
        gen("openai/gpt-image-1", "x", max_retries=1, timeout=llmkit.Timeout(total=30), **_oa(emu))
    assert err.value.attempts == 2
    emu.script(Script(error=ScriptedError(500, "boom", "server_error")))
    assert len(gen("openai/gpt-image-1", "x", **_oa(emu))) == 1  # retried once, then answered
    emu.script(Script(extra={"raw_body": b'{"data": [{"b64_json": "@@not base64@@"}]}'}))
    with pytest.raises(ResponseDecodeError, match="b64_json is not base64") as bad:
        gen("openai/gpt-image-1", "x", **_oa(emu))
    assert bad.value.provider == "openai"
    emu.script(Script(extra={"raw_body": b"<html>"}))
    with pytest.raises(ResponseDecodeError):
        gen("openai/gpt-image-1", "x", **_oa(emu))


def test_content_policy_refusal_is_content_filtered(emu: Emulator, gen: Any) -> None:
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(ContentFilteredError, match="safety system") as err:
        gen("openai/gpt-image-1", "x", **_oa(emu))
    assert err.value.status_code == 400 and err.value.error_code == "content_policy_violation"


def test_emulator_refuses_what_the_reference_refuses(emu: Emulator) -> None:
    # extra_body is sent as is: the emulator (from OpenAI's reference) answers OpenAI's 400.
    with pytest.raises(llmkit.errors.BadRequestError, match="Unknown parameter: 'response_format'"):
        llmkit.generate_image("openai/gpt-image-1", "x", extra_body={"response_format": "url"}, **_oa(emu))
    with pytest.raises(llmkit.errors.BadRequestError, match="Unrecognized request argument supplied: steps"):
        llmkit.generate_image("openai/gpt-image-1", "x", extra_body={"steps": 4}, **_oa(emu))
    with pytest.raises(llmkit.errors.BadRequestError, match="Supported values are"):
        llmkit.generate_image("openai/dall-e-3", "x", size="256x256", **_oa(emu))


def test_azure_deployment_generation(emu: Emulator, gen: Any) -> None:
    # A deployment name says nothing of its model: no response_format is sent, and a DALL-E
    # deployment answers with a URL (a GPT Image one with base64).
    out = gen("azure_openai/my-image-deployment", "a fox", size="1024x1024", **_azure(emu))
    assert out.images[0].url is not None and out.provider == "azure_openai"
    assert "response_format" not in emu.requests[-1].json()
    b64 = gen("azure_openai/my-image-deployment", "a fox", response_format="b64_json", **_azure(emu))
    assert b64.images[0].data == _images.PNG
    sent = emu.requests[-1]
    assert sent.path.endswith("/deployments/my-image-deployment/images/generations")
    assert sent.query["api-version"] == "2025-04-01-preview" and sent.headers["api-key"] == CANARY_KEY
    edit = gen("azure_openai/my-image-deployment", "add a hat", image=_images.PNG, **_azure(emu))
    assert len(edit) == 1 and emu.requests[-1].path.endswith("/deployments/my-image-deployment/images/edits")


def test_azure_filtered_image_raises_unless_kept(emu: Emulator, gen: Any) -> None:
    emu.script(Script(finish_reason="content_filter"))
    with pytest.raises(ContentFilteredError, match=r"1 of 1 images were filtered.*keep_filtered=True"):
        gen("azure_openai/dalle", "x", **_azure(emu))
    emu.script(Script(finish_reason="content_filter"))
    out = gen("azure_openai/dalle", "x", keep_filtered=True, **_azure(emu))
    assert out.images[0].filtered and out.images[0].data is None
    assert out.images[0].raw_finish_reason == "content_filter"


def test_azure_has_no_variations(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="no image variations"):
        llmkit.generate_image("azure_openai/dalle", "", image=_images.PNG, **_azure(emu))
    assert emu.requests == []


def test_client_methods_sync_and_async(emu: Emulator) -> None:
    with llmkit.Client(api_key=CANARY_KEY, base_url=emu.base_url("openai")) as client:
        assert client.generate_image("openai/gpt-image-1", "x").data == _images.PNG

    async def run() -> bytes | None:
        async with llmkit.AsyncClient(api_key=CANARY_KEY, base_url=emu.base_url("openai")) as client:
            return (await client.generate_image("openai/gpt-image-1", "x")).data

    assert asyncio.run(run()) == _images.PNG
