"""Vertex AI ranking (``vertex_ranking``): the Discovery Engine ranking API,
``POST https://discoveryengine.googleapis.com/v1/projects/{project}/locations/{location}/
rankingConfigs/default_ranking_config:rank`` (RankService.Rank,
https://cloud.google.com/generative-ai-app-builder/docs/reference/rest/v1/projects.locations.rankingConfigs/rank;
https://cloud.google.com/generative-ai-app-builder/docs/ranking), models ``semantic-ranker-*``.

``{"model", "query", "records": [{"id", "title"?, "content"?}], "topN"?,
"ignoreRecordDetailsInResponse"?}`` answered by ``{"records": [{"id", "score", "title"?,
"content"?}]}``, best first. Each record's ``id`` is the document's position in the caller's
list, so the answer maps back by id. A string document is a record's ``content``; a dict gives its
``title`` and its ``content`` (or ``text``), else the dict as ``key: value`` lines. Errors are
Google's ``{"error": {"code", "message", "status"}}``, read as the Gemini dialect reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, Quirks, RerankRequest
from llmkit.dialects.ranking._rows import results_list, row
from llmkit.errors import ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.ranking import Document, RankedDocument, Ranking, document_text
from llmkit.types import Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "VertexRankingDialect", "rerank_body"]

OPTIONS = frozenset({"user_labels"})
RANK_PATH = "/rankingConfigs/default_ranking_config:rank"
MAX_RECORDS = 200  # the ranking API's documented limit per request


def _record(i: int, doc: Document) -> dict[str, Any]:
    record: dict[str, Any] = {"id": str(i)}
    if isinstance(doc, str):
        record["content"] = doc
        return record
    title, content = doc.get("title"), doc.get("content", doc.get("text"))
    if (
        isinstance(title, str)
        and (content is None or isinstance(content, str))
        and set(doc)
        <= {
            "title",
            "content",
            "text",
        }
    ):
        record["title"] = title
        if content is not None:
            record["content"] = content
    elif isinstance(content, str) and set(doc) <= {"content", "text"}:
        record["content"] = content
    else:
        record["content"] = document_text(doc)
    return record


def rerank_body(req: RerankRequest) -> dict[str, Any]:
    if len(req.documents) > MAX_RECORDS:
        raise ConfigurationError(f"Vertex AI ranking takes at most {MAX_RECORDS} documents per call")
    body: dict[str, Any] = {
        "model": req.model,
        "query": req.query,
        "records": [_record(i, d) for i, d in enumerate(req.documents)],
    }
    if req.top_n is not None:
        body["topN"] = req.top_n
    if not req.return_documents:
        body["ignoreRecordDetailsInResponse"] = True
    labels = req.options.get("user_labels")
    if labels is not None:
        if not isinstance(labels, Mapping):
            raise ConfigurationError("user_labels must be a dict of strings")
        body["userLabels"] = dict(labels)
    if req.extra_body:
        body.update(req.extra_body)
    return body


def _index(record_id: Any) -> Any:
    return (
        int(record_id)
        if type(record_id) is str and record_id.isdigit() and len(record_id) < 10
        else record_id
    )


def parse_ranking(resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
    obj = json_or_raise(resp.body, "Vertex AI ranking", ctx.provider)
    try:
        seen: set[int] = set()
        results = []
        # An empty answer omits "records" (proto3 JSON drops empty lists).
        rows = results_list(obj, "records", "Vertex AI ranking") if "records" in obj else []
        for item in rows:
            if not isinstance(item, Mapping):
                raise ResponseDecodeError("a ranked record is not an object")
            index, score = row(
                _index(item.get("id")), item.get("score", 0.0), len(req.documents), seen, "ranked"
            )
            results.append(RankedDocument(index, score))
    except (ResponseDecodeError, TypeError) as exc:
        raise ResponseDecodeError(str(exc), provider=ctx.provider, snippet=resp.body) from None
    results.sort(key=lambda r: -r.relevance_score)
    return Ranking(results, model=req.model, provider=ctx.provider, usage=Usage(), raw=obj)


class VertexRankingDialect:
    """Rerank only."""

    name = "vertex_ranking"
    options = OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        from llmkit.dialects.gemini._response import parse_error

        return parse_error(resp, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        body = rerank_body(req)
        headers = {"content-type": "application/json"}
        return HttpRequest("POST", ctx.base_url.rstrip("/") + RANK_PATH, headers, dumps(body), body)

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        return parse_ranking(resp, req, ctx)


DIALECT = VertexRankingDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import RerankDialect

    _rerank: RerankDialect = DIALECT
