"""Jina AI held against its published OpenAPI document ("The Jina Embedding Serving API" 0.1.107,
the file api.jina.ai serves, copied at tests/fixtures/jina_ai/openapi.json): llmkit's /v1/embeddings
and /v1/rerank bodies validate against the request schemas (``additionalProperties: false``, so an
invented field fails), the emulator's answers against the response schemas, and the document's own
response examples decode through the public API, served verbatim over loopback."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tests.fleet.test_fleet import CANARY_KEY

import llmkit
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply

SPEC = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "jina_ai" / "openapi.json").read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
REPLAY = "refs_a_jina_spec_examples"


def check(name: str, instance: Any) -> None:
    """Validate against ``#/components/schemas/<name>`` (OpenAPI 3.1: plain JSON Schema)."""
    jsonschema.validate(
        instance, {"components": {"schemas": SCHEMAS}, "$ref": f"#/components/schemas/{name}"}
    )


def _options(emu: Emulator) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url("jina_ai"), "max_retries": 0}


@pytest.mark.parametrize(
    ("model", "inputs", "kw"),
    [
        ("jina-embeddings-v3", ["a", "b"], {"input_type": "query", "dimensions": 256}),
        (
            "jina-embeddings-v3",
            "x",
            {"task": "text-matching", "embedding_type": "base64", "late_chunking": True},
        ),
        ("jina-clip-v2", ["a dog", "data:image/jpeg;base64,/9j/4AAQ"], {"input_type": "document"}),
    ],
)
def test_embed_request_and_answer_fit_the_spec(
    emu: Emulator, model: str, inputs: Any, kw: dict[str, Any]
) -> None:
    done = llmkit.embed(f"jina_ai/{model}", inputs, **kw, **_options(emu))
    body = emu.requests[-1].json()
    assert emu.requests[-1].path == "/v1/embeddings"
    check("EmbeddingInput", body)
    # The request must match one concrete input schema, not merely the union.
    schema = "MixedEmbeddingInput" if model == "jina-clip-v2" else "TextEmbeddingInput"
    check(schema, body)
    check("ModelEmbeddingOutput", done.raw)
    for item in done.raw["data"]:
        assert set(item) >= {"index", "embedding", "object"}


def test_an_invented_field_is_caught_by_the_spec() -> None:
    """The check has teeth: the request schema forbids fields it does not declare."""
    with pytest.raises(jsonschema.ValidationError):
        check("TextEmbeddingInput", {"model": "jina-embeddings-v3", "input": ["x"], "input_type": "query"})


def test_rerank_request_and_answer_fit_the_spec(emu: Emulator) -> None:
    done = llmkit.rerank(
        "jina_ai/jina-reranker-v2-base-multilingual",
        "capital of France",
        ["Paris is the capital of France.", "Berlin is in Germany."],
        top_n=1,
        return_documents=True,
        **_options(emu),
    )
    assert emu.requests[-1].path == "/v1/rerank"
    check("RankAPIInput", emu.requests[-1].json())
    check("RankingOutput", done.raw)
    assert len(done.results) == 1


# ---------------------------------------------------------------- the document's own examples


def _examples(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    name = "RankingOutput" if req.path.endswith("/rerank") else "ModelEmbeddingOutput"
    return Reply(200, {"content-type": "application/json"}, json.dumps(SCHEMAS[name]["example"]).encode())


@pytest.fixture
def examples(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    module = types.ModuleType("llmkit_tests_refs_a_jina")
    module.handle = _examples  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROFILES, REPLAY, Profile(REPLAY, f"{module.__name__}:handle"))
    yield {"base_url": emu.base_url(REPLAY) + "/v1", "api_key": "jina_replay_key_0000", "max_retries": 0}


def test_documented_embedding_example_decodes(examples: dict[str, Any]) -> None:
    """The spec's example has no ``model`` and no ``prompt_tokens`` (its own schema requires both):
    llmkit keeps the requested model and counts the total as input."""
    done = llmkit.embed("jina_ai/jina-embeddings-v3", ["a", "b"], **examples)
    assert done.vectors == [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]]
    assert done.model == "jina-embeddings-v3" and done.provider == "jina_ai"
    assert done.usage.total_tokens == 15


def test_documented_ranking_example_decodes(examples: dict[str, Any]) -> None:
    done = llmkit.rerank(
        "jina_ai/jina-reranker-v2-base-multilingual",
        "q",
        ["Document to rank 1", "Document to rank 2"],
        return_documents=True,
        **examples,
    )
    assert [(r.index, r.relevance_score) for r in done.results] == [(0, 0.9), (1, 0.8)]
    assert done.results[0].document is not None
    assert done.usage.total_tokens == 15
