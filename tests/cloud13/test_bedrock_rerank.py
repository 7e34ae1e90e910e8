"""Rerank on Bedrock (the bedrock-agent-runtime Rerank API) over loopback through the public API,
sync and async, SigV4-signed and verified by the emulator; each request body validated and
serialised by botocore's own ``bedrock-agent-runtime`` model, and the answers parsed by botocore's
rest-json parser."""

from __future__ import annotations

from typing import Any

import pytest
from tests.cloud13._helpers import aws_env, run

from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.ranking import Ranking

botocore_session = pytest.importorskip("botocore.session")
from botocore.parsers import RestJSONParser  # noqa: E402
from botocore.validate import ParamValidator  # noqa: E402

DOCS = [
    "Carson City is the capital city of the American state of Nevada.",
    "Washington, D.C. is the capital of the United States.",
    "Capital punishment has existed in the United States since before it was a country.",
]
QUERY = "What is the capital of the United States?"
ARN = "arn:aws:bedrock:us-east-1::foundation-model/cohere.rerank-v3-5:0"


@pytest.fixture(autouse=True)
def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def service() -> Any:
    return botocore_session.get_session().get_service_model("bedrock-agent-runtime")


def rerank(mode: str, emu: Emulator, model: str = "bedrock/cohere.rerank-v3-5:0", **kw: Any) -> Ranking:
    kw.setdefault("base_url", emu.base_url("bedrock_rerank"))
    kw.setdefault("max_retries", 0)
    docs = kw.pop("documents", DOCS)
    return run(mode, "rerank", model, QUERY, docs, **kw)  # type: ignore[no-any-return]


def validate(service: Any, body: dict[str, Any]) -> None:
    shape = service.operation_model("Rerank").input_shape
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()


def test_cohere_and_amazon_rerankers(mode: str, emu: Emulator, service: Any) -> None:
    for model, arn in (
        ("bedrock/cohere.rerank-v3-5:0", ARN),
        ("bedrock/amazon.rerank-v1:0", "arn:aws:bedrock:us-east-1::foundation-model/amazon.rerank-v1:0"),
        (f"bedrock_rerank/{ARN}", ARN),
    ):
        r = rerank(mode, emu, model, top_n=2, return_documents=True)
        assert r.provider == "bedrock_rerank" and r.indices[0] == 1 and len(r.results) == 2
        assert r.results[0].document == DOCS[1]
        req = emu.requests[-1]
        assert req.path == "/rerank" and req.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
        body = req.json()
        validate(service, body)
        config = body["rerankingConfiguration"]["bedrockRerankingConfiguration"]
        assert config == {"modelConfiguration": {"modelArn": arn}, "numberOfResults": 2}
        assert body["queries"] == [{"type": "TEXT", "textQuery": {"text": QUERY}}]
        assert body["sources"][0] == {
            "type": "INLINE",
            "inlineDocumentSource": {"type": "TEXT", "textDocument": {"text": DOCS[0]}},
        }


def test_answer_parsed_by_botocore(emu: Emulator, service: Any) -> None:
    r = rerank("sync", emu)
    assert r.indices == [1, 0, 2] or r.indices[0] == 1  # every document ranked (numberOfResults = all)
    assert len(r.results) == 3 and all(x.document is None for x in r.results)
    resp = emu.requests[-1]
    assert resp.json()["rerankingConfiguration"]["bedrockRerankingConfiguration"]["numberOfResults"] == 3
    # botocore's own parser reads the emulator's answer (the same bytes llmkit read) to the same ranking.
    import json

    raw = json.dumps(r.raw).encode()
    parsed = RestJSONParser().parse(
        {"status_code": 200, "headers": {}, "body": raw}, service.operation_model("Rerank").output_shape
    )
    assert [x["index"] for x in parsed["results"]] == r.indices
    assert [x["relevanceScore"] for x in parsed["results"]] == [x.relevance_score for x in r.results]


def test_json_documents_and_model_fields(mode: str, emu: Emulator, service: Any) -> None:
    docs = [{"title": "Nevada", "text": DOCS[0]}, {"title": "USA", "text": DOCS[1]}]
    r = rerank(
        mode,
        emu,
        documents=docs,
        return_documents=True,
        additional_model_request_fields={"max_tokens_per_doc": 512},
    )
    assert r.indices[0] == 1 and r.results[0].document == docs[1]
    body = emu.requests[-1].json()
    validate(service, body)
    assert body["sources"][1]["inlineDocumentSource"] == {"type": "JSON", "jsonDocument": docs[1]}
    model = body["rerankingConfiguration"]["bedrockRerankingConfiguration"]["modelConfiguration"]
    assert model["additionalModelRequestFields"] == {"max_tokens_per_doc": 512}


def test_errors(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    emu.script(Script(error=ScriptedError(429, "Too many requests, please wait before trying again.")))
    with pytest.raises(RateLimitError, match="Too many requests"):
        rerank(mode, emu)
    emu.script(Script(error=ScriptedError(500, "internal")))
    with pytest.raises(ServerError):
        rerank(mode, emu)
    emu.script(Script(fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        rerank(mode, emu)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-key-0000000000000000000000")
    with pytest.raises(AuthenticationError) as info:
        rerank(mode, emu)
    assert "wrong-secret-key" not in str(info.value)


def test_refusals_before_sending(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="not a Bedrock reranker"):
        rerank("sync", emu, "bedrock_rerank/cohere.rerank v3 5")
    with pytest.raises(ConfigurationError, match="at most 1000"):
        rerank("sync", emu, documents=["d"] * 1001)
    monkeypatch.delenv("AWS_REGION")
    with pytest.raises(ConfigurationError, match="AWS_REGION"):
        rerank("sync", emu)
    assert emu.requests == []
