"""Yandex Foundation Models (YandexGPT; "Yandex AI Studio"): the native ``completion`` API.

``POST {root}/foundationModels/v1/completion`` with the proto3 JSON of ``CompletionRequest``
(``_request``), answered with ``{"result": CompletionResponse}`` or, when
``completionOptions.stream`` is true, NDJSON of cumulative results (``_response``); errors in
``_errors``. Written from the ``yandexcloud`` package's protos and the REST reference, and held
against both (tests/regional): llmkit's bodies parse into the SDK's ``CompletionRequest``, the
SDK's recorded live responses decode here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, Quirks
from llmkit.dialects.yandex._errors import classify
from llmkit.dialects.yandex._request import OPTIONS, chat_body
from llmkit.dialects.yandex._response import YandexStreamDecoder, parse_result
from llmkit.errors import ProviderError
from llmkit.types import Completion
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["COMPLETION_PATH", "DIALECT", "YandexDialect", "YandexStreamDecoder"]

COMPLETION_PATH = "/foundationModels/v1/completion"


class YandexDialect:
    name = "yandex"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = chat_body(req, ctx)
        headers = {"content-type": "application/json", "accept": "application/json"}
        folder = ctx.params.get("folder_id")
        if folder:
            # Needed with an IAM token (the folder the call is billed to); harmless with an API key.
            headers["x-folder-id"] = folder
        return HttpRequest("POST", ctx.base_url + COMPLETION_PATH, headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        obj = json_or_raise(resp.body, "completion", ctx.provider)
        return parse_result(obj, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> YandexStreamDecoder:
        return YandexStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp)


DIALECT = YandexDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its spec declares
    from llmkit.dialects.base import ChatDialect

    _chat: ChatDialect = DIALECT
