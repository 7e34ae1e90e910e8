"""Jina AI (``jina_ai/jina-embeddings-v3``, ``jina_ai/jina-reranker-v2-base-multilingual``; ``jina/``
is accepted too): ``/embeddings`` and ``/rerank`` (https://api.jina.ai/redoc, jina.ai/embeddings).

Embeddings: ``{model, input, task, dimensions, embedding_type: float|base64|binary|ubinary,
normalized, late_chunking, truncate}``; ``input_type`` "query"/"document" becomes the ``task``
``retrieval.query``/``retrieval.passage`` (any other Jina task name, ``text-matching``,
``classification``, ``separation``, ``code.query``..., passes as ``task=``). CLIP and v4 models
take objects: an input written as a ``data:image/...;base64,`` URI is sent as ``{"image": base64}``,
others as ``{"text": ...}``. Rerank: ``{model, query, documents, top_n, return_documents}``
answered as ``{"results": [{index, relevance_score, document}]}``. Errors: ``{"detail"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, EmbedRequest, Quirks, RerankRequest
from llmkit.dialects.vectors import _common as C
from llmkit.errors import ConfigurationError, ProviderError
from llmkit.ranking import Ranking, document_text
from llmkit.types import Embeddings, Usage
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DIALECT", "JinaDialect"]

EMBED_OPTIONS = frozenset({"task", "embedding_type", "normalized", "late_chunking", "truncate"})
RERANK_OPTIONS: frozenset[str] = frozenset()
EMBEDDING_TYPES = ("float", "base64", "binary", "ubinary")
# base64 answers carry float32; binary and ubinary packed bits as int8 / uint8 numbers.
_DTYPE = {"float": "float", "base64": "float", "binary": "int8", "ubinary": "uint8"}


def is_multimodal(model: str) -> bool:
    return "clip" in model or model.startswith("jina-embeddings-v4")


def task_of(req: EmbedRequest) -> str | None:
    """``task=`` (Jina's own name) wins; else ``input_type=`` mapped by the spec."""
    task = req.options.get("task")
    return str(task) if task is not None else req.input_type


def etype_of(req: EmbedRequest) -> str:
    value = req.encoding or req.options.get("embedding_type") or "float"
    return str(value)


def _item(text: str) -> dict[str, str]:
    image = C.image_data_uri(text)
    return {"text": text} if image is None else {"image": image[1]}


def embed_body(req: EmbedRequest, ctx: CallContext) -> dict[str, Any]:
    body: dict[str, Any] = {"model": req.model}
    body["input"] = [_item(t) for t in req.inputs] if is_multimodal(req.model) else list(req.inputs)
    task = task_of(req)
    if task is not None:
        body["task"] = task
    if req.dimensions is not None:
        body["dimensions"] = req.dimensions
    etype = etype_of(req)
    if etype not in EMBEDDING_TYPES:
        raise ConfigurationError(
            f"{ctx.provider}: embedding_type= must be one of {', '.join(EMBEDDING_TYPES)}"
        )
    body["embedding_type"] = etype
    for name in ("normalized", "late_chunking", "truncate"):
        if req.options.get(name) is not None:
            body[name] = bool(req.options[name])
    if req.extra_body:
        body.update(req.extra_body)
    return body


def parse_embed(resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    obj = json_or_raise(resp.body, "Jina embeddings", ctx.provider)
    dtype = _DTYPE.get(etype_of(req), "float")
    vectors = C.openai_rows(obj, len(req.inputs), dtype)
    model = obj.get("model") if isinstance(obj.get("model"), str) else req.model
    tokens = C.total_tokens(obj)
    return Embeddings(vectors, Usage(input_tokens=tokens, total_tokens=tokens), model, ctx.provider, raw=obj)


def rerank_body(req: RerankRequest) -> dict[str, Any]:
    docs = [document_text(d) for d in req.documents]
    body: dict[str, Any] = {"model": req.model, "query": req.query, "documents": docs}
    if req.top_n is not None:
        body["top_n"] = req.top_n
    body["return_documents"] = req.return_documents
    if req.extra_body:
        body.update(req.extra_body)
    return body


def rerank_rows(resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> tuple[Any, list[Any], int]:
    obj = json_or_raise(resp.body, "Jina rerank", ctx.provider)
    rows = obj.get("results") if isinstance(obj, Mapping) else None
    return obj, C.rerank_rows(rows, len(req.documents)), C.total_tokens(obj)


class JinaDialect:
    """Embeddings and rerank; no chat (the spec declares none)."""

    name = "jina"
    options = EMBED_OPTIONS | RERANK_OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return C.detail_error(resp, ctx, "Jina")

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        return C.post(ctx.base_url.rstrip("/") + "/embeddings", embed_body(req, ctx))

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed(resp, req, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        return C.post(ctx.base_url.rstrip("/") + "/rerank", rerank_body(req))

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        from llmkit.dialects.vectors._ranking import ranking

        obj, rows, tokens = rerank_rows(resp, req, ctx)
        return ranking(rows, tokens, obj.get("model") or req.model, ctx, obj)


DIALECT = JinaDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import EmbedDialect, RerankDialect

    _embed: EmbedDialect = DIALECT
    _rerank: RerankDialect = DIALECT
