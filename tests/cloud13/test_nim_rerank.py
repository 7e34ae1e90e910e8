"""NVIDIA NIM reranking (the API catalog's per-model ``/retrieval/.../reranking`` and a container's
``/v1/ranking``) over loopback through the public API, sync and async; the request and answer of
NVIDIA's documentation (tests/fixtures/cloud13/nim_ranking_*.json) held against the dialect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.cloud13._helpers import CANARY_KEY, run

from llmkit.dialects.base import CallContext, RerankRequest
from llmkit.dialects.ranking.nim import DIALECT
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.providers import get_spec
from llmkit.ranking import Ranking
from llmkit.wire import HttpResponse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloud13"
DOCS = [
    "GPUs have HBM3 memory with high bandwidth",
    "Llamas live in Peru",
    "H100 SXM memory bandwidth is 3.35 TB/s",
]
QUERY = "What is the GPU memory bandwidth of H100 SXM?"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def rerank(mode: str, emu: Emulator, provider: str = "nvidia_nim_rerank", **kw: Any) -> Ranking:
    kw.setdefault("base_url", emu.base_url(provider))
    kw.setdefault("api_key", CANARY_KEY)
    kw.setdefault("max_retries", 0)
    model = kw.pop("model", "nvidia/llama-3.2-nv-rerankqa-1b-v2")
    return run(mode, "rerank", f"{provider}/{model}", QUERY, kw.pop("documents", DOCS), **kw)  # type: ignore[no-any-return]


def test_hosted_catalog(mode: str, emu: Emulator) -> None:
    r = rerank(mode, emu, top_n=2, return_documents=True, truncate="END")
    assert r.indices[0] == 2 and len(r.results) == 2 and r.results[0].document == DOCS[2]
    assert r.results[0].relevance_score > r.results[1].relevance_score and r.usage.input_tokens > 0
    req = emu.requests[-1]
    assert req.path == "/v1/retrieval/nvidia/llama-3_2-nv-rerankqa-1b-v2/reranking"
    assert req.json() == {
        "model": "nvidia/llama-3.2-nv-rerankqa-1b-v2",
        "query": {"text": QUERY},
        "passages": [{"text": d} for d in DOCS],
        "truncate": "END",
    }


def test_self_hosted_container(mode: str, emu: Emulator) -> None:
    docs = [{"title": "H100", "text": DOCS[2]}, "Llamas live in Peru"]
    r = rerank(mode, emu, "nim_rerank", documents=docs, api_key=None)
    assert r.indices == [0, 1] and r.provider == "nim_rerank"
    req = emu.requests[-1]
    assert req.path == "/v1/ranking" and "authorization" not in req.headers
    assert req.json()["passages"][0] == {"text": f"title: H100\ntext: {DOCS[2]}"}


def test_documented_request_and_answer() -> None:
    doc_req = json.loads((FIXTURES / "nim_ranking_request.json").read_text())
    req = RerankRequest(
        doc_req["model"],
        doc_req["query"]["text"],
        [p["text"] for p in doc_req["passages"]],
        None,
        False,
        {"truncate": "END"},
        None,
    )
    spec = get_spec("nim_rerank")
    ctx = CallContext(spec, req.model, "http://localhost:8000/v1")
    built = DIALECT.build_rerank(req, ctx)
    assert built.url == "http://localhost:8000/v1/ranking" and built.json == doc_req
    body = (FIXTURES / "nim_ranking_response.json").read_bytes()
    ranking = DIALECT.parse_rerank(HttpResponse(200, {}, body), req, ctx)
    assert ranking.indices == [0, 3, 2, 1] and ranking.results[0].relevance_score == 0.7646484375
    assert ranking.usage.total_tokens == 12


def test_errors(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "Too Many Requests")))
    with pytest.raises(RateLimitError, match="Too Many"):
        rerank(mode, emu)
    emu.script(Script(error=ScriptedError(503, "busy")))
    with pytest.raises(ServerError):
        rerank(mode, emu)
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        rerank(mode, emu)
    with pytest.raises(AuthenticationError, match="NVIDIA_API_KEY"):
        rerank(mode, emu, api_key="nvapi-wrong")


def test_refusals_before_sending(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="truncate"):
        rerank("sync", emu, truncate="START")
    with pytest.raises(ConfigurationError, match="publisher/model"):
        rerank("sync", emu, model="a/b/c")
    with pytest.raises(ConfigurationError):
        rerank("sync", emu, model="nvidia/../x")
    assert emu.requests == []
