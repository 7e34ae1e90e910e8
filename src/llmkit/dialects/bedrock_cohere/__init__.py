"""Cohere Command R / R+ on Amazon Bedrock through InvokeModel (``bedrock_cohere``): the model's
own body (Cohere's v1 chat: ``message``, ``chat_history``, ``preamble``, ``tools`` with
``parameter_definitions``, ``tool_results``, ``documents``), ``POST {base}/model/{id}/invoke``
and ``/invoke-with-response-stream`` (an AWS event stream of ``chunk`` frames).

``bedrock/`` chats with every model through Converse, Cohere's included; this dialect is for the
native body (its ``documents``, ``search_queries_only``, ``raw_prompting``, ...): name the model
``bedrock_cohere/cohere.command-r-plus-v1:0``. Embeddings go through ``bedrock/`` (InvokeModel
already). Errors are Bedrock's, read by the Converse dialect's classifier."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.bedrock._errors import classify
from llmkit.dialects.bedrock._request import model_path
from llmkit.dialects.bedrock_cohere._request import BODY_OPTIONS, chat_body
from llmkit.dialects.bedrock_cohere._response import CohereBedrockStreamDecoder, completion
from llmkit.errors import ProviderError
from llmkit.types import Completion
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "CohereBedrockDialect", "chat_body"]


class CohereBedrockDialect:
    name = "bedrock_cohere"
    options = frozenset(BODY_OPTIONS)
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = chat_body(req)
        op = "invoke-with-response-stream" if req.stream else "invoke"
        accept = "application/vnd.amazon.eventstream" if req.stream else "application/json"
        url = ctx.base_url.rstrip("/") + model_path(req.model, op)
        return HttpRequest(
            "POST", url, {"content-type": "application/json", "accept": accept}, dumps(body), body
        )

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return completion(json_or_raise(resp.body, "InvokeModel", ctx.provider), resp.headers, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> CohereBedrockStreamDecoder:
        return CohereBedrockStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx)


DIALECT = CohereBedrockDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
