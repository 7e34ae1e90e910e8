"""Cohere's v2 API (``cohere/...``): chat (``/v2/chat``), embed (``/v2/embed``), rerank
(``/v2/rerank``).

Facts from Cohere's API reference (https://docs.cohere.com/reference) and the official Python
SDK's request and response types (``cohere.v2``), which the tests hold these bodies to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects._errors import json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, Quirks, RerankRequest
from llmkit.dialects.cohere._chat import CHAT_OPTIONS, build_chat_body, parse_chat_body
from llmkit.dialects.cohere._embed import EMBED_OPTIONS, embed_body, parse_embed_body
from llmkit.dialects.cohere._errors import classify
from llmkit.dialects.cohere._rerank import RERANK_OPTIONS, parse_rerank_body, rerank_body
from llmkit.dialects.cohere._stream import CohereStreamDecoder
from llmkit.errors import ProviderError
from llmkit.ranking import Ranking
from llmkit.types import Completion, Embeddings
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "CohereDialect"]


_JSON = {"content-type": "application/json", "accept": "application/json"}


class CohereDialect:
    name = "cohere"
    options = CHAT_OPTIONS | EMBED_OPTIONS | RERANK_OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = build_chat_body(req, ctx)
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if req.stream else "application/json",
        }
        return HttpRequest("POST", ctx.base_url.rstrip("/") + "/v2/chat", headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return parse_chat_body(json_or_raise(resp.body, "chat response", ctx.provider), ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> CohereStreamDecoder:
        return CohereStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body = embed_body(req, ctx.provider)
        return HttpRequest("POST", ctx.base_url.rstrip("/") + "/v2/embed", _JSON, dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed_body(resp.body, req, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        body = rerank_body(req, ctx.provider)
        return HttpRequest("POST", ctx.base_url.rstrip("/") + "/v2/rerank", _JSON, dumps(body), body)

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        return parse_rerank_body(resp.body, req, ctx)


DIALECT = CohereDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, EmbedDialect, RerankDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
    _rerank: RerankDialect = DIALECT
