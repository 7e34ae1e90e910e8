"""Oracle OCI Generative AI inference: ``POST {base}/20231130/actions/chat`` and ``/actions/embedText``.

One ChatDetails body (``compartmentId``, ``servingMode``, ``chatRequest``) in two chat formats,
picked per call: ``api_format="GENERIC"`` (messages, tool calls; Meta, xAI, OpenAI, Google and
other models), ``"COHERE"`` (message + chat history; Cohere Command models) or ``"COHEREV2"``
(Cohere's v2 messages, tools and streams; Command A models). Unless
``api_format=`` says otherwise, models named ``cohere.…`` speak COHERE and the rest GENERIC. The
serving mode is DEDICATED (``endpointId``) for a model that is an endpoint OCID
(``ocid1.generativeaiendpoint.…``), ON_DEMAND (``modelId``) otherwise, or ``serving_mode=``.

The request is signed by the provider's auth (``llmkit.auth.oci``), not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, Quirks
from llmkit.dialects.oci._cohere_v2 import V2_FIELDS
from llmkit.dialects.oci._request import (
    CHAT_FIELDS,
    COHERE_FIELDS,
    EMBED_FIELDS,
    api_format,
    chat_body,
    embed_body,
    url,
)
from llmkit.dialects.oci._response import completion_from, embeddings_from, error_from
from llmkit.dialects.oci._stream import OciStreamDecoder
from llmkit.errors import ProviderError
from llmkit.types import Completion, Embeddings
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "OciDialect", "OciStreamDecoder"]

OPTIONS = frozenset({"api_format", "serving_mode", *CHAT_FIELDS, *COHERE_FIELDS, *V2_FIELDS, *EMBED_FIELDS})


class OciDialect:
    name = "oci"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = chat_body(req, ctx)
        accept = "text/event-stream" if req.stream else "application/json"
        headers = {"content-type": "application/json", "accept": accept}
        return HttpRequest("POST", url(ctx, "chat"), headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return completion_from(json_or_raise(resp.body, "chat", ctx.provider), resp, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> OciStreamDecoder:
        fmt = api_format(req)
        return OciStreamDecoder(ctx, cohere=fmt == "COHERE", v2=fmt == "COHEREV2")

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return error_from(resp, decode_body(resp), ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body = embed_body(req, ctx)
        headers = {"content-type": "application/json", "accept": "application/json"}
        return HttpRequest("POST", url(ctx, "embedText"), headers, dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return embeddings_from(json_or_raise(resp.body, "embedText", ctx.provider), ctx)


DIALECT = OciDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, EmbedDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
