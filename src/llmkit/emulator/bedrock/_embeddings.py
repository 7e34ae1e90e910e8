"""InvokeModel for the Titan and Cohere embedding models."""

from __future__ import annotations

import json
import math
from typing import Any

from llmkit.emulator._content import count_tokens
from llmkit.emulator.bedrock._aws import request_id
from llmkit.emulator.bedrock._errors import Invalid, error, scripted_error
from llmkit.emulator.server import Emulator, EmuRequest, Reply

TITAN_V2_FIELDS = frozenset({"inputText", "dimensions", "normalize", "embeddingTypes"})
TITAN_V1_FIELDS = frozenset({"inputText"})
COHERE_FIELDS = frozenset(
    {"texts", "images", "input_type", "truncate", "embedding_types", "output_dimension", "max_tokens"}
)
COHERE_INPUT_TYPES = frozenset({"search_document", "search_query", "classification", "clustering", "image"})


def _vector(text: str, dims: int, normalize: bool) -> list[float]:
    seed = sum(map(ord, text)) or 1
    vec = [((seed * (j + 7)) % 101) / 101.0 - 0.5 for j in range(dims)]
    if normalize:
        norm = math.sqrt(sum(x * x for x in vec)) or 1.0
        vec = [x / norm for x in vec]
    return [round(x, 6) for x in vec]


def invoke(req: EmuRequest, emu: Emulator, model_id: str, body: dict[str, Any]) -> Reply:
    if not req.headers.get("content-type", "").startswith("application/json"):
        return error(400, "The provided Content-Type is not supported for this model.")
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return scripted_error(script.error)
    name = model_id.rsplit("/", 1)[-1]
    try:
        if name.startswith("amazon.titan-embed-text-v2"):
            answer, tokens = _titan(body, TITAN_V2_FIELDS, 1024)
        elif name.startswith("amazon.titan-embed"):
            answer, tokens = _titan(body, TITAN_V1_FIELDS, 1536)
        elif name.startswith("cohere.embed"):
            answer, tokens = _cohere(body, name)
        elif name.split(".", 1)[-1].startswith("nova-2-multimodal-embeddings") or name.startswith(
            "amazon.nova-2-multimodal-embeddings"
        ):
            answer, tokens = _nova(body)
        else:
            return error(
                400, "The emulator's InvokeModel serves only Titan, Cohere and Nova embedding models."
            )
    except Invalid as exc:
        return error(400, f"Malformed input request: {exc}, please reformat your input and try again.")
    headers = {
        "content-type": "application/json",
        "x-amzn-RequestId": request_id(),
        "X-Amzn-Bedrock-Input-Token-Count": str(tokens),
        "X-Amzn-Bedrock-Invocation-Latency": "17",
    }
    return Reply(200, headers, json.dumps(answer).encode())


def _titan(body: dict[str, Any], fields: frozenset[str], default_dims: int) -> tuple[dict[str, Any], int]:
    unknown = sorted(set(body) - fields)
    if unknown:
        raise Invalid(f"extraneous key [{unknown[0]}] is not permitted")
    text = body.get("inputText")
    if not isinstance(text, str) or not text:
        raise Invalid("#: required key [inputText] not found")
    dims = body.get("dimensions", default_dims)
    if dims not in (256, 512, 1024, default_dims):
        raise Invalid(f"#/dimensions: {dims} is not a valid enum value")
    normalize = body.get("normalize", True)
    if not isinstance(normalize, bool):
        raise Invalid("#/normalize: expected type: Boolean")
    vector = _vector(text, dims, normalize)
    tokens = count_tokens(text)
    answer: dict[str, Any] = {"embedding": vector, "inputTextTokenCount": tokens}
    if default_dims == 1024:
        # V2 always answers embeddingsByType too ("float" even when embeddingTypes is not given).
        types = body.get("embeddingTypes") or ["float"]
        by_type: dict[str, Any] = {}
        if "float" in types:
            by_type["float"] = vector
        if "binary" in types:
            by_type["binary"] = [1 if x > 0 else 0 for x in vector]
        answer["embeddingsByType"] = by_type
    return answer, tokens


