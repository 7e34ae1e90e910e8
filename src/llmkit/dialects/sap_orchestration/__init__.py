"""SAP Generative AI Hub orchestration v2 (``/completion``, ``/embeddings``), from the published
spec (specs/sap/orchestration/api.yaml).

URLs are ``{AI API URL}/v2/inference/deployments/{deployment_id}/v2/completion``; the deployment
id is left as ``llmkit.auth.sap.DEPLOYMENT_SLOT`` for the SAP auth to fill (it discovers the
running orchestration deployment), so this module stays pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.auth.sap import DEPLOYMENT_SLOT
from llmkit.dialects._errors import decode_body
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, Quirks
from llmkit.dialects.openai_chat import OPTIONS as OPENAI_OPTIONS
from llmkit.dialects.sap_orchestration._request import (
    ENVELOPE,
    build_completion_body,
    build_embeddings_body,
)
from llmkit.dialects.sap_orchestration._response import (
    OrchestrationStreamDecoder,
    error_from,
    parse_completion,
    parse_embeddings,
)
from llmkit.errors import ProviderError
from llmkit.types import Completion, Embeddings
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "OrchestrationDialect", "OrchestrationStreamDecoder", "deployment_root"]

# The OpenAI model parameters (sent as the model's params), the envelope's own options, and the
# embeddings' input type.
OPTIONS = OPENAI_OPTIONS | ENVELOPE | {"input_type"}


def deployment_root(ctx: CallContext) -> str:
    """``{AI API URL}/v2/inference/deployments/{slot}/v2``: the base URL may carry ``/v2`` or not."""
    base = ctx.base_url
    root = base if base.endswith("/v2") else base + "/v2"
    return f"{root}/inference/deployments/{DEPLOYMENT_SLOT}/v2"


class OrchestrationDialect:
    name = "sap_orchestration"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = build_completion_body(req, ctx)
        headers = {"content-type": "application/json"}
        if req.stream:
            headers["accept"] = "text/event-stream"
        return HttpRequest("POST", deployment_root(ctx) + "/completion", headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return parse_completion(resp, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> OrchestrationStreamDecoder:
        return OrchestrationStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return error_from(resp.status, decode_body(resp), ctx, resp)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body = build_embeddings_body(req)
        headers = {"content-type": "application/json"}
        return HttpRequest("POST", deployment_root(ctx) + "/embeddings", headers, dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embeddings(resp, req.model, ctx)


DIALECT = OrchestrationDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, EmbedDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
