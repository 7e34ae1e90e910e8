"""Embeddings through InvokeModel, whose body is the model's own: Amazon Titan or Cohere Embed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import count, json_or_raise
from llmkit.dialects._vectors import decode_vector
from llmkit.dialects.base import CallContext, EmbedRequest
from llmkit.dialects.bedrock._nova_embed import is_nova, nova_body, nova_vector
from llmkit.dialects.bedrock._request import model_path
from llmkit.dialects.vectors._common import image_data_uri
from llmkit.errors import ConfigurationError, NotSupportedError, ResponseDecodeError
from llmkit.types import Embeddings, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

# The InvokeModel body is the model's own format; the model id says which one.
_COHERE_INPUT_TYPES = frozenset({"search_document", "search_query", "classification", "clustering"})


def embed_family(model: str) -> str:
    """``titan``, ``cohere`` or ``nova`` from a model id, inference profile id or ARN, else
    NotSupportedError."""
    name = model.rsplit("/", 1)[-1].lower()
    if "titan-embed" in name:
        return "titan"
    if "cohere.embed" in name:
        return "cohere"
    if is_nova(name.split(".", 1)[1] if name.startswith(("us.", "eu.", "apac.", "global.")) else name):
        return "nova"
    raise NotSupportedError(
        f"Bedrock embeddings through llmkit take Amazon Titan (amazon.titan-embed-*), Cohere "
        f"(cohere.embed-*) or Nova (amazon.nova-*-embeddings-*) models, not {model!r}"
    )


def embed_body(req: EmbedRequest) -> dict[str, Any]:
    options = req.options
    family = embed_family(req.model)
    body: dict[str, Any]
    if family == "nova":
        if len(req.inputs) != 1:
            raise NotSupportedError("Nova embedding models take one input per request")
        body = nova_body(req.inputs[0], req.dimensions, req.input_type, options)
    elif family == "titan":
        if len(req.inputs) != 1:
            raise NotSupportedError(
                "Titan embedding models take one text per request: call embed() once per text"
            )
        body = {"inputText": req.inputs[0]}
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        if options.get("normalize") is not None:
            body["normalize"] = bool(options["normalize"])
        if req.encoding is not None:  # embed(encoding="binary"), mapped through the spec
            body["embeddingTypes"] = [req.encoding]
        elif options.get("embedding_types") is not None:
            body["embeddingTypes"] = list(options["embedding_types"])
    else:
        input_type = req.input_type or options.get("input_type") or "search_document"
        if input_type not in _COHERE_INPUT_TYPES | {"image"}:
            raise ConfigurationError(
                f"input_type must be one of {', '.join(sorted(_COHERE_INPUT_TYPES))}, not {input_type!r}"
            )
        images = [image_data_uri(t) is not None for t in req.inputs]
        if any(images):
            # Cohere Embed on Bedrock takes images as data URIs in "images", input_type "image"
            # (v3: one image a request); an input list is all text or all images.
            if not all(images):
                raise ConfigurationError(
                    "Cohere Embed on Bedrock takes texts or images in one call, not both"
                )
            body = {"images": list(req.inputs), "input_type": "image"}
        else:
            body = {"texts": list(req.inputs), "input_type": input_type}
        if options.get("truncate") is not None:
            body["truncate"] = options["truncate"]
        if req.encoding is not None:
            body["embedding_types"] = [req.encoding]
        elif options.get("embedding_types") is not None:
            body["embedding_types"] = list(options["embedding_types"])
        if req.dimensions is not None:
            body["output_dimension"] = req.dimensions  # Cohere Embed v4 only
    if req.extra_body:
        body.update(req.extra_body)
    return body


def build_embed_request(req: EmbedRequest, ctx: CallContext) -> HttpRequest:
    body = embed_body(req)
    url = ctx.base_url.rstrip("/") + model_path(req.model, "invoke")
    headers = {"content-type": "application/json", "accept": "application/json"}
    return HttpRequest("POST", url, headers, dumps(body), body)


def _floats(rows: Any, encoding: str | None = None) -> list[list[float]]:
    if not isinstance(rows, list):
        raise TypeError("expected a list of vectors")
    return [decode_vector(row, encoding) for row in rows]


def _by_type(rows: Mapping[str, Any], encoding: str | None) -> Any:
    """The asked type's rows from an embeddings-by-type object, floats by default."""
    return rows.get(encoding or "float") or rows.get("float") or next(iter(rows.values()))


def _header_int(resp: HttpResponse, name: str) -> int:
    value = resp.headers.get(name)
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def parse_embed_response(resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
    obj = json_or_raise(resp.body, "InvokeModel", ctx.provider)
    # Bedrock reports InvokeModel token counts in a response header (not in the service model).
    header_tokens = _header_int(resp, "x-amzn-bedrock-input-token-count")
    try:
        family = embed_family(req.model)
        if family == "nova":
            vectors = _floats([nova_vector(obj)])
            tokens = header_tokens
        elif family == "titan":
            vector = obj.get("embedding")
            if vector is None:  # embeddingTypes without "float"
                vector = _by_type(obj["embeddingsByType"], req.encoding)
            vectors = _floats([vector], req.encoding_name)
            tokens = count(obj.get("inputTextTokenCount"), "inputTextTokenCount") or header_tokens
        else:
            rows = obj["embeddings"]
            if isinstance(rows, Mapping):  # embeddings_by_type: {"float": [...], "int8": [...]}
                rows = _by_type(rows, req.encoding)
            vectors = _floats(rows, req.encoding_name)
            tokens = header_tokens
    except (KeyError, TypeError, ValueError, AttributeError, StopIteration) as exc:
        raise ResponseDecodeError(
            f"InvokeModel embeddings body not understood: {exc!r}", provider=ctx.provider, snippet=resp.body
        ) from None
    return Embeddings(vectors, Usage(input_tokens=tokens), req.model, ctx.provider, obj)
