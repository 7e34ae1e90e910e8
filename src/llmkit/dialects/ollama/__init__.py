"""Ollama's native API: ``/api/chat`` (NDJSON streams), ``/api/embed``.

Written from Ollama's OpenAPI document (../shared/specs/ollama/openapi.yaml) and its docs; the
requests are in ``_request``, answers and streams in ``_response``, errors in ``_errors``. The
provider ``ollama_chat`` speaks it (LiteLLM's ``ollama_chat/`` is this route); ``ollama`` stays
the OpenAI-compatible ``/v1`` route."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects._errors import count, decode_body, float_vector, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, Quirks
from llmkit.dialects.ollama._errors import classify
from llmkit.dialects.ollama._request import MODEL_OPTIONS, TOP_LEVEL, chat_body, embed_body
from llmkit.dialects.ollama._response import OllamaStreamDecoder, parse_chat_obj
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.types import Completion, Embeddings, Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "OllamaDialect", "OllamaStreamDecoder"]

OPTIONS = TOP_LEVEL | MODEL_OPTIONS | frozenset({"truncate"})


def _headers(stream: bool) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "accept": "application/x-ndjson" if stream else "application/json",
    }


class OllamaDialect:
    name = "ollama"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = chat_body(req)
        return HttpRequest("POST", ctx.base_url + "/api/chat", _headers(req.stream), dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        obj = json_or_raise(resp.body, "chat", ctx.provider)
        if isinstance(obj, dict) and "error" in obj:
            raise classify(500, obj, ctx, resp)
        return parse_chat_obj(obj, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> OllamaStreamDecoder:
        return OllamaStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body = embed_body(req)
        return HttpRequest("POST", ctx.base_url + "/api/embed", _headers(False), dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        obj = json_or_raise(resp.body, "embeddings", ctx.provider)
        vectors = obj.get("embeddings") if isinstance(obj, dict) else None
        if not isinstance(vectors, list) or len(vectors) != len(req.inputs):
            raise ResponseDecodeError(
                "embed body has no embeddings list with one vector per input",
                provider=ctx.provider,
                snippet=resp.body,
            )
        model = obj.get("model")
        return Embeddings(
            [float_vector(v, f"embeddings[{i}]") for i, v in enumerate(vectors)],
            Usage(input_tokens=count(obj.get("prompt_eval_count"), "prompt_eval_count")),
            model if isinstance(model, str) else req.model,
            ctx.provider,
            obj,
        )


DIALECT = OllamaDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, EmbedDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
