"""The Cohere-compatible ``POST {base}/rerank`` that OpenAI-compatible clouds serve beside their
OpenAI routes (Together AI: ``/v1/rerank``, its published OpenAPI spec's RerankRequest and
RerankResponse): ``{model, query, documents, top_n, return_documents}`` answered by
``{object: "rerank", id, model, results: [{index, relevance_score, document: {text}}], usage}``.

Documents go as given, strings or objects (Together ranks an object on its ``rank_fields``,
passed through ``extra_body=``); the usage is OpenAI's ``prompt_tokens``/``total_tokens``."""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, RerankRequest
from llmkit.dialects.openai_chat._response import parse_usage
from llmkit.errors import ResponseDecodeError
from llmkit.ranking import RankedDocument, Ranking
from llmkit.wire import HttpRequest, HttpResponse, dumps

RERANK_PATH = "/rerank"


def build_rerank(req: RerankRequest, ctx: CallContext) -> HttpRequest:
    body: dict[str, Any] = {"model": req.model, "query": req.query, "documents": list(req.documents)}
    if req.top_n is not None:
        body["top_n"] = req.top_n
    if req.return_documents:
        body["return_documents"] = True
    if req.extra_body:
        body.update(req.extra_body)
    url = ctx.base_url.rstrip("/") + RERANK_PATH
    return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)


def parse_rerank(resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
    data = json_or_raise(resp.body, "rerank response", ctx.provider)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ResponseDecodeError("the rerank response has no results list", provider=ctx.provider)
    results = []
    for item in data["results"]:
        if not isinstance(item, dict):
            raise ResponseDecodeError(f"a rerank result is {type(item).__name__}, not an object")
        doc = item.get("document")
        text = doc.get("text") if isinstance(doc, dict) else None
        results.append(RankedDocument(item.get("index"), item.get("relevance_score"), text))  # type: ignore[arg-type]
    usage = data.get("usage")
    rid = data.get("id")
    return Ranking(
        results,
        model=str(data.get("model") or req.model),
        provider=ctx.provider,
        usage=parse_usage(usage if isinstance(usage, dict) else None),
        id=rid if isinstance(rid, str) else None,
        raw=data,
    )
