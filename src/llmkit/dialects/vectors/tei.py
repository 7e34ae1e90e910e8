"""Hugging Face Text Embeddings Inference, self-hosted (``huggingface_tei/<label>`` with
``base_url=`` the server's root): ``/embed`` and ``/rerank`` (TEI's OpenAPI document,
huggingface/text-embeddings-inference ``docs/openapi.json``).

``/embed``: ``{inputs, normalize, truncate, truncation_direction, prompt_name, dimensions}`` answers
a list of vectors, in input order; the server embeds the one model it was started with, so the
model name is a label only. ``input_type`` "query"/"document" becomes ``prompt_name`` (the named
prompts of the model's sentence-transformers config; ``prompt_name=`` overrides). ``/rerank``:
``{query, texts, raw_scores, return_text, truncate}`` answers ``[{index, score, text?}]`` for
every text; ``top_n`` is applied by the operation. Errors: ``{"error", "error_type"}`` (413 for a batch past
the server's ``max_client_batch_size``, 32 by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, EmbedRequest, Quirks, RerankRequest
from llmkit.dialects.vectors import _common as C
from llmkit.errors import ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.ranking import Ranking, document_text
from llmkit.types import Embeddings, Usage
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DIALECT", "TEIDialect"]

EMBED_OPTIONS = frozenset({"normalize", "truncate", "truncation_direction", "prompt_name"})
RERANK_OPTIONS = frozenset({"raw_scores", "truncate"})
# TEI's OpenAPI enum is "Left"/"Right" (its default is written "right"); huggingface_hub sends
# "left"/"right": either is passed as given.
_DIRECTIONS = ("Left", "Right", "left", "right")


def embed_fields(req: EmbedRequest, provider: str) -> dict[str, Any]:
    """The body fields TEI's ``/embed`` and Hugging Face's hosted feature-extraction share."""
    body: dict[str, Any] = {"inputs": list(req.inputs)}
    for name in ("normalize", "truncate"):
        if req.options.get(name) is not None:
            body[name] = bool(req.options[name])
    direction = req.options.get("truncation_direction")
    if direction is not None:
        if direction not in _DIRECTIONS:
            raise ConfigurationError(f"{provider}: truncation_direction= must be 'Left' or 'Right'")
        body["truncation_direction"] = direction
    prompt = req.options.get("prompt_name") or req.input_type
    if prompt is not None:
        body["prompt_name"] = str(prompt)
    if req.extra_body:
        body.update(req.extra_body)
    return body


def vectors(obj: Any, n: int) -> list[list[float]]:
    if type(obj) is not list or len(obj) != n:
        got = len(obj) if type(obj) is list else "no"
        raise ResponseDecodeError(f"the answer has {got} embeddings for {n} inputs")
    if obj and type(obj[0]) is list and obj[0] and type(obj[0][0]) is list:
        raise ResponseDecodeError(
            "the answer holds one vector per token, not per input (a model without pooling)"
        )
    return [C.vector(v, "float") for v in obj]


def _tokens(resp: HttpResponse) -> int:
    value = resp.headers.get("x-compute-tokens")
    return int(value) if value is not None and value.isdigit() else 0


def parse_embed(resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    obj = json_or_raise(resp.body, f"{ctx.spec.display_name} embeddings", ctx.provider)
    tokens = _tokens(resp)
    usage = Usage(input_tokens=tokens, total_tokens=tokens)
    return Embeddings(vectors(obj, len(req.inputs)), usage, req.model, ctx.provider, raw=obj)


def rerank_body(req: RerankRequest) -> dict[str, Any]:
    texts = [document_text(d) for d in req.documents]
    body: dict[str, Any] = {"query": req.query, "texts": texts, "return_text": req.return_documents}
    for name in ("raw_scores", "truncate"):
        if req.options.get(name) is not None:
            body[name] = bool(req.options[name])
    if req.extra_body:
        body.update(req.extra_body)
    return body


class TEIDialect:
    """Embeddings and rerank; no chat (TEI serves none)."""

    name = "tei"
    options = EMBED_OPTIONS | RERANK_OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return C.tei_error(resp, ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body = embed_fields(req, ctx.provider)
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        return C.post(ctx.base_url.rstrip("/") + "/embed", body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed(resp, req, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        return C.post(ctx.base_url.rstrip("/") + "/rerank", rerank_body(req))

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        from llmkit.dialects.vectors._ranking import ranking

        obj = json_or_raise(resp.body, "TEI rerank", ctx.provider)
        # TEI has no top_n: it scores every text; the operation keeps the caller's top_n.
        rows = C.rerank_rows(obj, len(req.documents), "score")
        return ranking(rows, _tokens(resp), req.model, ctx, obj)


DIALECT = TEIDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import EmbedDialect, RerankDialect

    _embed: EmbedDialect = DIALECT
    _rerank: RerankDialect = DIALECT
