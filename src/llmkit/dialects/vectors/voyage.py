"""Voyage AI (``voyage/voyage-3.5``, ``voyage/rerank-2.5``): ``/embeddings``,
``/multimodalembeddings`` and ``/rerank`` (Voyage's API reference, https://docs.voyageai.com/reference).

Embeddings: ``{input, model, input_type: "query"|"document"|null, truncation, output_dimension,
output_dtype: float|int8|uint8|binary|ubinary, encoding_format: null|"base64"}``, answered in
OpenAI's shape with ``usage.total_tokens``. Models named ``voyage-multimodal-*`` go to
``/multimodalembeddings``: each input becomes ``{"content": [piece]}``, an input written as a
``data:image/...;base64,`` URI an ``image_base64`` piece, any other a ``text`` piece. Rerank:
``{query, documents, model, top_k, return_documents, truncation}`` answered as ``{"data": [{index,
relevance_score, document?}]}``, best first. Errors are FastAPI's ``{"detail"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, EmbedRequest, Quirks, RerankRequest
from llmkit.dialects.vectors import _common as C
from llmkit.errors import ConfigurationError, ProviderError
from llmkit.types import Embeddings, Usage
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DIALECT", "VoyageDialect"]

EMBED_OPTIONS = frozenset({"input_type", "truncation", "output_dtype", "encoding_format"})
RERANK_OPTIONS = frozenset({"truncation", "return_documents"})
DTYPES = ("float", "int8", "uint8", "binary", "ubinary")
INPUT_TYPES = ("query", "document")


def is_multimodal(model: str) -> bool:
    return model.startswith("voyage-multimodal")


def _input_type(req: EmbedRequest, provider: str) -> str | None:
    value = getattr(req, "input_type", None) or req.options.get("input_type")
    if value is not None and value not in INPUT_TYPES:
        raise ConfigurationError(f"{provider}: input_type= must be 'query' or 'document', not {value!r}")
    return value if isinstance(value, str) else None


def dtype_of(req: EmbedRequest) -> str:
    value = req.options.get("output_dtype") or "float"
    return value if isinstance(value, str) else "float"


def _content(text: str) -> dict[str, Any]:
    image = C.image_data_uri(text)
    if image is None:
        return {"content": [{"type": "text", "text": text}]}
    mime, data = image
    return {"content": [{"type": "image_base64", "image_base64": f"data:{mime};base64,{data}"}]}


def embed_body(req: EmbedRequest, ctx: CallContext) -> tuple[str, dict[str, Any]]:
    """(path, body) of one embeddings request."""
    body: dict[str, Any] = {"model": req.model, "input_type": _input_type(req, ctx.provider)}
    truncation = req.options.get("truncation")
    if truncation is not None:
        body["truncation"] = bool(truncation)
    if is_multimodal(req.model):
        body["inputs"] = [_content(t) for t in req.inputs]
        if req.options.get("encoding_format") == "base64":
            body["output_encoding"] = "base64"
        path = "/multimodalembeddings"
    else:
        body["input"] = list(req.inputs)
        dtype = dtype_of(req)
        if dtype not in DTYPES:
            raise ConfigurationError(f"{ctx.provider}: output_dtype= must be one of {', '.join(DTYPES)}")
        if dtype != "float":
            body["output_dtype"] = dtype
        if req.dimensions is not None:
            body["output_dimension"] = req.dimensions
        if req.options.get("encoding_format") is not None:
            body["encoding_format"] = req.options["encoding_format"]
        path = "/embeddings"
    if req.extra_body:
        body.update(req.extra_body)
    return path, body


def parse_embed(resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    obj = json_or_raise(resp.body, "Voyage embeddings", ctx.provider)
    dtype = "float" if is_multimodal(req.model) else dtype_of(req)
    vectors = C.openai_rows(obj, len(req.inputs), dtype)
    model = obj.get("model") if isinstance(obj.get("model"), str) else req.model
    tokens = C.total_tokens(obj)
    return Embeddings(vectors, Usage(input_tokens=tokens, total_tokens=tokens), model, ctx.provider, raw=obj)


def rerank_body(req: RerankRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"query": req.query, "documents": list(req.documents), "model": req.model}
    if req.top_n is not None:
        body["top_k"] = req.top_n
    returns = getattr(req, "return_documents", None) or req.options.get("return_documents")
    if returns:
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

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Any:
        from llmkit.dialects.vectors._ranking import ranking

        obj, rows, tokens = rerank_rows(resp, req, ctx)
        return ranking(rows, tokens, obj.get("model") or req.model, ctx, obj)


DIALECT = VoyageDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import EmbedDialect, RerankDialect

    _embed: EmbedDialect = DIALECT
    _rerank: RerankDialect = DIALECT
