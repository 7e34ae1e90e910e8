"""The vendors' own clients as the third party: the ``voyageai`` SDK against the emulator, and
the bodies it sends held equal to llmkit's for the same call; ``huggingface_hub``'s
``InferenceClient.feature_extraction`` likewise against the hosted route."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from tests.vectors._helpers import CANARY_KEY, options

import llmkit
from llmkit.emulator import Emulator

# Before huggingface_hub loads: it must not look anything up on the Hub (nothing leaves loopback).
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
voyageai = pytest.importorskip("voyageai")
hub = pytest.importorskip("huggingface_hub")


def sdk(emu: Emulator, key: str = CANARY_KEY) -> Any:
    return voyageai.Client(api_key=key, base_url=emu.base_url("voyage"), max_retries=0)


def test_voyage_sdk_embed_matches_llmkit(emu: Emulator) -> None:
    got = sdk(emu).embed(["a b", "c"], model="voyage-3.5", input_type="document", output_dimension=512,
                         output_dtype="int8", truncation=False)  # fmt: skip
    assert len(got.embeddings) == 2 and len(got.embeddings[0]) == 512 and got.total_tokens == 3
    ours = llmkit.embed("voyage/voyage-3.5", ["a b", "c"], input_type="document", dimensions=512,
                        encoding="int8", truncation=False, **options(emu, "voyage"))  # fmt: skip
    sent_by_sdk, sent_by_us = (r.json() for r in emu.requests)
    # The SDK asks for base64 on its own (and decodes it): a transport choice, not the caller's.
    assert sent_by_sdk.pop("encoding_format") == "base64"
    sent_by_sdk = {k: v for k, v in sent_by_sdk.items() if v is not None}
    assert sent_by_us == sent_by_sdk
    assert ours.vectors == [[float(x) for x in v] for v in got.embeddings]


def test_voyage_sdk_rerank_matches_llmkit(emu: Emulator) -> None:
    docs = ["Paris is the capital of France", "Berlin", "capital"]
    got = sdk(emu).rerank("capital of France", docs, model="rerank-2.5", top_k=2)
    ours = llmkit.rerank("voyage/rerank-2.5", "capital of France", docs, top_n=2, truncation=True,
                         **options(emu, "voyage"))  # fmt: skip
    assert [r.index for r in got.results] == ours.indices
    assert [r.relevance_score for r in got.results] == [r.relevance_score for r in ours.results]
    sdk_body, our_body = (r.json() for r in emu.requests)
    assert {k: v for k, v in sdk_body.items() if v is not None} == our_body


def test_voyage_sdk_multimodal_image_as_our_data_uri(emu: Emulator) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(buf, "PNG")
    got = sdk(emu).multimodal_embed([["a red square", Image.open(io.BytesIO(buf.getvalue()))]],
                                    model="voyage-multimodal-3")  # fmt: skip
    assert len(got.embeddings) == 1
    pieces = emu.requests[0].json()["inputs"][0]["content"]
    image_uri = next(p["image_base64"] for p in pieces if p["type"] == "image_base64")
    out = llmkit.embed("voyage/voyage-multimodal-3", image_uri, **options(emu, "voyage"))
    assert emu.requests[1].json()["inputs"] == [
        {"content": [{"type": "image_base64", "image_base64": image_uri}]}
    ]
    assert len(out.vectors) == 1


def test_voyage_sdk_wrong_key_is_its_auth_error(emu: Emulator) -> None:
    with pytest.raises(voyageai.error.AuthenticationError):
        sdk(emu, "sk-wrong-000").embed(["x"], model="voyage-3.5")


def test_hf_hub_feature_extraction_matches_llmkit(emu: Emulator) -> None:
    model = "BAAI/bge-small-en-v1.5"
    url = f"{emu.base_url('hf_inference')}/hf-inference/models/{model}/pipeline/feature-extraction"
    client = hub.InferenceClient(model=url, provider="hf-inference", token=CANARY_KEY)
    got = client.feature_extraction(["a b", "c"], normalize=True, truncate=True)
    ours = llmkit.embed(f"hf_inference/{model}", ["a b", "c"], normalize=True, truncate=True,
                        **options(emu, "hf_inference"))  # fmt: skip
    assert got.shape == (2, len(ours.vectors[0]))
    for row, vec in zip(got, ours.vectors, strict=True):
        assert [float(x) for x in row] == pytest.approx(vec, abs=1e-6)  # numpy reads float32
    sdk_req, our_req = emu.requests
    assert sdk_req.path == our_req.path
    assert {k: v for k, v in sdk_req.json().items() if v is not None} == our_req.json()
