"""GigaChat (Sber): OpenAI Chat Completions with the older functions format (``_wire``).

The bodies are rewritten on the way out (tools -> functions) and on the way in (function_call
-> tool_calls, per-item embedding usage summed); the OpenAI dialect does the rest, so the two
formats share one parser. Streams say ``"object": "chat.completion"`` on every chunk, and the
last one carries usage before ``data: [DONE]`` (the SDK's live cassettes): OpenAI's decoder
reads that as it is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest
from llmkit.dialects.gigachat._wire import embeddings_usage, to_gigachat_body, to_openai_answer
from llmkit.dialects.openai_chat import OpenAIChatDialect, OpenAIStreamDecoder, parse_chat_body, quirks_of
from llmkit.errors import ResponseDecodeError
from llmkit.types import Completion, Embeddings, StreamEvent
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "GigaChatDialect", "GigaChatStreamDecoder"]

# GigaChat's own request fields beyond the common ones (the SDK's Chat model).
OPTIONS = frozenset(
    {
        "top_p",
        "n",
        "repetition_penalty",
        "update_interval",
        "profanity_check",
        "flags",
        "storage",
        "function_ranker",
        "reasoning_effort",
    }
)


class GigaChatStreamDecoder(OpenAIStreamDecoder):
    __slots__ = ()

    def _chunk(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        super()._chunk(to_openai_answer(obj), out)


class GigaChatDialect(OpenAIChatDialect):
    name = "gigachat"
    options = OPTIONS
    # GigaChat has no images endpoint (it draws through a built-in chat function), so the OpenAI
    # images methods this class would inherit are switched off: ``operation(d, "images")`` is None.
    image_parameters = None  # type: ignore[assignment]
    build_images = None  # type: ignore[assignment]
    parse_images = None  # type: ignore[assignment]
    build_rerank = None  # type: ignore[assignment]  # nor a rerank endpoint
    parse_rerank = None  # type: ignore[assignment]

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        request = super().build_chat(req, ctx)
        body = to_gigachat_body(request.json)
        request.body, request.json = dumps(body), body
        return request

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        try:
            obj = json.loads(resp.body.decode("utf-8", "replace"))
        except ValueError:
            raise ResponseDecodeError(
                "chat completion body is not JSON", provider=ctx.provider, snippet=resp.body
            ) from None
        completion = parse_chat_body(to_openai_answer(obj), ctx, quirks_of(ctx))
        completion.raw = obj
        choices = obj.get("choices") if isinstance(obj, dict) else None
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            completion.raw_finish_reason = choices[0].get("finish_reason")  # "function_call", as sent
        return completion

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> GigaChatStreamDecoder:
        return GigaChatStreamDecoder(ctx, quirks_of(ctx))

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        request = super().build_embed(req, ctx)
        body = request.json
        body.pop("encoding_format", None)  # not in GigaChat's Embeddings request
        request.body = dumps(body)
        return request

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        try:
            obj = json.loads(resp.body)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "usage" not in obj:
            usage = embeddings_usage(obj)
            if usage is not None:
                resp = HttpResponse(resp.status, resp.headers, dumps({**obj, "usage": usage}))
        return super().parse_embed(resp, req, ctx)


DIALECT = GigaChatDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its spec declares
    from llmkit.dialects.base import ChatDialect, EmbedDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
