"""rerank on Together AI (POST /v1/rerank) over loopback through the public API, sync and async;
the request body and the emulator's answer validated against Together's published OpenAPI spec."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import NotSupportedError, RateLimitError
from llmkit.ranking import Ranking

MODEL = "together_ai/Salesforce/Llama-Rank-V1"
DOCS = ["Paris is in France", "Llamas live in Peru", "The Peru llama guide"]


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def rerank(mode: str, emu: Emulator, query: str, docs: Any, **kw: Any) -> Ranking:
    kw.setdefault("base_url", emu.base_url("together_ai"))
    kw.setdefault("api_key", CANARY_KEY)
    if mode == "sync":
        with llmkit.Client() as client:
            return client.rerank(MODEL, query, docs, **kw)

    async def go() -> Ranking:
        async with llmkit.AsyncClient() as client:
            return await client.rerank(MODEL, query, docs, **kw)

    return asyncio.run(go())


def _schema(shared_spec: Callable[[str], Path], name: str) -> dict[str, Any]:
    doc = yaml.safe_load(shared_spec("together/openapi.yaml").read_text())
    return {**doc["components"]["schemas"][name], "components": doc["components"]}


def test_together_rerank(mode: str, emu: Emulator, shared_spec: Callable[[str], Path]) -> None:
    r = rerank(mode, emu, "llamas in Peru", DOCS, top_n=2, return_documents=True)
    assert r.indices == [1, 0] and r.results[0].relevance_score >= r.results[1].relevance_score
    assert r.results[0].document == DOCS[1] and r.usage.input_tokens > 0
    req = emu.requests[-1]
    assert req.path.endswith("/v1/rerank")
    body = req.json()
    assert body == {
        "model": "Salesforce/Llama-Rank-V1",
        "query": "llamas in Peru",
        "documents": DOCS,
        "top_n": 2,
        "return_documents": True,
    }
    jsonschema.validate(body, _schema(shared_spec, "RerankRequest"))
    jsonschema.validate(r.raw, _schema(shared_spec, "RerankResponse"))


def test_together_rerank_objects_and_errors(mode: str, emu: Emulator) -> None:
    docs = [{"title": "Llama", "text": "llamas in Peru"}, {"title": "Paris", "text": "France"}]
    r = rerank(mode, emu, "llamas Peru", docs, extra_body={"rank_fields": ["text"]})
    assert r.indices[0] == 0 and emu.requests[-1].json()["documents"] == docs
    emu.script(Script(error=ScriptedError(429, "slow down")))
    with pytest.raises(RateLimitError):
        rerank(mode, emu, "q", DOCS, max_retries=0)


def test_rerank_refused_where_not_offered(emu: Emulator) -> None:
    with pytest.raises(NotSupportedError, match="rerank"):
        llmkit.rerank("fireworks_ai/x", "q", ["a"], api_key=CANARY_KEY, base_url=emu.base_url("fireworks_ai"))
    assert emu.requests == []
