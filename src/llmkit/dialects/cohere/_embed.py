"""Cohere ``POST /v2/embed``: ``{model, input_type, texts | images, embedding_types,
output_dimension, truncate, max_tokens}`` answered by ``{id, embeddings: {float: [[...]],
int8: ..., base64: [...]}, texts, meta: {billed_units: {input_tokens, images}}}``.

``input_type`` is required by the API: a caller who names none gets ``search_document`` (the
SDK's examples' choice for what is stored). One embedding type is asked (the call's
``encoding=``; float when none) and read back; ``base64`` decodes to float32s, the quantised
types stay integers. Inputs that are all ``data:image/...`` URIs go as ``images`` (one per
request is Cohere's limit for images; the API refuses more)."""

from __future__ import annotations

from typing import Any

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects._vectors import decode_vector
from llmkit.dialects.base import CallContext, EmbedRequest
from llmkit.dialects.cohere._chat import _whole
from llmkit.dialects.cohere._errors import refuse_others
from llmkit.errors import ResponseDecodeError
from llmkit.types import Embeddings, Usage

EMBED_OPTIONS = frozenset({"truncate", "max_tokens", "priority"})
DEFAULT_INPUT_TYPE = "search_document"


def embed_body(req: EmbedRequest, provider: str, with_model: bool = True) -> dict[str, Any]:
    refuse_others(req.options, EMBED_OPTIONS, "embed", provider)
    body: dict[str, Any] = {"model": req.model} if with_model else {}
    body["input_type"] = req.input_type or DEFAULT_INPUT_TYPE
    items = list(req.inputs)
    if items and all(s.startswith("data:image/") for s in items):
        body["images"] = items
        if req.input_type is None:
            body["input_type"] = "image"
    else:
        body["texts"] = items
    body["embedding_types"] = [req.encoding or "float"]
    if req.dimensions is not None:
        body["output_dimension"] = req.dimensions
    for name in ("truncate", "max_tokens", "priority"):
        if name in req.options:
            body[name] = req.options[name]
    if req.extra_body:
        body.update(req.extra_body)
    return body


def embeddings(data: Any, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    kind = req.encoding or "float"
    by_type = data.get("embeddings") if isinstance(data, dict) else None
    if isinstance(by_type, list) and kind == "float":  # the v1 "embeddings_floats" shape
        rows = by_type
    elif isinstance(by_type, dict) and isinstance(by_type.get(kind), list):
        rows = by_type[kind]
    else:
        raise ResponseDecodeError(f"the embed response has no {kind!r} embeddings", provider=ctx.provider)
    if len(rows) != len(req.inputs):
        raise ResponseDecodeError(
            f"the embed response has {len(rows)} embeddings for {len(req.inputs)} inputs",
            provider=ctx.provider,
        )
    vectors = [decode_vector(v, req.encoding_name, f"embedding {i}") for i, v in enumerate(rows)]
    meta = data.get("meta")
    billed = meta.get("billed_units") if isinstance(meta, dict) else None
    n = (
        _whole(billed.get("input_tokens"), "meta.billed_units.input_tokens")
        if isinstance(billed, dict)
        else 0
    )
    return Embeddings(vectors, Usage(input_tokens=n), req.model, ctx.provider, data)


def parse_embed_body(body: bytes, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    return embeddings(json_or_raise(body, "embed response", ctx.provider), req, ctx)
