"""Voyage AI (``voyage/voyage-3.5``, ``voyage/rerank-2.5``): ``/embeddings``,
``/multimodalembeddings`` and ``/rerank`` (Voyage's API reference, https://docs.voyageai.com/reference).

Embeddings: ``{input, model, input_type: "query"|"document"|null, truncation, output_dimension,
output_dtype: float|int8|uint8|binary|ubinary, encoding_format: null|"base64"}``, answered in
OpenAI's shape with ``usage.total_tokens``. Models named ``voyage-multimodal-*`` go to
``/multimodalembeddings``: each input becomes ``{"content": [piece]}``, an input written as a
``data:image/...;base64,`` URI an ``image_base64`` piece, any other a ``text`` piece. Rerank:
``{query, documents, model, top_k, return_documents, truncation}`` answered as ``{"data": [{index,
relevance_score, document?}]}``, best first. The same fields (``output_dimension``, ``output_dtype``,
``encoding_format``) serve both embeddings routes, as the ``voyageai`` SDK sends them. Errors are
FastAPI's ``{"detail"}``.
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

__all__ = ["DIALECT", "VoyageDialect"]

EMBED_OPTIONS = frozenset({"truncation", "output_dtype", "encoding_format"})
RERANK_OPTIONS = frozenset({"truncation"})
DTYPES = ("float", "int8", "uint8", "binary", "ubinary")


def is_multimodal(model: str) -> bool:
    return model.startswith("voyage-multimodal")


def dtype_of(req: EmbedRequest) -> str:
    """The vectors' dtype: ``encoding=`` (int8, uint8, binary, ubinary), else the SDK-named
    ``output_dtype=`` option, else float (``encoding="base64"`` packs float32)."""
    if req.encoding is not None and req.encoding != "base64":
        return req.encoding
    value = req.options.get("output_dtype") or "float"
    return value if isinstance(value, str) else "float"


def _base64(req: EmbedRequest) -> bool:
    return req.encoding == "base64" or req.options.get("encoding_format") == "base64"


def _content(text: str) -> dict[str, Any]:
    image = C.image_data_uri(text)
    if image is None:
        return {"content": [{"type": "text", "text": text}]}
    mime, data = image
    return {"content": [{"type": "image_base64", "image_base64": f"data:{mime};base64,{data}"}]}


def embed_body(req: EmbedRequest, ctx: CallContext) -> tuple[str, dict[str, Any]]:
    """(path, body) of one embeddings request."""
    body: dict[str, Any] = {"model": req.model, "input_type": req.input_type}
    truncation = req.options.get("truncation")
    if truncation is not None:
        body["truncation"] = bool(truncation)
    if is_multimodal(req.model):
        body["inputs"] = [_content(t) for t in req.inputs]
        path = "/multimodalembeddings"
    else:
        body["input"] = list(req.inputs)
        path = "/embeddings"
    dtype = dtype_of(req)
    if dtype not in DTYPES:
        raise ConfigurationError(f"{ctx.provider}: output_dtype= must be one of {', '.join(DTYPES)}")
    if dtype != "float":
        body["output_dtype"] = dtype
    if req.dimensions is not None:
        body["output_dimension"] = req.dimensions
    if _base64(req):
        body["encoding_format"] = "base64"
    if req.extra_body:
        body.update(req.extra_body)
    return path, body


def parse_embed(resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    obj = json_or_raise(resp.body, "Voyage embeddings", ctx.provider)
    dtype = dtype_of(req)
    vectors = C.openai_rows(obj, len(req.inputs), dtype)
    model = obj.get("model") if isinstance(obj.get("model"), str) else req.model
    tokens = C.total_tokens(obj)
    return Embeddings(vectors, Usage(input_tokens=tokens, total_tokens=tokens), model, ctx.provider, raw=obj)


def rerank_body(req: RerankRequest) -> dict[str, Any]:
    docs = [document_text(d) for d in req.documents]
    body: dict[str, Any] = {"query": req.query, "documents": docs, "model": req.model}
    if req.top_n is not None:
        body["top_k"] = req.top_n
    if req.return_documents:
        body["return_documents"] = True
    if req.options.get("truncation") is not None:
        body["truncation"] = bool(req.options["truncation"])
    if req.extra_body:
        body.update(req.extra_body)
    return body


def rerank_rows(resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> tuple[Any, list[Any], int]:
    obj = json_or_raise(resp.body, "Voyage rerank", ctx.provider)
    rows = obj.get("data") if isinstance(obj, Mapping) else None
    return obj, C.rerank_rows(rows, len(req.documents)), C.total_tokens(obj)


class VoyageDialect:
    """Embeddings and rerank; no chat (the spec declares none)."""

    name = "voyage"
    options = EMBED_OPTIONS | RERANK_OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return C.detail_error(resp, ctx, "Voyage")

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        path, body = embed_body(req, ctx)
        return C.post(ctx.base_url.rstrip("/") + path, body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed(resp, req, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        return C.post(ctx.base_url.rstrip("/") + "/rerank", rerank_body(req))

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        from llmkit.dialects.vectors._ranking import ranking

        obj, rows, tokens = rerank_rows(resp, req, ctx)
        return ranking(rows, tokens, obj.get("model") or req.model, ctx, obj)


DIALECT = VoyageDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import EmbedDialect, RerankDialect

    _embed: EmbedDialect = DIALECT
    _rerank: RerankDialect = DIALECT
