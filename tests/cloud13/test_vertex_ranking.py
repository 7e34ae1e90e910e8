"""Vertex AI ranking (Discovery Engine ``rankingConfigs/default_ranking_config:rank``) over loopback
through the public API, sync and async; every request body parsed strictly by Google's own
``google-cloud-discoveryengine`` ``RankRequest`` (proto JSON, unknown fields refused) and every answer
by its ``RankResponse``."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cloud13._helpers import CANARY_KEY, run

from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import AuthenticationError, ConfigurationError, RateLimitError, ResponseDecodeError
from llmkit.ranking import Ranking

discoveryengine = pytest.importorskip("google.cloud.discoveryengine_v1")

DOCS = ["Gemini is a model family from Google.", "The Eiffel tower is in Paris.", "Paris is in France."]
QUERY = "Where is Paris?"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def rerank(
    mode: str, emu: Emulator, model: str = "vertex_ai/semantic-ranker-default@latest", **kw: Any
) -> Ranking:
    kw.setdefault("base_url", emu.base_url("vertex_ai_ranking"))
    kw.setdefault("access_token", CANARY_KEY)
    kw.setdefault("max_retries", 0)
    docs = kw.pop("documents", DOCS)
    return run(mode, "rerank", model, QUERY, docs, **kw)  # type: ignore[no-any-return]


def google_parses(emu: Emulator, r: Ranking) -> Any:
    import json

    req = discoveryengine.RankRequest.from_json(emu.requests[-1].body.decode(), ignore_unknown_fields=False)
    resp = discoveryengine.RankResponse.from_json(json.dumps(r.raw), ignore_unknown_fields=False)
    return req, resp


def test_rank_routes_from_vertex_ai(mode: str, emu: Emulator) -> None:
    r = rerank(mode, emu, top_n=2, return_documents=True)
    assert r.provider == "vertex_ai_ranking" and len(r.results) == 2
    assert set(r.indices) == {1, 2} and r.results[0].document == DOCS[r.indices[0]]
    req = emu.requests[-1]
    assert req.path.endswith("/rankingConfigs/default_ranking_config:rank")
    assert req.headers["authorization"] == f"Bearer {CANARY_KEY}"
    sent, answer = google_parses(emu, r)
    assert sent.model == "semantic-ranker-default@latest" and sent.query == QUERY and sent.top_n == 2
    assert [rec.id for rec in sent.records] == ["0", "1", "2"] and sent.records[2].content == DOCS[2]
    assert not sent.ignore_record_details_in_response
    assert [int(rec.id) for rec in answer.records] == r.indices


def test_titles_and_record_details(mode: str, emu: Emulator) -> None:
    docs = [{"title": "France", "content": "Paris is in France."}, {"title": "Gemini", "text": "A model."}]
    r = rerank(mode, emu, documents=docs, model="vertex_ai_ranking/semantic-ranker-fast-004")
    assert r.indices[0] == 0 and all(x.document is None for x in r.results)
    sent, _ = google_parses(emu, r)
    assert sent.records[0].title == "France" and sent.records[1].content == "A model."
    assert sent.ignore_record_details_in_response


def test_errors(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "Quota exceeded for rank requests")))
    with pytest.raises(RateLimitError, match="Quota"):
        rerank(mode, emu)
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        rerank(mode, emu)
    with pytest.raises(AuthenticationError):
        rerank(mode, emu, access_token="ya29.not-a-live-token")


def test_refusals_before_sending(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="at most 200"):
        rerank("sync", emu, documents=["d"] * 201)
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    with pytest.raises(ConfigurationError, match="project"):
        rerank("sync", emu, base_url=None)
    with pytest.raises(ConfigurationError):
        rerank("sync", emu, base_url=None, project="../evil")
    assert emu.requests == []
