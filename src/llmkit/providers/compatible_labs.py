"""The model makers' own APIs that speak OpenAI Chat Completions (Perplexity, xAI, Meta, DeepSeek,
Mistral, AI21, Writer): one ``ProviderSpec`` each, written by ``compatible_cloud``'s rules (facts
from the provider's own documentation or SDK unless the ``notes`` say otherwise; differences from
OpenAI as named quirks, never code).
"""

from __future__ import annotations

from collections.abc import Mapping

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers import _quirks
from llmkit.providers._compatible import (
    CHAT,
    FULL,
    REASONING,
    STANDARD,
    VISION,
    caps,
    compat,
    every_model_takes,
)
from llmkit.providers.spec import EmbeddingSpec

# xAI's images endpoint (POST {base}/images/generations): the generate_image parameters it takes.
XAI_IMAGES = every_model_takes("n")

# Mistral embeddings (../shared/specs/mistral EmbeddingRequest, https://docs.mistral.ai/api/#tag/embeddings):
# encoding_format float/base64, output_dtype int8/uint8/binary/ubinary, output_dimension; a
# closed schema (no "dimensions"). No documented per-request input limit.
MISTRAL_EMBEDDING = EmbeddingSpec(
    encodings={"base64": "base64", **{e: e for e in ("int8", "uint8", "binary", "ubinary")}},
    fields={"dimensions": "output_dimension", "dtype": "output_dtype"},
)

# Perplexity's search options (types from its official Python SDK, ``completion_create_params``).
PERPLEXITY_OPTIONS: Mapping[str, str] = {
    name: name
    for name in (
        "search_domain_filter",
        "search_recency_filter",
        "search_after_date_filter",
        "search_before_date_filter",
        "last_updated_after_filter",
        "last_updated_before_filter",
        "search_mode",
        "search_language_filter",
        "return_images",
        "return_related_questions",
        "image_domain_filter",
        "image_format_filter",
        "disable_search",
        "enable_search_classifier",
        "language_preference",
        "web_search_options",
        "top_k",
    )
}

SPECS = (
    compat(
        "perplexity",
        "Perplexity (Sonar)",
        # Perplexity serves chat at the host root, without /v1.
        "https://api.perplexity.ai",
        ("PERPLEXITY_API_KEY", "PERPLEXITYAI_API_KEY"),
        "https://docs.perplexity.ai/api-reference/chat-completions-post",
        capabilities=caps(STANDARD, {"vision", "reasoning", "web_search"}),
        body_options=PERPLEXITY_OPTIONS,
        quirks=OpenAIQuirks(
            # The SDK has no stream_options; usage arrives in the stream chunks anyway.
            stream_usage=False,
            response_hook=_quirks.citations_response_hook,
            chunk_hook=_quirks.citations_chunk_hook,
        ),
        notes=(
            "Search options (search_domain_filter, search_recency_filter, return_images, "
            "return_related_questions, web_search_options, ...) are keyword options. citations and "
            "search_results become Completion.citations (also from streams); images, related_questions "
            "and the usage cost stay in .raw."
        ),
    ),
    compat(
        "xai",
        "xAI (Grok)",
        "https://api.x.ai/v1",
        ("XAI_API_KEY",),
        "https://docs.x.ai/docs/api-reference",
        capabilities=caps(VISION, {"reasoning", "images"}),
        body_options={"web_search_options": "web_search_options"},
        quirks=OpenAIQuirks(
            max_tokens_field="max_completion_tokens",
            error_fields=_quirks.string_error_fields,
            auth_error_codes=frozenset({_quirks.BAD_KEY_TYPE}),
            # https://docs.x.ai/docs/guides/image-generations: n (1-10) and response_format; no
            # size, quality or style; no edits or variations on this endpoint.
            image_parameters=XAI_IMAGES,
            image_variations_path=None,
        ),
        notes=(
            "Errors are {code, error} (not the OpenAI envelope); a wrong key is HTTP 400 and maps to "
            "AuthenticationError. reasoning_content becomes reasoning. No count_tokens: xAI's "
            "POST /v1/tokenize-text tokenizes a plain text, not a chat request (roles, template, "
            "tools), so it cannot give a request's exact count. xAI now recommends its Responses API; "
            "Chat Completions still answers. Images: POST /v1/images/generations (grok-2-image, "
            "grok-imagine-image), n and response_format only "
            "(https://docs.x.ai/docs/guides/image-generations)."
        ),
    ),
    compat(
        "meta_llama",
        "Meta Llama API",
        "https://api.llama.com/compat/v1",
        ("LLAMA_API_KEY",),
        "https://llama.developer.meta.com/docs/features/compatibility",
        capabilities=VISION,
        quirks=OpenAIQuirks(max_tokens_field="max_completion_tokens"),
        notes="The OpenAI-compatible route (/compat/v1). Llama's native /v1 format is a different dialect.",
    ),
    compat(
        "deepseek",
        "DeepSeek",
        "https://api.deepseek.com",
        ("DEEPSEEK_API_KEY",),
        "https://api-docs.deepseek.com/api/create-chat-completion",
        capabilities=REASONING,
        notes=(
            "reasoning_content streams as ReasoningDelta (send it back only as the docs allow); "
            "usage.prompt_cache_hit_tokens becomes cached_input_tokens."
        ),
    ),
    compat(
        "mistral",
        "Mistral AI",
        "https://api.mistral.ai/v1",
        ("MISTRAL_API_KEY",),
        "https://docs.mistral.ai/api/#tag/chat",
        capabilities=FULL,
        body_options={
            "safe_prompt": "safe_prompt",
            "random_seed": "random_seed",
            "prompt_mode": "prompt_mode",
            "guardrails": "guardrails",
        },
        quirks=OpenAIQuirks(
            # The request schema is closed (additionalProperties: false): no stream_options;
            # the seed is random_seed.
            stream_usage=False,
            body_hook=_quirks.random_seed_body_hook,
        ),
        notes="seed= is sent as random_seed. A rejected key answers {'detail': ...}, not an error object.",
        embedding=MISTRAL_EMBEDDING,
    ),
    compat(
        "ai21",
        "AI21 Labs (Jamba)",
        "https://api.ai21.com/studio/v1",
        ("AI21_API_KEY",),
        "https://docs.ai21.com/reference/jamba-1-6-api-ref",
        # The ai21 SDK's ResponseFormat takes {"type": "text" | "json_object"}: no json_schema.
        capabilities=caps(CHAT, {"json_object"}),
        body_options={"documents": "documents"},
    ),
    compat(
        "writer",
        "Writer (Palmyra)",
        "https://api.writer.com/v1",
        ("WRITER_API_KEY",),
        "https://dev.writer.com/api-reference/completion-api/chat-completion",
        capabilities=STANDARD,
        # Writer serves chat at /v1/chat, not /v1/chat/completions.
        quirks=OpenAIQuirks(chat_path="/chat"),
    ),
)
