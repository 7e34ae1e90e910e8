"""Hugging Face's hosted feature-extraction (``hf_inference/BAAI/bge-small-en-v1.5``):
``POST {router}/hf-inference/models/{namespace}/{name}/pipeline/feature-extraction``, the route
``huggingface_hub``'s ``InferenceClient.feature_extraction`` calls for ``provider="hf-inference"``.

The body is TEI's (``inputs``, ``normalize``, ``truncate``, ``truncation_direction``,
``prompt_name``, ``dimensions``) and so is the answer: a list of vectors. The model is a Hub repository id,
``namespace/name`` or ``name``: each part is checked against the Hub's repository-name rule and
goes into the path as its own segment, so no id can reach another route. Errors: ``{"error"}``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from llmkit.dialects.base import CallContext, EmbedRequest, Quirks
from llmkit.dialects.vectors import _common as C
from llmkit.dialects.vectors.tei import embed_fields, parse_embed
from llmkit.errors import ConfigurationError, ProviderError
from llmkit.types import Embeddings
from llmkit.wire import HttpRequest, HttpResponse

__all__ = ["DIALECT", "HFInferenceDialect"]

# The Hub's repository name rule (huggingface_hub.utils._validators.REPO_ID_REGEX): letters,
# digits, "-", "_", "."; no "--" or ".." inside, no "-" or "." at either end; at most 96.
_PART = re.compile(r"^(?!.*(--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")


def model_path(model: str, provider: str) -> str:
    parts = model.split("/")
    if len(parts) > 2 or not all(_PART.match(p) for p in parts):
        raise ConfigurationError(
            f"{provider}: {model!r} is not a Hugging Face repository id (namespace/name, letters, "
            "digits, '-', '_', '.')"
        )
    return "/".join(parts)


class HFInferenceDialect:
    """Embeddings only (feature extraction); no chat here (``huggingface/`` is the router's chat)."""

    name = "hf_inference"
    options = frozenset({"normalize", "truncate", "truncation_direction", "prompt_name"})
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return C.tei_error(resp, ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        path = f"/hf-inference/models/{model_path(req.model, ctx.provider)}/pipeline/feature-extraction"
        body = embed_fields(req, ctx.provider)
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        return C.post(ctx.base_url.rstrip("/") + path, body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed(resp, req, ctx)


DIALECT = HFInferenceDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import EmbedDialect

    _embed: EmbedDialect = DIALECT
