"""Amazon Nova Multimodal Embeddings (and Cohere Embed images) on Bedrock (InvokeModel) over
loopback through the public API, sync and async: one input per request (batched), text and
images, embeddingPurpose from ``input_type=``; the request checked against the schema AWS
documents (tests/fixtures/cloud13/nova_embed_request.json)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cloud13._helpers import aws_env, run

from llmkit.dialects.base import EmbedRequest
from llmkit.dialects.bedrock._embed import embed_body
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import ConfigurationError, RateLimitError

MODEL = "bedrock/amazon.nova-2-multimodal-embeddings-v1:0"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloud13"
PNG = "data:image/png;base64," + base64.b64encode(b"\\x89PNG\\r\\n\\x1a\\nfake").decode()


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def embed(mode: str, emu: Emulator, inputs: Any, **kw: Any) -> Any:
    kw.setdefault("base_url", emu.base_url("bedrock"))
    kw.setdefault("max_retries", 0)
    return run(mode, "embed", kw.pop("model_override", MODEL), inputs, **kw)


def test_text_and_image_batched_one_per_request(mode: str, emu: Emulator) -> None:
    e = embed(mode, emu, ["llamas in Peru", PNG, "Paris"], dimensions=256, input_type="query")
    assert len(e.vectors) == 3 and all(len(v) == 256 for v in e.vectors)
    assert e.usage.input_tokens > 0
    bodies = [r.json() for r in emu.requests[-3:]]
    assert [r.path for r in emu.requests[-3:]] == [
        "/model/amazon.nova-2-multimodal-embeddings-v1%3A0/invoke"
    ] * 3
    assert bodies[0] == {
        "schemaVersion": "nova-multimodal-embed-v1",
        "taskType": "SINGLE_EMBEDDING",
        "singleEmbeddingParams": {
            "embeddingPurpose": "GENERIC_RETRIEVAL",
            "embeddingDimension": 256,
            "text": {"truncationMode": "END", "value": "llamas in Peru"},
        },
    }
    image = bodies[1]["singleEmbeddingParams"]["image"]
    assert image["format"] == "png" and image["detailLevel"] == "STANDARD_IMAGE"
    assert image["source"]["bytes"] == PNG.split(",", 1)[1]


def test_documented_request_shape() -> None:
    doc = json.loads((FIXTURES / "nova_embed_request.json").read_text())
    params = doc["singleEmbeddingParams"]
    req = EmbedRequest(
        "amazon.nova-2-multimodal-embeddings-v1:0",
        [params["text"]["value"]],
        params["embeddingDimension"],
        {"embedding_purpose": params["embeddingPurpose"], "truncate": params["text"]["truncationMode"]},
    )
    assert embed_body(req) == doc


def test_errors_and_refusals(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "Too many requests")))
    with pytest.raises(RateLimitError):
        embed(mode, emu, "hi")
    with pytest.raises(ConfigurationError, match="dimension"):
        embed(mode, emu, "hi", dimensions=512)
    with pytest.raises(ConfigurationError, match="embedding_purpose"):
        embed(mode, emu, "hi", embedding_purpose="SEARCH")


def test_cohere_embed_images_on_bedrock(mode: str, emu: Emulator) -> None:
    e = embed(mode, emu, [PNG], model_override="bedrock/cohere.embed-v4:0")
    assert len(e.vectors) == 1
    assert emu.requests[-1].json() == {"images": [PNG], "input_type": "image"}
    with pytest.raises(ConfigurationError, match="texts or images"):
        embed(mode, emu, [PNG, "text"], model_override="bedrock/cohere.embed-v4:0")
