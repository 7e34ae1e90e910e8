"""Cohere's v2 API (``cohere/...``): chat (``/v2/chat``), embed (``/v2/embed``), rerank
(``/v2/rerank``).

Facts from Cohere's API reference (https://docs.cohere.com/reference) and the official Python
SDK's request and response types (``cohere.v2``), which the tests hold these bodies to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects.base import CallContext, Quirks, RerankRequest
from llmkit.dialects.cohere._errors import classify
from llmkit.dialects.cohere._rerank import RERANK_OPTIONS, parse_rerank_body, rerank_body
from llmkit.errors import ProviderError
from llmkit.ranking import Ranking
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "CohereDialect"]


_JSON = {"content-type": "application/json", "accept": "application/json"}


class CohereDialect:
    name = "cohere"
    options = RERANK_OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        body = rerank_body(req)
        return HttpRequest("POST", ctx.base_url.rstrip("/") + "/v2/rerank", _JSON, dumps(body), body)

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        return parse_rerank_body(resp.body, req, ctx)


DIALECT = CohereDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import RerankDialect

    _rerank: RerankDialect = DIALECT
