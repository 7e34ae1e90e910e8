"""Hosted clouds that speak OpenAI Chat Completions: one ``ProviderSpec`` each.

Every fact here (base URL, key variable, header, option) comes from the provider's own
documentation or official SDK unless the ``notes`` say otherwise. A provider's differences
from OpenAI are named quirks (``OpenAIQuirks`` fields, functions in ``_quirks``), never code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers import _quirks
from llmkit.providers.spec import EmbeddingSpec, Param, ProviderSpec

CHAT = frozenset({"chat", "stream", "tools"})
JSON = frozenset({"json_schema", "json_object"})
STANDARD = CHAT | JSON
VISION = STANDARD | {"vision"}
REASONING = STANDARD | {"reasoning"}
FULL = VISION | {"reasoning", "embeddings"}


def _takes(*names: str) -> Callable[[str], frozenset[str]]:
    """An images quirk: every model of the provider takes these generate_image parameters."""
    taken = frozenset(names)
    return lambda model: taken


# OpenAI-style images endpoints (POST {base}/images/generations), each from the provider's docs:
# which generate_image parameters it takes, and its own body fields as keyword options.
XAI_IMAGES = _takes("n")
DEEPINFRA_IMAGES = _takes("n", "size")
TOGETHER_IMAGES = _takes("n", "seed", "negative_prompt", "output_format")
TOGETHER_IMAGE_OPTIONS = frozenset(
    {"width", "height", "steps", "image_url", "guidance_scale", "disable_safety_checker", "image_loras"}
)
NEBIUS_IMAGES = _takes("seed", "negative_prompt")
NEBIUS_IMAGE_OPTIONS = frozenset({"width", "height", "num_inference_steps", "response_extension"})


# Mistral embeddings (../shared/specs/mistral EmbeddingRequest, https://docs.mistral.ai/api/#tag/embeddings):
# encoding_format float/base64, output_dtype int8/uint8/binary/ubinary, output_dimension; a
# closed schema (no "dimensions"). No documented per-request input limit.
MISTRAL_EMBEDDING = EmbeddingSpec(
    encodings={"base64": "base64", **{e: e for e in ("int8", "uint8", "binary", "ubinary")}},
    fields={"dimensions": "output_dimension", "dtype": "output_dtype"},
)
# NVIDIA NIM retrieval embedding models: input_type query/passage (asymmetric models need it),
# encoding_format float/base64 (https://docs.nvidia.com/nim/nemo-retriever/text-embedding/latest/reference.html).
NIM_EMBEDDING = EmbeddingSpec(
    input_types={"query": "query", "document": "passage"}, encodings={"base64": "base64"}
)


def caps(*sets: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for s in sets:
        out.update(s)
    return frozenset(out)


def compat(
    name: str,
    title: str,
    base_url: str,
    env: tuple[str, ...],
    docs: str,
    *,
    capabilities: frozenset[str] = STANDARD,
    quirks: OpenAIQuirks | None = None,
    **kw: Any,
) -> ProviderSpec:
    """A bearer-key OpenAI-compatible provider (the common case)."""
    return ProviderSpec(
        name=name,
        display_name=title,
        dialect="openai_chat",
        base_url=base_url,
        env_keys=env,
        capabilities=capabilities,
        quirks=quirks,
        docs_url=docs,
        **kw,
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
        "friendli",
        "FriendliAI",
        "https://api.friendli.ai/serverless/v1",
        ("FRIENDLI_TOKEN", "FRIENDLIAI_API_KEY"),
        "https://friendli.ai/docs/openapi/create-chat-completions",
        capabilities=REASONING,
        regions={
            "serverless": "https://api.friendli.ai/serverless/v1",
            "dedicated": "https://api.friendli.ai/dedicated/v1",
        },
        default_region="serverless",
        header_options={"team": "X-Friendli-Team"},
        notes=(
            "region='dedicated' for Dedicated Endpoints (the model is the endpoint id). team= sends "
            "X-Friendli-Team to run as that team."
        ),
    ),
    compat(
        "novita",
        "Novita AI",
        "https://api.novita.ai/openai/v1",
        ("NOVITA_API_KEY",),
        "https://novita.ai/docs/api-reference/model-apis-llm-create-chat-completion",
        capabilities=caps(VISION, {"reasoning"}),
        body_options={
            n: n for n in ("top_k", "min_p", "repetition_penalty", "separate_reasoning", "enable_thinking")
        },
        notes="Older docs use https://api.novita.ai/v3/openai; both routes answer.",
    ),
    compat(
        "hyperbolic",
        "Hyperbolic",
        "https://api.hyperbolic.xyz/v1",
        ("HYPERBOLIC_API_KEY",),
        "https://docs.hyperbolic.xyz/docs/rest-api",
        capabilities=CHAT,
        body_options={"top_k": "top_k", "min_p": "min_p", "repetition_penalty": "repetition_penalty"},
    ),
    compat(
        "lambda_ai",
        "Lambda Inference API (retired)",
        "https://api.lambda.ai/v1",
        ("LAMBDA_API_KEY",),
        "https://docs.lambda.ai/public-cloud/lambda-inference-api/",
        capabilities=CHAT,
        notes=(
            "Lambda's own docs page says the Inference API was sunset and shut down on September 25; "
            "the entry is kept so that existing code and Lambda-hosted OpenAI-compatible servers "
            "work with base_url=."
        ),
    ),
    compat(
        "datarobot",
        "DataRobot",
        "{endpoint}/genai/llmgw",
        ("DATAROBOT_API_TOKEN",),
        "https://docs.datarobot.com/en/docs/gen-ai/genai-code/genai-chat-completion-api.html",
        capabilities=CHAT,
        regions={"gateway": "{endpoint}/genai/llmgw", "deployment": "{endpoint}/deployments/{deployment_id}"},
        default_region="gateway",
        params={
            "endpoint": Param(
                ("DATAROBOT_ENDPOINT",),
                "https://app.datarobot.com/api/v2",
                doc="API root, e.g. https://app.eu.datarobot.com/api/v2",
                kind="url_root",
            ),
            "deployment_id": Param(
                ("DATAROBOT_DEPLOYMENT_ID",),
                required=False,
                doc="with region='deployment'",
                kind="path_segment",
            ),
        },
        quirks=OpenAIQuirks(max_tokens_field="max_completion_tokens"),
        notes=(
            "region='gateway' (LLM gateway) or region='deployment' with deployment_id= "
            "(model 'datarobot-deployed-llm')."
        ),
    ),
    compat(
        "groq",
        "Groq",
        "https://api.groq.com/openai/v1",
        ("GROQ_API_KEY",),
        "https://console.groq.com/docs/openai",
        capabilities=caps(VISION, {"reasoning"}),
        body_options={"reasoning_format": "reasoning_format", "include_reasoning": "include_reasoning"},
        notes="Responses carry x_groq (request id) and timing fields in usage; both stay in .raw.",
    ),
    compat(
        "cerebras",
        "Cerebras",
        "https://api.cerebras.ai/v1",
        ("CEREBRAS_API_KEY",),
        "https://inference-docs.cerebras.ai/api-reference/chat-completions",
        capabilities=REASONING,
    ),
    compat(
        "sambanova",
        "SambaNova Cloud",
        "https://api.sambanova.ai/v1",
        ("SAMBANOVA_API_KEY",),
        "https://docs.sambanova.ai/cloud/api-reference/endpoints/chat",
        capabilities=caps(VISION, {"embeddings"}),
    ),
    compat(
        "fireworks_ai",
        "Fireworks AI",
        "https://api.fireworks.ai/inference/v1",
        ("FIREWORKS_API_KEY", "FIREWORKS_AI_API_KEY"),
        "https://docs.fireworks.ai/api-reference/post-chatcompletions",
        capabilities=FULL,
        body_options={"top_k": "top_k", "min_p": "min_p", "repetition_penalty": "repetition_penalty"},
        notes="Model ids look like accounts/fireworks/models/<model>.",
    ),
    compat(
        "together_ai",
        "Together AI",
        "https://api.together.xyz/v1",
        ("TOGETHER_API_KEY", "TOGETHER_AI_API_KEY"),
        "https://docs.together.ai/reference/chat-completions-1",
        # rerank: POST /v1/rerank (https://docs.together.ai/reference/rerank-1).
        capabilities=caps(FULL, {"images", "rerank"}),
        body_options={
            "top_k": "top_k",
            "min_p": "min_p",
            "repetition_penalty": "repetition_penalty",
            "safety_model": "safety_model",
            "context_length_exceeded_behavior": "context_length_exceeded_behavior",
        },
        # POST /v1/images/generations (https://docs.together.ai/reference/post-images-generations):
        # width/height (not size), steps, seed, negative_prompt, output_format jpeg|png,
        # response_format base64|url; no edits or variations endpoint.
        quirks=OpenAIQuirks(
            image_parameters=TOGETHER_IMAGES,
            image_variations_path=None,
            extra_options=TOGETHER_IMAGE_OPTIONS,
        ),
        notes=(
            "Images: generate_image(size=) is refused, pass width= and height= (and steps=); "
            "answers are URLs unless response_format='base64' "
            "(https://docs.together.ai/reference/post-images-generations)."
        ),
    ),
    compat(
        "deepinfra",
        "DeepInfra",
        "https://api.deepinfra.com/v1/openai",
        ("DEEPINFRA_API_KEY",),
        "https://deepinfra.com/docs/openai_api",
        capabilities=caps(FULL, {"images"}),
        body_options={"top_k": "top_k", "min_p": "min_p", "repetition_penalty": "repetition_penalty"},
        # POST /v1/openai/images/generations with prompt, model, size, n; answers b64_json
        # (each image model's "OpenAI-compatible HTTP API" page, e.g.
        # https://deepinfra.com/black-forest-labs/FLUX-2-dev/api).
        quirks=OpenAIQuirks(image_parameters=DEEPINFRA_IMAGES, image_variations_path=None),
        notes="Images: size= and n= on /v1/openai/images/generations (FLUX and other image models).",
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
        "openrouter",
        "OpenRouter",
        "https://openrouter.ai/api/v1",
        ("OPENROUTER_API_KEY",),
        "https://openrouter.ai/docs/api-reference/chat-completion",
        capabilities=caps(FULL, {"web_search"}),
        header_options={"http_referer": "HTTP-Referer", "x_title": "X-Title"},
        body_options={
            n: n
            for n in ("provider", "models", "transforms", "route", "reasoning", "usage", "plugins", "top_k")
        },
        notes=(
            "Attribution: http_referer= (your site) and x_title= (your app). Routing: provider={...}, "
            "models=[fallbacks], transforms=['middle-out']. Reasoning arrives as delta.reasoning."
        ),
    ),
    compat(
        "huggingface",
        "Hugging Face Inference Providers",
        "https://router.huggingface.co/v1",
        ("HF_TOKEN", "HUGGINGFACE_API_KEY"),
        "https://huggingface.co/docs/inference-providers/index",
        capabilities=VISION,
        notes="Pick the serving provider with a model suffix: 'huggingface/meta-llama/Llama-3.3-70B:groq'.",
    ),
    compat(
        "baseten",
        "Baseten",
        "https://inference.baseten.co/v1",
        ("BASETEN_API_KEY",),
        "https://docs.baseten.co/development/model-apis/overview",
        capabilities=REASONING,
        notes=(
            "Model APIs. A dedicated deployment is reached with "
            "base_url='https://model-<id>.api.baseten.co/environments/production/sync/v1'."
        ),
    ),
    compat(
        "runpod",
        "RunPod Serverless (vLLM)",
        "https://api.runpod.ai/v2/{endpoint_id}/openai/v1",
        ("RUNPOD_API_KEY",),
        "https://docs.runpod.io/serverless/vllm/openai-compatibility",
        capabilities=STANDARD,
        params={
            "endpoint_id": Param(
                ("RUNPOD_ENDPOINT_ID",),
                required=False,
                doc="your serverless endpoint id",
                kind="path_segment",
            )
        },
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
        "nvidia_nim",
        "NVIDIA NIM (build.nvidia.com)",
        "https://integrate.api.nvidia.com/v1",
        ("NVIDIA_API_KEY", "NVIDIA_NIM_API_KEY"),
        "https://docs.api.nvidia.com/nim/reference/llm-apis",
        capabilities=caps(VISION, {"embeddings", "reasoning"}),
        notes="Self-hosted NIM containers: base_url='http://<host>:8000/v1'.",
        embedding=NIM_EMBEDDING,
    ),
    compat(
        "cloudflare",
        "Cloudflare Workers AI",
        "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/v1",
        ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY"),
        "https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/",
        capabilities=caps(STANDARD, {"embeddings"}),
        params={
            "account_id": Param(
                ("CLOUDFLARE_ACCOUNT_ID",),
                doc="your Cloudflare account id (32 hex digits)",
                required=False,
                kind="hex",
            )
        },
        quirks=OpenAIQuirks(error_fields=_quirks.envelope_list_error_fields),
        notes="Model ids look like @cf/meta/llama-3.1-8b-instruct. Errors: {success, errors}.",
    ),
    compat(
        "github",
        "GitHub Models",
        "https://models.github.ai/inference",
        ("GITHUB_TOKEN",),
        "https://docs.github.com/en/rest/models/inference",
        capabilities=caps(VISION, {"embeddings"}),
        notes="Model ids are publisher/model (openai/gpt-4.1). Org: base_url=.../orgs/<org>/inference.",
    ),
    compat(
        "databricks",
        "Databricks Model Serving",
        "{host}/serving-endpoints",
        ("DATABRICKS_TOKEN",),
        "https://docs.databricks.com/aws/en/machine-learning/model-serving/score-foundation-models",
        capabilities=caps(VISION, {"embeddings", "reasoning"}),
        params={
            "host": Param(
                ("DATABRICKS_HOST",),
                doc="workspace URL, e.g. https://adb-123.azuredatabricks.net",
                required=False,
                kind="origin",
            )
        },
        quirks=OpenAIQuirks(
            error_fields=_quirks.error_code_fields,
            # databricks-sdk's errors/platform.py maps these codes to TooManyRequests, any status.
            rate_limit_codes=frozenset({"REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}),
        ),
        notes=(
            "The model is the serving endpoint name. Errors are {error_code, message}; "
            "REQUEST_LIMIT_EXCEEDED and RESOURCE_EXHAUSTED are RateLimitError whatever the status."
        ),
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
    compat(
        "nebius",
        "Nebius Token Factory",
        "https://api.tokenfactory.nebius.com/v1",
        ("NEBIUS_API_KEY",),
        "https://docs.tokenfactory.nebius.com/api-reference",
        capabilities=caps(FULL, {"images"}),
        # POST /v1/images/generations: width, height, num_inference_steps, negative_prompt, seed,
        # response_format, response_extension (png|jpg|webp) next to the OpenAI fields.
        quirks=OpenAIQuirks(
            image_parameters=NEBIUS_IMAGES,
            image_variations_path=None,
            extra_options=NEBIUS_IMAGE_OPTIONS,
        ),
        notes=(
            "Formerly Nebius AI Studio (https://api.studio.nebius.ai/v1). Images: "
            "/v1/images/generations with width=/height=/num_inference_steps=/response_extension= "
            "as options (https://docs.tokenfactory.nebius.com/api-reference)."
        ),
    ),
)
