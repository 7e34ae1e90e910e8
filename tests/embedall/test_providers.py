"""embed's input_type/encoding/dimensions mapping and batching per provider, over loopback
through the public API, sync and async; the wire bodies held against the published specs
(../shared/specs) and the google-genai SDK's own request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tests.conftest import CANARY_KEY

from llmkit import AsyncClient, Client
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError
from llmkit.types import Embeddings


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def embed(mode: str, emu: Emulator, model: str, inputs: Any, **kw: Any) -> Embeddings:
    kw.setdefault("base_url", emu.base_url(model.partition("/")[0]))
    if mode == "sync":
        with Client() as client:
            return client.embed(model, inputs, **kw)

    async def go() -> Embeddings:
        async with AsyncClient() as client:
            return await client.embed(model, inputs, **kw)

    return asyncio.run(go())


def bodies(emu: Emulator) -> list[Any]:
    return [r.json() for r in emu.requests]


# ----------------------------------------------------------------------------- Gemini / Vertex


def test_gemini_task_type_and_batches_of_100(mode: str, emu: Emulator) -> None:
    texts = [f"doc {i}" for i in range(205)]
    e = embed(
        mode,
        emu,
        "gemini/gemini-embedding-001",
        texts,
        input_type="document",
        dimensions=4,
        api_key=CANARY_KEY,
    )
    sent = bodies(emu)
    assert [len(b["requests"]) for b in sent] == [100, 100, 5]
    assert all(r["taskType"] == "RETRIEVAL_DOCUMENT" for b in sent for r in b["requests"])
    assert [r["content"]["parts"][0]["text"] for b in sent for r in b["requests"]] == texts
    assert len(e.vectors) == 205 and all(len(v) == 4 for v in e.vectors)


def test_gemini_refuses_an_encoding(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="it offers: float only"):
        embed(mode, emu, "gemini/gemini-embedding-001", "a", encoding="int8", api_key=CANARY_KEY)
    assert emu.requests == []


def test_vertex_gemini_embedding_one_text_per_request(mode: str, emu: Emulator) -> None:
    base = emu.base_url("vertex_ai")
    e = embed(
        mode,
        emu,
        "vertex_ai/gemini-embedding-001",
        ["q1", "q2", "q3"],
        input_type="query",
        base_url=base,
        access_token=CANARY_KEY,
        project="test-proj",
    )
    assert [r.path.rsplit(":", 1)[-1] for r in emu.requests] == ["embedContent"] * 3
    assert [b["taskType"] for b in bodies(emu)] == ["RETRIEVAL_QUERY"] * 3
    assert len(e.vectors) == 3


def test_vertex_token_cap_splits(mode: str, emu: Emulator) -> None:
    # 20,000 tokens per request, estimated by UTF-8 bytes: 12,000-byte texts go one per request.
    texts = ["x" * 12_000, "y" * 12_000, "z"]
    embed(
        mode,
        emu,
        "vertex_ai/text-embedding-005",
        texts,
        base_url=emu.base_url("vertex_ai"),
        access_token=CANARY_KEY,
        project="test-proj",
    )
    sent = bodies(emu)
    assert [len(b.get("requests", [b])) for b in sent] == [1, 2]


def test_google_genai_sends_the_same_task_type(emu: Emulator) -> None:
    genai = pytest.importorskip("google.genai")
    types = pytest.importorskip("google.genai.types")
    opts = types.HttpOptions(base_url=f"{emu.url}/gemini", api_version="v1beta")
    sdk = genai.Client(api_key=CANARY_KEY, http_options=opts)
    sdk.models.embed_content(
        model="gemini-embedding-001",
        contents=["a", "b"],
        config=types.EmbedContentConfig(task_type="RETRIEVAL_QUERY", output_dimensionality=4),
    )
    theirs = emu.requests[-1].json()["requests"]
    emu.reset()
    embed(
        "sync",
        emu,
        "gemini/gemini-embedding-001",
        ["a", "b"],
        input_type="query",
        dimensions=4,
        api_key=CANARY_KEY,
    )
    ours = emu.requests[-1].json()["requests"]
    assert [r["taskType"] for r in ours] == [r["taskType"] for r in theirs] == ["RETRIEVAL_QUERY"] * 2
    assert [r["outputDimensionality"] for r in ours] == [r["outputDimensionality"] for r in theirs]


# ----------------------------------------------------------------------------- Bedrock


def test_bedrock_cohere_input_type_and_batches_of_96(mode: str, emu: Emulator) -> None:
    texts = [f"t{i}" for i in range(100)]
    e = embed(
        mode,
        emu,
        "bedrock/cohere.embed-english-v3",
        texts,
        input_type="query",
        api_key=CANARY_KEY,
        region="us-east-1",
    )
    sent = bodies(emu)
    assert [len(b["texts"]) for b in sent] == [96, 4]
    assert {b["input_type"] for b in sent} == {"search_query"}
    assert len(e.vectors) == 100


def test_bedrock_titan_refuses_input_type(mode: str, emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="offers: none"):
        embed(
            mode,
            emu,
            "bedrock/amazon.titan-embed-text-v2:0",
            "a",
            input_type="query",
            api_key=CANARY_KEY,
            region="us-east-1",
        )
    assert emu.requests == []


# ----------------------------------------------------------------------------- Mistral, NIM


def _mistral_schema(shared_spec: Callable[[str], Path]) -> dict[str, Any]:
    doc = yaml.safe_load(shared_spec("mistral/openapi.yaml").read_text())
    return {**doc["components"]["schemas"]["EmbeddingRequest"], "components": doc["components"]}


def test_mistral_dtype_and_dimension_fields(
    mode: str, emu: Emulator, shared_spec: Callable[[str], Path]
) -> None:
    e = embed(
        mode, emu, "mistral/codestral-embed", ["a", "b"], encoding="int8", dimensions=6, api_key=CANARY_KEY
    )
    body = emu.requests[-1].json()
    assert body["output_dtype"] == "int8" and body["output_dimension"] == 6
    assert "dimensions" not in body and "encoding_format" not in body
    jsonschema.validate(body, _mistral_schema(shared_spec))  # a closed schema: no stray field
    assert all(type(x) is int for x in e.vectors[0]) and len(e.vectors[0]) == 6
    emu.reset()
    embed(mode, emu, "mistral/mistral-embed", "a", encoding="base64", api_key=CANARY_KEY)
    body = emu.requests[-1].json()
    assert body["encoding_format"] == "base64"
    jsonschema.validate(body, _mistral_schema(shared_spec))


def test_nim_input_type_passage(mode: str, emu: Emulator) -> None:
    embed(mode, emu, "nvidia_nim/nvidia/nv-embedqa-e5-v5", ["a"], input_type="document", api_key=CANARY_KEY)
    assert emu.requests[-1].json()["input_type"] == "passage"
