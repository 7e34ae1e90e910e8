"""Amazon Bedrock Converse / ConverseStream: one request shape for every Bedrock chat model.

``POST {base}/model/{modelId}/converse`` (``/converse-stream`` to stream,
``/count-tokens`` to count), JSON in; JSON out, or an
``application/vnd.amazon.eventstream`` body of binary frames whose
``:event-type`` names the member (``contentBlockDelta``, ``messageStop``, ...).
The model id (a base model, an inference profile or an ARN) is one path
segment, percent-encoded. Signing is not done here: the provider's auth
(SigV4 with signing name ``bedrock``, or a Bedrock API key as a bearer token)
decorates the request this builds.

Images go through InvokeModel too (``_images``: Titan Image Generator, Nova Canvas, Stability).

Embeddings go through InvokeModel (``POST {base}/model/{modelId}/invoke``), whose body
is the model's own: Amazon Titan text embeddings (``inputText``, ``dimensions``,
``normalize``; one text per request), Cohere Embed (``texts``, ``input_type``) and Amazon Nova
Multimodal Embeddings (``_nova_embed``: one text or image per request), picked by the model id.

Sources: botocore ``data/bedrock-runtime/2023-09-30/service-2.json`` (shapes,
operations, exception status codes) and ``parsers.py`` (event-stream errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ImageRequest, Quirks
from llmkit.dialects.bedrock._embed import build_embed_request, parse_embed_response
from llmkit.dialects.bedrock._errors import classify
from llmkit.dialects.bedrock._request import build_body, model_path
from llmkit.dialects.bedrock._response import completion_from
from llmkit.dialects.bedrock._stream import BedrockConverseStreamDecoder
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.types import Completion, Embeddings, TokenCount
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "BedrockConverseDialect", "BedrockConverseStreamDecoder", "build_body"]

# Keyword options: name -> where it goes.
OPTIONS = frozenset(
    {
        "top_p",  # inferenceConfig.topP
        "thinking",  # additionalModelRequestFields.thinking (Anthropic models)
        "additional_model_request_fields",  # merged into additionalModelRequestFields
        "additional_model_response_field_paths",
        "guardrail_config",
        "performance_config",  # "optimized" | "standard" | {"latency": ...}
        "service_tier",  # "priority" | "default" | "flex" | {"type": ...}
        "request_metadata",
        "prompt_variables",
        # InvokeModel embeddings
        "normalize",  # Titan v2: normalize
        "input_type",  # Cohere: input_type (search_document when not given)
        "truncate",  # Cohere: truncate (NONE | START | END)
        "embedding_types",  # Cohere: embedding_types; Titan v2: embeddingTypes
        "embedding_purpose",  # Nova: singleEmbeddingParams.embeddingPurpose
        "detail_level",  # Nova images: STANDARD_IMAGE | DOCUMENT_IMAGE
        # InvokeModel images (Titan Image Generator, Nova Canvas)
        "cfg_scale",  # imageGenerationConfig.cfgScale
        "mask_prompt",  # inPaintingParams.maskPrompt
    }
)


class BedrockConverseDialect:
    name = "bedrock_converse"
    options = OPTIONS
    # One request shape for every Bedrock model: nothing varies per spec.
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = build_body(req)
        operation = "converse-stream" if req.stream else "converse"
        url = ctx.base_url.rstrip("/") + model_path(req.model, operation)
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return completion_from(json_or_raise(resp.body, "Converse", ctx.provider), resp, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> BedrockConverseStreamDecoder:
        return BedrockConverseStreamDecoder(ctx)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx)

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        return build_embed_request(req, ctx)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        return parse_embed_response(resp, req, ctx)

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        body = {"input": {"converse": build_body(req, for_count=True)}}
        url = ctx.base_url.rstrip("/") + model_path(req.model, "count-tokens")
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount:
        obj = json_or_raise(resp.body, "CountTokens", ctx.provider)
        count = obj.get("inputTokens") if isinstance(obj, Mapping) else None
        if not isinstance(count, int) or isinstance(count, bool):
            raise ResponseDecodeError(
                "CountTokens answer without inputTokens", provider=ctx.provider, snippet=resp.body
            )
        return TokenCount(input_tokens=count, exact=True)

    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]:
        from llmkit.dialects.bedrock import _images  # loaded on the first image call only

        return _images.image_parameters(model, ctx)

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest:
        from llmkit.dialects.bedrock import _images  # loaded on the first image call only

        return _images.build_images(req, ctx)

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images:
        from llmkit.dialects.bedrock import _images  # loaded on the first image call only

        return _images.parse_images(resp, req, ctx)


DIALECT = BedrockConverseDialect()

if TYPE_CHECKING:
    from llmkit.images import Images

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, CountTokensDialect, EmbedDialect, ImagesDialect

    _chat: ChatDialect = DIALECT
    _count_tokens: CountTokensDialect = DIALECT
    _embed: EmbedDialect = DIALECT
    _images_dialect: ImagesDialect = DIALECT