def _cohere(body: dict[str, Any], name: str) -> tuple[dict[str, Any], int]:
    unknown = sorted(set(body) - COHERE_FIELDS)
    if unknown:
        raise Invalid(f"extraneous key [{unknown[0]}] is not permitted")
    images = body.get("images")
    if images is not None:
        # Images as data URIs (AWS's Cohere Embed page): v3 takes one, v4 more; input_type "image".
        limit = 96 if "embed-v4" in name else 1
        if "texts" in body or not isinstance(images, list) or not 1 <= len(images) <= limit:
            raise Invalid(f"#/images: expected 1 to {limit} data URIs and no texts")
        if not all(isinstance(u, str) and u.startswith("data:image/") and ";base64," in u for u in images):
            raise Invalid("#/images: each image must be a data:image/...;base64, URI")
        if body.get("input_type") != "image":
            raise Invalid("#/input_type: must be image with images")
    texts = images if images is not None else body.get("texts")
    if (
        not isinstance(texts, list)
        or not texts
        or len(texts) > 96
        or not all(isinstance(t, str) for t in texts)
    ):
        raise Invalid("#/texts: expected a list of 1 to 96 strings")
    if body.get("input_type") not in COHERE_INPUT_TYPES:
        raise Invalid("#: required key [input_type] not found or not a valid enum value")
    v4 = "embed-v4" in name
    dims = body.get("output_dimension", 1536 if v4 else 1024)
    if "output_dimension" in body and (not v4 or dims not in (256, 512, 1024, 1536)):
        raise Invalid("#/output_dimension: not a valid value for this model")
    vectors = [_vector(t, dims, True) for t in texts]
    answer: dict[str, Any] = {"id": request_id(), "texts": [] if images is not None else texts}
    types = body.get("embedding_types")
    if types:
        answer["embeddings"] = {
            t: vectors if t == "float" else [[round(x * 127) for x in v] for v in vectors] for t in types
        }
        answer["response_type"] = "embeddings_by_type"
    else:
        answer["embeddings"] = vectors
        answer["response_type"] = "embeddings_floats"
    return answer, sum(count_tokens(t) for t in texts)


# Amazon Nova Multimodal Embeddings, from AWS's "Complete embeddings request and response schema"
# (https://docs.aws.amazon.com/nova/latest/userguide/embeddings-schema.html): synchronous calls
# take one SINGLE_EMBEDDING input (text or image here).
NOVA_PURPOSES = frozenset(
    {
        "GENERIC_INDEX",
        "GENERIC_RETRIEVAL",
        "TEXT_RETRIEVAL",
        "IMAGE_RETRIEVAL",
        "VIDEO_RETRIEVAL",
        "DOCUMENT_RETRIEVAL",
        "AUDIO_RETRIEVAL",
        "CLASSIFICATION",
        "CLUSTERING",
    }
)


def _nova(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    if set(body) - {"schemaVersion", "taskType", "singleEmbeddingParams"}:
        raise Invalid("extraneous key is not permitted")
    if body.get("schemaVersion", "nova-multimodal-embed-v1") != "nova-multimodal-embed-v1":
        raise Invalid("#/schemaVersion: not a valid enum value")
    if body.get("taskType") != "SINGLE_EMBEDDING":
        raise Invalid("#/taskType: must be SINGLE_EMBEDDING for synchronous calls")
    params = body.get("singleEmbeddingParams")
    if not isinstance(params, dict):
        raise Invalid("#: required key [singleEmbeddingParams] not found")
    if params.get("embeddingPurpose") not in NOVA_PURPOSES:
        raise Invalid("#/singleEmbeddingParams/embeddingPurpose: not a valid enum value")
    dims = params.get("embeddingDimension", 3072)
    if dims not in (256, 384, 1024, 3072):
        raise Invalid("#/singleEmbeddingParams/embeddingDimension: not a valid enum value")
    media = [k for k in ("text", "image", "audio", "video") if k in params]
    if len(media) != 1 or set(params) - {"embeddingPurpose", "embeddingDimension", *media}:
        raise Invalid("#/singleEmbeddingParams: exactly one of text, image, audio, video")
    content = params[media[0]]
    if media[0] == "text":
        if not isinstance(content, dict) or content.get("truncationMode") not in ("START", "END", "NONE"):
            raise Invalid("#/singleEmbeddingParams/text/truncationMode: required")
        value = content.get("value")
        if not isinstance(value, str) or not value:
            raise Invalid("#/singleEmbeddingParams/text/value: required")
        kind, seed, tokens = "TEXT", value, count_tokens(value)
    elif media[0] == "image":
        source = content.get("source") if isinstance(content, dict) else None
        if content.get("format") not in ("png", "jpeg", "gif", "webp") or not isinstance(source, dict):
            raise Invalid("#/singleEmbeddingParams/image: format and source required")
        if content.get("detailLevel", "STANDARD_IMAGE") not in ("STANDARD_IMAGE", "DOCUMENT_IMAGE"):
            raise Invalid("#/singleEmbeddingParams/image/detailLevel: not a valid enum value")
        data = source.get("bytes")
        if not isinstance(data, str) or not data:
            raise Invalid("#/singleEmbeddingParams/image/source: bytes or s3Location required")
        kind, seed, tokens = "IMAGE", data, 0
    else:
        raise Invalid("the emulator embeds text and images only")
    return {"embeddings": [{"embeddingType": kind, "embedding": _vector(seed, dims, True)}]}, tokens
