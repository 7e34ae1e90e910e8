"""The image wire formats held against references nobody here wrote.

* google-genai (the official SDK): its Vertex AI client's ``generate_images`` and ``edit_image``
  against the emulator (the emulator accepts what the SDK sends; the SDK parses what the emulator
  answers), and llmkit sends the body the SDK sends for the same call; llmkit's Gemini image
  ``generationConfig`` and contents validate against the SDK's pydantic models (``extra=forbid``),
  and the SDK parses the emulator's image-part answer.
* botocore: its ``bedrock-runtime`` client signs and sends llmkit's InvokeModel bodies to the
  emulator (which verifies botocore's SigV4 and each field) and reads the answer; llmkit's request
  line and headers follow the service model's InvokeModel shape.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator, Script
from llmkit.emulator._images import image as emu_image
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY

genai = pytest.importorskip("google.genai")
types = pytest.importorskip("google.genai.types")
oauth_credentials = pytest.importorskip("google.oauth2.credentials")
botocore_session = pytest.importorskip("botocore.session")

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"
# google-genai 3.6.1 marks Imagen's methods deprecated (removal "not before Jan. 1 2027").
pytestmark = pytest.mark.filterwarnings("ignore:The (generate_images|edit_image) method is deprecated")


@pytest.fixture
def sdk(emu: Emulator) -> Any:
    creds = oauth_credentials.Credentials(token=CANARY_KEY)
    opts = types.HttpOptions(base_url=f"{emu.url}/vertex_ai", api_version="v1")
    return genai.Client(
        vertexai=True, project="test-proj", location="us-central1", credentials=creds, http_options=opts
    )


@pytest.fixture
def vertex(emu: Emulator) -> dict[str, Any]:
    return {
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "access_token": CANARY_KEY,
        "max_retries": 0,
    }


def _last(emu: Emulator) -> tuple[str, dict[str, Any]]:
    req = emu.requests[-1]
    return req.path, json.loads(req.body)


def test_sdk_generate_images_against_the_emulator(emu: Emulator, sdk: Any) -> None:
    cfg = types.GenerateImagesConfig(
        number_of_images=2,
        aspect_ratio="9:16",
        negative_prompt="text",
        seed=11,
        add_watermark=False,
        output_mime_type="image/jpeg",
        include_rai_reason=True,
        enhance_prompt=True,
    )
    resp = sdk.models.generate_images(model="imagen-4.0-generate-001", prompt="a harbour", config=cfg)
    assert len(resp.generated_images) == 2
    first = resp.generated_images[0]
    assert first.image.mime_type == "image/jpeg" and first.image.image_bytes == emu_image("jpeg")
    assert first.enhanced_prompt == "a harbour, highly detailed"


def test_sdk_reads_a_filtered_slot(emu: Emulator, sdk: Any) -> None:
    emu.script(Script(finish_reason="content_filter"))
    cfg = types.GenerateImagesConfig(number_of_images=2, include_rai_reason=True)
    resp = sdk.models.generate_images(model="imagen-4.0-generate-001", prompt="x", config=cfg)
    last = resp.generated_images[-1]
    assert last.rai_filtered_reason and (last.image is None or last.image.image_bytes is None)


def test_llmkit_sends_what_the_sdk_sends_for_imagen(emu: Emulator, sdk: Any, vertex: dict[str, Any]) -> None:
    cfg = types.GenerateImagesConfig(
        number_of_images=3,
        aspect_ratio="4:3",
        negative_prompt="blur",
        seed=3,
        add_watermark=False,
        output_mime_type="image/png",
        include_rai_reason=True,
        safety_filter_level="BLOCK_ONLY_HIGH",
        person_generation="ALLOW_ADULT",
        language="en",
    )
    sdk.models.generate_images(model="imagen-4.0-generate-001", prompt="a harbour", config=cfg)
    sdk_path, sdk_body = _last(emu)
    llmkit.generate_image(
        "vertex_ai/imagen-4.0-generate-001",
        "a harbour",
        n=3,
        aspect_ratio="4:3",
        negative_prompt="blur",
        seed=3,
        output_format="png",
        safety_filter_level="BLOCK_ONLY_HIGH",
        person_generation="ALLOW_ADULT",
        language="en",
        **vertex,
    )
    path, body = _last(emu)
    assert path == sdk_path
    assert body == sdk_body


def test_llmkit_sends_what_the_sdk_sends_for_an_edit(emu: Emulator, sdk: Any, vertex: dict[str, Any]) -> None:
    src = emu_image("png")
    refs = [
        types.RawReferenceImage(reference_id=1, reference_image=types.Image(image_bytes=src)),
        types.MaskReferenceImage(
            reference_id=2,
            reference_image=types.Image(image_bytes=src),
            config=types.MaskReferenceConfig(mask_mode="MASK_MODE_USER_PROVIDED", mask_dilation=0.03),
        ),
    ]
    cfg = types.EditImageConfig(
        edit_mode="EDIT_MODE_INPAINT_INSERTION", number_of_images=1, include_rai_reason=True
    )
    resp = sdk.models.edit_image(
        model="imagen-3.0-capability-001", prompt="a boat", reference_images=refs, config=cfg
    )
    assert resp.generated_images[0].image.image_bytes == emu_image("png")
    _, sdk_body = _last(emu)
    llmkit.generate_image(
        "vertex_ai/imagen-3.0-capability-001", "a boat", image=src, mask=src, mask_dilation=0.03, **vertex
    )
    _, body = _last(emu)
    assert body == sdk_body


def test_gemini_image_body_is_what_the_sdk_sends(emu: Emulator) -> None:
    kw = {"base_url": f"{emu.url}/gemini/v1beta", "api_key": CANARY_KEY, "max_retries": 0}
    opts = types.HttpOptions(base_url=f"{emu.url}/gemini", api_version="v1beta")
    client = genai.Client(api_key=CANARY_KEY, http_options=opts)
    cfg = types.GenerateContentConfig(
        response_modalities=["IMAGE"],
        image_config=types.ImageConfig(aspect_ratio="16:9", image_size="2K"),
        seed=4,
    )
    parts = [types.Part(text="a cat"), types.Part.from_bytes(data=emu_image("png"), mime_type="image/png")]
    contents = [types.Content(role="user", parts=parts)]
    sdk_resp = client.models.generate_content(model="gemini-2.5-flash-image", contents=contents, config=cfg)
    # The SDK reads the emulator's answer as an inline image part.
    blob = sdk_resp.candidates[0].content.parts[-1].inline_data
    assert blob.data == emu_image("png") and blob.mime_type == "image/png"
    sdk_path, sdk_body = _last(emu)
    llmkit.generate_image(
        "gemini/gemini-2.5-flash-image",
        "a cat",
        image=emu_image("png"),
        aspect_ratio="16:9",
        image_size="2K",
        seed=4,
        **kw,
    )
    path, body = _last(emu)
    assert path == sdk_path
    assert body["generationConfig"] == sdk_body["generationConfig"]
    # The SDK writes inline bytes as url-safe base64 under ``mime_type`` (proto JSON takes either
    # spelling and either alphabet); the text, the role and the bytes are the same.
    ours, theirs = body["contents"][0], sdk_body["contents"][0]
    assert ours["role"] == theirs["role"] and ours["parts"][0] == theirs["parts"][0]
    sdk_blob = theirs["parts"][1]["inlineData"]
    assert base64.urlsafe_b64decode(sdk_blob["data"]) == base64.b64decode(
        ours["parts"][1]["inlineData"]["data"]
    )
    assert sdk_blob.get("mime_type", sdk_blob.get("mimeType")) == ours["parts"][1]["inlineData"]["mimeType"]
    # extra="forbid" on the SDK's models: an unknown or misspelled field fails here.
    types.ImageConfig.model_validate(body["generationConfig"]["imageConfig"])
    content = types.Content.model_validate(body["contents"][0])
    assert content.parts is not None and content.parts[1].inline_data is not None
    assert content.parts[1].inline_data.data == emu_image("png")


# ---------------------------------------------------------------- botocore


@pytest.fixture
def bedrock_client(emu: Emulator) -> Any:
    session = botocore_session.get_session()
    return session.create_client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=emu.base_url("bedrock"),
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.mark.parametrize(
    ("model", "kwargs"),
    [
        ("amazon.titan-image-generator-v2:0", {"n": 2, "size": "512x512", "seed": 1}),
        ("amazon.nova-canvas-v1:0", {"style": "PHOTOREALISM", "quality": "standard"}),
        ("amazon.nova-canvas-v1:0", {"image": "png", "mask": "png"}),
        ("stability.sd3-5-large-v1:0", {"aspect_ratio": "1:1", "output_format": "jpeg"}),
    ],
)
def test_botocore_sends_llmkits_bodies(
    emu: Emulator, bedrock_client: Any, aws_env: None, model: str, kwargs: dict[str, Any]
) -> None:
    kwargs = {k: emu_image(v) if k in ("image", "mask") else v for k, v in kwargs.items()}
    ours = llmkit.generate_image(
        f"bedrock/{model}", "a lighthouse", base_url=emu.base_url("bedrock"), **kwargs
    )
    req = emu.requests[-1]
    body = req.body
    resp = bedrock_client.invoke_model(
        modelId=model, body=body, contentType="application/json", accept="application/json"
    )
    answer = json.loads(resp["body"].read())
    assert resp["contentType"] == "application/json"
    assert len(answer["images"]) == len(ours)
    # The same request line botocore builds from its service model (modelId one encoded segment).
    assert emu.requests[-1].path == req.path
    assert emu.requests[-1].headers["content-type"] == req.headers["content-type"]
    assert emu.requests[-1].headers["accept"] == req.headers["accept"]


def test_invoke_model_shape_in_the_service_model() -> None:
    model = botocore_session.get_session().get_service_model("bedrock-runtime")
    op = model.operation_model("InvokeModel")
    assert op.http["method"] == "POST" and op.http["requestUri"] == "/model/{modelId}/invoke"
    members = op.input_shape.members
    assert members["contentType"].serialization["name"] == "Content-Type"
    assert members["accept"].serialization["name"] == "Accept"
    assert members["body"].type_name == "blob"
