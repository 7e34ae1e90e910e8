"""The Gemini wire format (Google AI Studio and Vertex AI): generateContent,
streamGenerateContent (``?alt=sse``), countTokens, embedContent / batchEmbedContents, and images
(``_images``: Imagen's ``:predict`` on Vertex AI, Gemini image models through generateContent).

Pure translation. Where the two surfaces differ (the model resource named in
bodies, the countTokens body shape, hosts) the spec's ``GeminiQuirks`` says so;
the URL is ``{base_url}{models_path}/{model}:{method}`` with the model one encoded
segment: ``…/v1beta/models/…`` (AI Studio) or, after the root every Vertex AI spec
shares, ``…/projects/{p}/locations/{l}/publishers/google/models/…`` (Vertex AI).

Mapping notes:

* system/developer messages → ``systemInstruction``; assistant → role ``model``;
  tool results → ``functionResponse`` parts in a ``user`` turn, named by looking
  up the earlier assistant tool call with the same id.
* Gemini function calls usually carry no id: llmkit derives a stable one
  (``gcall_…``) and never sends such ids back.
* Thought parts ↔ ``ReasoningPart`` / ``ReasoningDelta``. A ``thoughtSignature``
  Gemini attached to a text or functionCall part becomes a text-less
  ``ReasoningPart(signature=…)`` placed just before it, and is re-attached to
  the part that follows it when the message is sent back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmkit.dialects._errors import count, float_vector, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ImageRequest
from llmkit.dialects.gemini._options import (
    AI_STUDIO,
    CHAT_OPTIONS,
    EMBED_OPTIONS,
    IMAGE_OPTIONS,
    VERTEX,
    GeminiEmbedOptions,
    GeminiOptions,
    GeminiQuirks,
    HarmBlockThreshold,
    HarmCategory,
    SafetySetting,
)
from llmkit.dialects.gemini._request import (
    chat_body,
    count_tokens_body,
    embed_body,
    json_request,
    method_url,
)
from llmkit.dialects.gemini._response import parse_error, parse_generate, usage_of
from llmkit.dialects.gemini._schema import to_gemini_schema
from llmkit.dialects.gemini._stream import GeminiStreamDecoder
from llmkit.errors import ResponseDecodeError
from llmkit.types import Completion, Embeddings, TokenCount, Usage

if TYPE_CHECKING:
    from llmkit.errors import ProviderError
    from llmkit.images import Images
    from llmkit.wire import HttpRequest, HttpResponse

__all__ = [
    "AI_STUDIO",
    "CHAT_OPTIONS",
    "DIALECT",
    "EMBED_OPTIONS",
    "VERTEX",
    "GeminiDialect",
    "GeminiEmbedOptions",
    "GeminiOptions",
    "GeminiQuirks",
    "HarmBlockThreshold",
    "HarmCategory",
    "SafetySetting",
    "to_gemini_schema",
]


_TEXT_OPTIONS = frozenset(CHAT_OPTIONS) | frozenset(EMBED_OPTIONS)
# Imagen's and imageConfig's options reach generate_image only (which, on a Gemini model, also
# takes the generateContent ones); chat and embed refuse them (operations.base._own_options).
_OPERATION_OPTIONS = {"images": _TEXT_OPTIONS | IMAGE_OPTIONS, "*": _TEXT_OPTIONS}


class GeminiDialect:
    name = "gemini"
    options = _TEXT_OPTIONS | IMAGE_OPTIONS
    operation_options = _OPERATION_OPTIONS
    quirks_type = GeminiQuirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        if req.stream:
            url = method_url(ctx, "streamGenerateContent") + "?alt=sse"
        else:
            url = method_url(ctx, "generateContent")
        http = json_request(url, chat_body(req, ctx))
        if req.stream:
            http.headers.setdefault("accept", "text/event-stream")
        return http

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return parse_generate(json_or_raise(resp.body, "Gemini response", ctx.provider), ctx, resp.status)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> GeminiStreamDecoder:
        return GeminiStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return parse_error(resp, ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        method, body = embed_body(req, ctx)
        return json_request(method_url(ctx, method), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        body = json_or_raise(resp.body, "Gemini response", ctx.provider)
        if not isinstance(body, dict):
            raise ResponseDecodeError("an embedding response must be an object", provider=ctx.provider)
        # A vector of strings, nulls, NaN or nothing at all is drift, not an embedding.
        if "embeddings" in body:
            vectors = [float_vector(e.get("values"), "an embedding's values") for e in body["embeddings"]]
        elif "embedding" in body:
            vectors = [float_vector(body["embedding"].get("values"), "the embedding's values")]
        else:
            raise ResponseDecodeError(
                "no embeddings in Gemini's response", provider=ctx.provider, snippet=resp.body
            )
        usage = usage_of(body.get("usageMetadata")) if body.get("usageMetadata") else Usage()
        return Embeddings(vectors=vectors, usage=usage, model=ctx.model, provider=ctx.provider, raw=body)

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        return json_request(method_url(ctx, "countTokens"), count_tokens_body(req, ctx))

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount:
        body = json_or_raise(resp.body, "Gemini response", ctx.provider)
        if not isinstance(body, dict):
            raise ResponseDecodeError("a countTokens response must be an object", provider=ctx.provider)
        # proto3 JSON leaves out zero values, so an absent totalTokens means 0.
        return TokenCount(input_tokens=count(body.get("totalTokens"), "totalTokens", digits=True), exact=True)

    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]:
        from llmkit.dialects.gemini import _images  # loaded on the first image call only

        return _images.image_parameters(model, ctx)

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest:
        from llmkit.dialects.gemini import _images  # loaded on the first image call only

        return _images.build_images(req, ctx)

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images:
        from llmkit.dialects.gemini import _images  # loaded on the first image call only

        return _images.parse_images(resp, req, ctx)


DIALECT = GeminiDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, CountTokensDialect, EmbedDialect, ImagesDialect

    _chat: ChatDialect = DIALECT
    _count_tokens: CountTokensDialect = DIALECT
    _embed: EmbedDialect = DIALECT
    _images_dialect: ImagesDialect = DIALECT
