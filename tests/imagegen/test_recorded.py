"""Recorded Imagen answers (the Firebase AI Logic SDKs' shared test data: ``:predict`` responses
as Vertex AI sends them, see each ``.source.md``) decoded by llmkit's Gemini dialect, and replayed
through the public API over loopback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

import llmkit
from llmkit.dialects.base import CallContext, ImageRequest
from llmkit.dialects.gemini import DIALECT
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import BadRequestError, ContentFilteredError
from llmkit.providers import get_spec
from llmkit.types import FinishReason
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imagegen"
MODEL = "imagen-3.0-generate-002"


def _fixture(name: str) -> bytes:
    return (FIXTURES / f"imagen-{name}.json").read_bytes()


def _decode(name: str) -> llmkit.Images:
    spec = get_spec("vertex_ai")
    ctx = CallContext(
        spec, MODEL, "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1"
    )
    out = DIALECT.parse_images(HttpResponse(200, {}, _fixture(name)), ImageRequest(MODEL, "x", n=4), ctx)
    assert isinstance(out, llmkit.Images)
    return out


def test_every_fixture_has_its_source() -> None:
    for path in FIXTURES.glob("*.json"):
        assert (FIXTURES / f"{path.name}.source.md").is_file(), path.name


def test_four_real_pngs() -> None:
    out = _decode("unary-success-generate-images-base64")
    assert len(out) == 4
    for img in out:
        assert img.mime_type == "image/png" and img.finish_reason is FinishReason.STOP
        assert img.data is not None
        pil = Image.open(io.BytesIO(img.data))
        pil.load()
        assert pil.format == "PNG" and pil.size == (1024, 1024)


def test_some_filtered_keeps_the_images_and_one_filtered_slot() -> None:
    out = _decode("unary-failure-generate-images-base64-some-filtered")
    assert [i.finish_reason for i in out] == [
        FinishReason.STOP,
        FinishReason.STOP,
        FinishReason.CONTENT_FILTER,
    ]
    # One raiFilteredReason entry stands for however many were filtered ("filtered out 2").
    assert "filtered out 2 generated images" in (out[2].raw_finish_reason or "")


def test_all_filtered_is_one_filtered_slot() -> None:
    out = _decode("unary-failure-generate-images-all-filtered")
    assert len(out) == 1 and out[0].filtered and out[0].data is None


def test_gcs_outputs_are_urls() -> None:
    out = _decode("unary-success-generate-images-gcs")
    assert len(out) == 4 and (out[0].url or "").startswith(
        "gs://test-project-id-1234.firebasestorage.app/images/"
    )
    assert all(i.data is None and i.mime_type == "image/jpeg" for i in out)


def test_prompt_blocked_error_is_a_bad_request() -> None:
    spec = get_spec("vertex_ai")
    ctx = CallContext(spec, MODEL, "https://x")
    err = DIALECT.parse_error(
        HttpResponse(400, {}, _fixture("unary-failure-generate-images-prompt-blocked")), ctx
    )
    assert isinstance(err, BadRequestError) and err.error_type == "INVALID_ARGUMENT"
    assert "Responsible AI" in str(err)


@pytest.fixture
def vertex(emu: Emulator) -> dict[str, object]:
    return {
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "access_token": "sk-CANARY-7f3a9c2e41d84b6f",
        "max_retries": 0,
    }


def test_recorded_answers_through_the_public_api(emu: Emulator, vertex: dict[str, object]) -> None:
    """The recorded bodies served by the emulator's raw-reply script, read by generate_image."""
    body = json.loads(_fixture("unary-failure-generate-images-base64-some-filtered"))
    emu.script(Script(extra={"reply_json": body}))
    with pytest.raises(ContentFilteredError):
        llmkit.generate_image(f"vertex_ai/{MODEL}", "x", n=4, **vertex)
    emu.script(Script(extra={"reply_json": body}))
    kept = llmkit.generate_image(f"vertex_ai/{MODEL}", "x", n=4, keep_filtered=True, **vertex)
    assert [i.filtered for i in kept] == [False, False, True]
    emu.script(
        Script(
            error=ScriptedError(
                400, json.loads(_fixture("unary-failure-generate-images-prompt-blocked"))["error"]["message"]
            )
        )
    )
    with pytest.raises(BadRequestError, match="Responsible AI"):
        llmkit.generate_image(f"vertex_ai/{MODEL}", "x", **vertex)
