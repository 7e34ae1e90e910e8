"""OpenAI Chat Completions (and Embeddings): the wire format most providers speak.

Providers that reuse it differ only in ``OpenAIQuirks`` on their spec: a path,
the name of the max-tokens field, an error code that means "bad key", a hook
that lifts extra response fields (citations) onto the Completion.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from llmkit._urls import fill_path
from llmkit.dialects._errors import decode_body
from llmkit.dialects._vectors import QUANTISED, decode_vector
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ImageRequest, RerankRequest
from llmkit.dialects.openai_chat._errors import classify, error_fields
from llmkit.dialects.openai_chat._quirks import DEFAULT_QUIRKS, ErrorFields, OpenAIQuirks, quirks_of
from llmkit.dialects.openai_chat._request import build_chat_body, message_to_wire
from llmkit.dialects.openai_chat._response import FINISH_REASONS, finish_reason, parse_chat_body, parse_usage
from llmkit.dialects.openai_chat._stream import OpenAIStreamDecoder
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.types import Completion, Embeddings
from llmkit.wire import HttpRequest, HttpResponse, dumps, loads

__all__ = [
    "DEFAULT_QUIRKS",
    "DIALECT",
    "FINISH_REASONS",
    "OPTIONS",
    "ErrorFields",
    "OpenAIChatDialect",
    "OpenAIQuirks",
    "OpenAIStreamDecoder",
    "build_chat_body",
    "classify",
    "error_fields",
    "finish_reason",
    "message_to_wire",
    "parse_chat_body",
    "parse_usage",
    "quirks_of",
]

# Provider options the images endpoints take beyond generate_image's own parameters.
IMAGE_OPTIONS = frozenset(
    {
        "response_format",
        "background",
        "moderation",
        "output_compression",
        "input_fidelity",
        "safety_identifier",
        "user",
    }
)

# Standard request options every OpenAI-compatible provider may be given by keyword.
OPTIONS = frozenset(
    {
        "top_p",
        "seed",
        "n",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "parallel_tool_calls",
        "user",
        "reasoning_effort",
        "service_tier",
        "store",
        "metadata",
        "prediction",
        "verbosity",
        "modalities",
        "audio",
        "prompt_cache_key",
        "safety_identifier",
    }
)

# Which options each operation takes: generate_image only the images endpoints' own, every
# other operation ("*") the chat/embeddings ones; a chat call given background= is refused.
OPERATION_OPTIONS = {"images": IMAGE_OPTIONS, "*": OPTIONS}


def _path(template: str, ctx: CallContext) -> str:
    # ``{model}`` (an Azure deployment, ...) goes in as one percent-encoded segment.
    return fill_path(template, ctx.params, ctx.model, ctx.provider)


class OpenAIChatDialect:
    name = "openai_chat"
    options = OPTIONS | IMAGE_OPTIONS
    operation_options = OPERATION_OPTIONS
    quirks_type = OpenAIQuirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        q = quirks_of(ctx)
        body = build_chat_body(req, ctx, q)
        headers = {"content-type": "application/json"}
        if req.stream:
            headers["accept"] = "text/event-stream"
        path = q.stream_chat_path if req.stream and q.stream_chat_path is not None else q.chat_path
        return HttpRequest("POST", ctx.base_url + _path(path, ctx), headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        try:
            obj = loads(resp.body)
        except ValueError:
            raise ResponseDecodeError(
                "chat completion body is not JSON", provider=ctx.provider, snippet=resp.body
            ) from None
        return parse_chat_body(obj, ctx, quirks_of(ctx))

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> OpenAIStreamDecoder:
        return OpenAIStreamDecoder(ctx, quirks_of(ctx))

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp, quirks_of(ctx))

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        # Field names a compatible provider spells its own way (Mistral: output_dtype, ...).
        es = ctx.spec.embedding
        names = es.fields if es is not None else {}
        body: dict[str, Any] = {"model": req.model, "input": list(req.inputs)}
        if req.encoding_name in QUANTISED and "dtype" in names:  # Mistral: output_dtype
            body[names["dtype"]] = req.encoding
        else:
            body[names.get("encoding", "encoding_format")] = req.encoding or "float"
        if req.dimensions is not None:
            body[names.get("dimensions", "dimensions")] = req.dimensions
        if req.input_type is not None:
            body[names.get("input_type", "input_type")] = req.input_type
        body.update(req.options)
        if req.extra_body:
            body.update(req.extra_body)
        url = ctx.base_url + _path(quirks_of(ctx).embeddings_path, ctx)
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        try:
            obj = json.loads(resp.body)
            rows = sorted(obj["data"], key=lambda d: d.get("index", 0))
            vectors = [decode_vector(d["embedding"], req.encoding_name) for d in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise ResponseDecodeError(
                f"embeddings body not understood: {exc}", provider=ctx.provider, snippet=resp.body
            ) from None
        return Embeddings(
            vectors, parse_usage(obj.get("usage")), obj.get("model") or req.model, ctx.provider, obj
        )

    # Images load their module (and the multipart framer) on the first image call only.
    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]:
        from llmkit.dialects.openai_chat import _images

        return _images.image_parameters(model, quirks_of(ctx))

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest:
        from llmkit.dialects.openai_chat import _images

        return _images.build_images(req, ctx, quirks_of(ctx), _path)

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images:
        from llmkit.dialects.openai_chat import _images

        return _images.parse_images(resp, req, ctx)

    # Rerank (the Cohere-compatible /rerank of Together and others) loads its module on first use.
    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        from llmkit.dialects.openai_chat import _rerank

        return _rerank.build_rerank(req, ctx)

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        from llmkit.dialects.openai_chat import _rerank

        return _rerank.parse_rerank(resp, req, ctx)


DIALECT = OpenAIChatDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, EmbedDialect, ImagesDialect, RerankDialect
    from llmkit.images import Images
    from llmkit.ranking import Ranking

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
    _images_: ImagesDialect = DIALECT
    _rerank_: RerankDialect = DIALECT
