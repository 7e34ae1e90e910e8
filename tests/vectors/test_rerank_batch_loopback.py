"""``rerank`` over Voyage, Jina and TEI, and ``embed`` batched past each documented limit, over
loopback, sync and async: ordering best first, top_n, return_documents, the errors typed."""

from __future__ import annotations

import pytest
from tests.vectors._helpers import bodies, options, run

from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
RERANKERS = pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("voyage", "voyage/rerank-2.5"),
        ("jina_ai", "jina_ai/jina-reranker-v2-base-multilingual"),
        ("huggingface_tei", "huggingface_tei/bge-reranker-base"),
    ],
)
QUERY = "capital of france"
DOCS = ["Berlin is in Germany", "Paris is the capital of France", "France exports wine", "the capital city"]


@MODES
@RERANKERS
def test_rerank_order_top_n_documents(emu: Emulator, mode: str, provider: str, model: str) -> None:
    out = run(mode, "rerank", model, QUERY, DOCS, **options(emu, provider))
    assert out.indices[0] == 1 and sorted(out.indices) == [0, 1, 2, 3]
    scores = [r.relevance_score for r in out.results]
    assert scores == sorted(scores, reverse=True) and out.provider == provider
    assert all(r.document is None for r in out.results)
    top = run(mode, "rerank", model, QUERY, DOCS, top_n=2, return_documents=True, **options(emu, provider))
    assert top.indices == out.indices[:2]
    assert [r.document for r in top.results] == [DOCS[i] for i in top.indices]


@MODES
def test_rerank_wire_fields(emu: Emulator, mode: str) -> None:
    run(mode, "rerank", "voyage/rerank-2.5", QUERY, DOCS, top_n=2, return_documents=True, truncation=True,
        **options(emu, "voyage"))  # fmt: skip
    run(
        mode,
        "rerank",
        "jina_ai/jina-reranker-v2-base-multilingual",
        QUERY,
        DOCS,
        top_n=3,
        **options(emu, "jina_ai"),
    )
    run(
        mode,
        "rerank",
        "huggingface_tei/x",
        QUERY,
        DOCS,
        top_n=1,
        raw_scores=True,
        **options(emu, "huggingface_tei"),
    )
    voyage, jina, tei = bodies(emu)
    assert voyage == {"query": QUERY, "documents": DOCS, "model": "rerank-2.5", "top_k": 2,
                      "return_documents": True, "truncation": True}  # fmt: skip
    assert jina == {"model": "jina-reranker-v2-base-multilingual", "query": QUERY, "documents": DOCS,
                    "top_n": 3, "return_documents": False}  # fmt: skip
    assert tei == {"query": QUERY, "texts": DOCS, "return_text": False, "raw_scores": True}


@MODES
def test_rerank_structured_documents_as_text(emu: Emulator, mode: str) -> None:
    docs = [{"title": "France", "text": "Paris is the capital"}, "Berlin"]
    out = run(
        mode, "rerank", "voyage/rerank-2.5", "capital", docs, return_documents=True, **options(emu, "voyage")
    )
    assert bodies(emu)[0]["documents"][0] == "title: France\ntext: Paris is the capital"
    assert out.results[0].index == 0


@MODES
@RERANKERS
def test_rerank_errors(emu: Emulator, mode: str, provider: str, model: str) -> None:
    with pytest.raises(AuthenticationError):
        run(mode, "rerank", model, QUERY, DOCS, **options(emu, provider, api_key="sk-wrong-000"))
    emu.script(Script(error=ScriptedError(429, "too many")))
    with pytest.raises(RateLimitError):
        run(mode, "rerank", model, QUERY, DOCS, **options(emu, provider))
    emu.script(Script(error=ScriptedError(502, "bad gateway")))
    with pytest.raises(ServerError):
        run(mode, "rerank", model, QUERY, DOCS, **options(emu, provider))
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        run(mode, "rerank", model, QUERY, DOCS, **options(emu, provider))


@MODES
@pytest.mark.parametrize(
    ("provider", "model", "n", "limit"),
    [
        ("voyage", "voyage/voyage-3.5", 1001, 1000),
        ("jina_ai", "jina_ai/jina-embeddings-v3", 2049, 2048),
        ("huggingface_tei", "huggingface_tei/bge", 70, 32),
    ],
)
def test_embed_batched_past_the_limit(
    emu: Emulator, mode: str, provider: str, model: str, n: int, limit: int
) -> None:
    texts = [f"text number {i}" for i in range(n)]
    out = run(mode, "embed", model, texts, **options(emu, provider))
    sizes = [len(b.get("input", b.get("inputs", []))) for b in bodies(emu)]
    assert sum(sizes) == n and max(sizes) <= limit and len(sizes) == -(-n // limit)
    assert len(out.vectors) == n
    single = run(mode, "embed", model, texts[-1], **options(emu, provider))
    assert out.vectors[-1] == single.vectors[0]  # order kept across batches
    assert out.usage.input_tokens == 3 * n  # summed: three words each


@MODES
def test_voyage_token_limit_splits(emu: Emulator, mode: str) -> None:
    # voyage-3-large: 120K tokens a request; 3 texts of ~50K words go as more than one request.
    big = " ".join(["w"] * 50_000)
    out = run(mode, "embed", "voyage/voyage-3-large", [big, big + " x", big + " y"], **options(emu, "voyage"))
    assert len(out.vectors) == 3 and len(emu.requests) >= 2


def test_tei_rerank_past_batch_size_is_typed(emu: Emulator) -> None:
    # TEI refuses more texts than max_client_batch_size; rerank is one request, so it is a 413.
    with pytest.raises(BadRequestError, match="batch size 33"):
        run(
            "sync",
            "rerank",
            "huggingface_tei/x",
            "q",
            [f"d{i}" for i in range(33)],
            **options(emu, "huggingface_tei"),
        )
