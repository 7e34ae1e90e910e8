"""Amazon Nova Multimodal Embeddings through InvokeModel (``amazon.nova-2-multimodal-embeddings-v1:0``):
one input per request, text or an image (a ``data:image/...;base64,`` input).

``{"schemaVersion": "nova-multimodal-embed-v1", "taskType": "SINGLE_EMBEDDING",
"singleEmbeddingParams": {"embeddingPurpose", "embeddingDimension": 256|384|1024|3072,
"text": {"truncationMode": "START"|"END"|"NONE", "value"} | "image": {"format", "detailLevel",
"source": {"bytes"}}}}`` answered by ``{"embeddings": [{"embeddingType", "embedding"}]}``
(https://docs.aws.amazon.com/nova/latest/userguide/embeddings-schema.html). ``input_type=`` maps to
the embedding purpose through the spec (document: GENERIC_INDEX, query: GENERIC_RETRIEVAL, ...);
``embedding_purpose=`` names any documented one (TEXT_RETRIEVAL, DOCUMENT_RETRIEVAL, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects.vectors._common import image_data_uri
from llmkit.errors import ConfigurationError

SCHEMA_VERSION = "nova-multimodal-embed-v1"
PURPOSES = frozenset(
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
DIMENSIONS = (256, 384, 1024, 3072)
_TRUNCATION = ("START", "END", "NONE")
_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif", "image/webp": "webp"}


def is_nova(name: str) -> bool:
    return name.startswith("amazon.nova") and "embed" in name


def _purpose(input_type: str | None, options: Mapping[str, Any]) -> str:
    purpose = options.get("embedding_purpose") or input_type or "GENERIC_INDEX"
    if purpose not in PURPOSES:
        raise ConfigurationError(
            f"embedding_purpose must be one of {', '.join(sorted(PURPOSES))}, not {purpose!r}"
        )
    return str(purpose)


def _content(text: str, options: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    image = image_data_uri(text)
    if image is not None:
        mime, data = image
        fmt = _IMAGE_FORMATS.get(mime)
        if fmt is None:
            raise ConfigurationError(f"Nova embeddings take png, jpeg, gif or webp images, not {mime}")
        detail = options.get("detail_level") or "STANDARD_IMAGE"
        if detail not in ("STANDARD_IMAGE", "DOCUMENT_IMAGE"):
            raise ConfigurationError("detail_level must be STANDARD_IMAGE or DOCUMENT_IMAGE")
        return "image", {"format": fmt, "detailLevel": detail, "source": {"bytes": data}}
    truncate = options.get("truncate") or "END"
    if truncate not in _TRUNCATION:
        raise ConfigurationError(
            f"truncate must be one of {', '.join(_TRUNCATION)} for Nova, not {truncate!r}"
        )
    return "text", {"truncationMode": truncate, "value": text}


def nova_body(
    text: str, dimensions: int | None, input_type: str | None, options: Mapping[str, Any]
) -> dict[str, Any]:
    if dimensions is not None and dimensions not in DIMENSIONS:
        raise ConfigurationError(
            f"Nova embeddings have dimensions {', '.join(map(str, DIMENSIONS))}, not {dimensions}"
        )
    params: dict[str, Any] = {"embeddingPurpose": _purpose(input_type, options)}
    params["embeddingDimension"] = dimensions or 3072
    kind, content = _content(text, options)
    params[kind] = content
    return {"schemaVersion": SCHEMA_VERSION, "taskType": "SINGLE_EMBEDDING", "singleEmbeddingParams": params}


def nova_vector(obj: Mapping[str, Any]) -> Any:
    """The one embedding of a single-embedding answer."""
    rows = obj["embeddings"]
    if not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], Mapping):
        raise ValueError("expected one embedding")
    return rows[0]["embedding"]
