"""Cohere ``POST /v2/rerank``: ``{model, query, documents: [str], top_n, max_tokens_per_doc}``
answered by ``{id, results: [{index, relevance_score}], meta: {billed_units: {search_units}}}``.

v2 takes documents as strings only (a structured document is sent as ``key: value`` lines, the
YAML-like form Cohere's docs recommend) and no longer echoes them (``return_documents`` is the
operation's business: it fills ``document`` from the input). The same body and answer serve
Bedrock's InvokeModel for ``cohere.rerank-*`` (there without ``model`` and with
``api_version: 2``)."""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, RerankRequest
from llmkit.dialects.cohere._errors import refuse_others
from llmkit.errors import ResponseDecodeError
from llmkit.ranking import RankedDocument, Ranking, document_text

RERANK_OPTIONS = frozenset({"max_tokens_per_doc", "priority"})


def rerank_body(req: RerankRequest, provider: str, with_model: bool = True) -> dict[str, Any]:
    refuse_others(req.options, RERANK_OPTIONS, "rerank", provider)
    body: dict[str, Any] = {"model": req.model} if with_model else {}
    body["query"] = req.query
    body["documents"] = [document_text(d) for d in req.documents]
    if req.top_n is not None:
        body["top_n"] = req.top_n
    for name in ("max_tokens_per_doc", "priority"):
        if name in req.options:
            body[name] = req.options[name]
    if req.extra_body:
        body.update(req.extra_body)
    return body


def billed(meta: Any, name: str) -> float | None:
    """``meta.billed_units.<name>``: a JSON number in the API reference (the SDK types it float)."""
    units = meta.get("billed_units") if isinstance(meta, dict) else None
    value = units.get(name) if isinstance(units, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ResponseDecodeError(f"meta.billed_units.{name} is {value!r}, not a non-negative number")
    return value


def ranking(data: Any, req: RerankRequest, ctx: CallContext) -> Ranking:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ResponseDecodeError("the rerank response has no results list")
    results = []
    for item in data["results"]:
        if not isinstance(item, dict):
            raise ResponseDecodeError(f"a rerank result is {type(item).__name__}, not an object")
        doc = item.get("document")
        text = doc.get("text") if isinstance(doc, dict) else None  # v1 and Bedrock echo it
        results.append(RankedDocument(item.get("index"), item.get("relevance_score"), text))  # type: ignore[arg-type]
    rid = data.get("id")
    return Ranking(
        results,
        model=req.model,
        provider=ctx.provider,
        search_units=billed(data.get("meta"), "search_units"),
        id=rid if isinstance(rid, str) else None,
        raw=data,
    )


def parse_rerank_body(body: bytes, req: RerankRequest, ctx: CallContext) -> Ranking:
    return ranking(json_or_raise(body, "rerank response", ctx.provider), req, ctx)
