"""Emulator profiles for the OpenAI-compatible fleet: what each provider's own API reference
documents, one record per provider, in alphabetical order.

Each record is read from that provider's documentation and official SDK, never from llmkit's
provider specs: the paths it serves chat and embeddings on (written out in full from the host
root, as the reference shows them; ``{name}`` marks a path segment the caller fills in), the
header that carries the key, the error-body shape and the provider's own answer habits. The
handler answers exactly the documented paths and 404s any other, so a client whose reading of a
base URL or path differs fails; ``tests/hardening/test_emulator_fleet_agreement.py`` checks the
two readings agree on paths and auth headers for every provider.

The records are written with ``doc`` and ``v1`` (``fleet_records``).
"""

from __future__ import annotations

from llmkit.emulator.fleet_records import doc, v1
from llmkit.emulator.gateway_profiles import GATEWAYS
from llmkit.emulator.profiles import Profile

_AZURE_KEY = (("api-key", ""), ("authorization", "Bearer "))

# Fields Azure AI Model Inference's common chat schema accepts (2024-05-01-preview .. 2025-05-01).
AZURE_AI_FIELDS = [
    "messages",
    "model",
    "frequency_penalty",
    "presence_penalty",
    "temperature",
    "top_p",
    "max_tokens",
    "response_format",
    "stop",
    "stream",
    "tools",
    "tool_choice",
    "seed",
    "modalities",
]

# Search options Perplexity's chat completions reference lists.
PERPLEXITY_FIELDS = [
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
    "num_search_results",
    "safe_search",
    "reasoning_effort",
]

SAMPLING = ["top_k", "min_p", "repetition_penalty"]


TOGETHER_IMAGE_FIELDS = (
    "width", "height", "steps", "seed", "negative_prompt", "image_url", "guidance_scale",
    "disable_safety_checker", "image_loras", "reference_images",
)  # fmt: skip


FLEET: tuple[Profile, ...] = (
    doc("ai21", "/studio/v1/chat/completions", extra_fields=["documents"]),
    # Azure AI Model Inference: https://<resource>.services.ai.azure.com/models/chat/completions, or
    # a serverless endpoint's https://<name>.<region>.models.ai.azure.com/chat/completions.
    doc(
        "azure_ai",
        ("/models/chat/completions", "/chat/completions"),
        ("/models/embeddings", "/embeddings"),
        auth=_AZURE_KEY,
        shape="azure",
        query=("api-version",),
        bad_key_code="Unauthorized",
        strict_fields=AZURE_AI_FIELDS,
    ),
    # Azure OpenAI: {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=...
    doc(
        "azure_openai",
        "/openai/deployments/{deployment}/chat/completions",
        "/openai/deployments/{deployment}/embeddings",
        base="/openai",
        auth=_AZURE_KEY,
        shape="azure",
        query=("api-version",),
        bad_key_code="401",
        bad_key_message=(
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
            "valid key for an active subscription and use a correct regional API endpoint for your resource."
        ),
        stream_preamble={
            "prompt_filter_results": [
                {
                    "prompt_index": 0,
                    "content_filter_results": {
                        "hate": {"filtered": False, "severity": "safe"},
                        "self_harm": {"filtered": False, "severity": "safe"},
                        "sexual": {"filtered": False, "severity": "safe"},
                        "violence": {"filtered": False, "severity": "safe"},
                    },
                }
            ]
        },
    ),
    v1("baseten"),
    # Cerebras (cerebras_cloud_sdk's ChatCompletionResponse): reasoning in message.reasoning, and a
    # time_info object of phase timings in seconds.
    v1(
        "cerebras",
        reasoning_field="reasoning",
        response_fields={
            "time_info": {
                "queue_time": 0.0001,
                "prompt_time": 0.002,
                "completion_time": 0.01,
                "total_time": 0.013,
                "created": 1767225600.0,
            }
        },
    ),
    v1("chutes"),
    doc("clarifai", "/v2/ext/openai/v1/chat/completions"),
    doc(
        "cloudflare",
        "/client/v4/accounts/{account_id}/ai/v1/chat/completions",
        "/client/v4/accounts/{account_id}/ai/v1/embeddings",
        shape="envelope_list",
        bad_key_code="10000",
    ),
    v1("crusoe"),
    doc(
        "dashscope",
        "/compatible-mode/v1/chat/completions",
        "/compatible-mode/v1/embeddings",
        extra_fields=["enable_thinking", "thinking_budget", "enable_search"],
    ),
    # Databricks: the workspace's /serving-endpoints with the endpoint name as the model.
    doc(
        "databricks",
        "/serving-endpoints/chat/completions",
        "/serving-endpoints/embeddings",
        shape="error_code",
    ),
    # DataRobot's LLM gateway under the API root https://app.datarobot.com/api/v2.
    # and a deployed LLM's own route, {api root}/deployments/{deployment_id}/chat/completions.
    doc(
        "datarobot",
        ("/api/v2/genai/llmgw/chat/completions", "/api/v2/deployments/{deployment_id}/chat/completions"),
        shape="detail",
    ),
    doc("deepinfra", "/v1/openai/chat/completions", "/v1/openai/embeddings", extra_fields=SAMPLING),
    # DeepSeek documents https://api.deepseek.com (and /v1, for OpenAI compatibility).
    doc(
        "deepseek",
        ("/chat/completions", "/v1/chat/completions"),
        bad_key_type="authentication_error",
        bad_key_code="invalid_request_error",
        cache_hit_fields=True,
    ),
    v1("featherless_ai"),
    doc("fireworks_ai", "/inference/v1/chat/completions", "/inference/v1/embeddings", extra_fields=SAMPLING),
    doc(
        "friendli",
        ("/serverless/v1/chat/completions", "/dedicated/v1/chat/completions"),
        extra_fields=["top_k", "min_p", "repetition_penalty", "parse_reasoning"],
    ),
    # GitHub Models: also per organization, /orgs/{org}/inference/chat/completions.
    doc(
        "github",
        ("/inference/chat/completions", "/orgs/{org}/inference/chat/completions"),
        "/inference/embeddings",
        base="/inference",
    ),
    # Groq (console.groq.com/docs/api-reference, groq-python): x_groq carries the request id (and,
    # on a stream's last chunk, the usage); usage has timing fields; service_tier is on_demand.
    doc(
        "groq",
        "/openai/v1/chat/completions",
        extra_fields=["reasoning_format", "include_reasoning"],
        reasoning_field="reasoning",
        x_groq=True,
        message_omit=["refusal"],
        plain_usage=True,
        response_fields={"service_tier": "on_demand", "usage_breakdown": None},
    ),
    v1("huggingface"),
    v1("hyperbolic", extra_fields=SAMPLING),
    v1("inception"),
    v1("lambda_ai"),
    doc("lepton", "/api/v1/chat/completions"),
    v1(
        "llamacpp",
        embeddings=True,
        shape="status_code",
        key_optional=True,
        bad_key_type="authentication_error",
        bad_key_message="Invalid API Key",
        extra_fields=["top_k", "min_p", "repeat_penalty", "grammar", "cache_prompt"],
    ),
    v1("llamafile", auth=()),
    v1("lm_studio", embeddings=True, key_optional=True),
    doc("meta_llama", "/compat/v1/chat/completions", extra_fields=["repetition_penalty", "top_k"]),
    # MiniMax reports failures as HTTP 200 with a non-zero base_resp.status_code.
    v1("minimax", extra_fields=["reasoning_split"], shape="base_resp"),
    # Mistral (docs.mistral.ai/api, mistralai SDK: server https://api.mistral.ai + /v1/...): a closed
    # request schema, no stream_options, usage on the stream's last chunk anyway.
    v1(
        "mistral",
        embeddings=True,
        shape="object_error",
        bad_key_shape="detail",
        extra_fields=["random_seed", "safe_prompt", "prompt_mode", "guardrails"],
        reject_fields=["stream_options", "seed", "max_completion_tokens", "user", "store"],
        message_omit=["refusal"],
        plain_usage=True,
        whole_tool_calls=True,
        usage_in_last_chunk=True,
        embedding_id=True,
        embed_fields=["output_dimension", "output_dtype"],
    ),
    # Modal serves whatever the user's container serves; vLLM with an optional --api-key is typical.
    v1("modal", shape="object_error", key_optional=True),
    # Modal's edge proxy in front of an endpoint deployed with requires_proxy_auth=True.
    v1(
        "modal_proxy",
        headers={"modal-key": "", "modal-secret": ""},
        key_optional=True,
        missing_header_status=401,
        missing_header_text="modal-http: missing credentials for proxy authorization",
    ),
    v1("modelscope", extra_fields=["enable_thinking"]),
    v1("moonshot"),
    v1(
        "nebius",
        embeddings=True,
        image_fields=[
            "width",
            "height",
            "num_inference_steps",
            "negative_prompt",
            "seed",
            "response_extension",
        ],
    ),
    # Naver CLOVA Studio's OpenAI-compatible route (api.ncloud-docs.com clovastudio-openaicompatibility).
    doc("naver_clova", "/v1/openai/chat/completions", "/v1/openai/embeddings"),
    # Novita: /openai/v1 today; older pages show /v3/openai.
    doc(
        "novita",
        ("/openai/v1/chat/completions", "/v3/openai/chat/completions"),
        extra_fields=[*SAMPLING, "separate_reasoning", "enable_thinking"],
    ),
    v1("nscale"),
    v1("nvidia_nim", embeddings=True, shape="status_code", embed_fields=["input_type", "truncate"]),
    v1("ollama", embeddings=True, auth=()),
    # Any OpenAI-compatible server: a key if the server wants one.
    v1("openai_compatible", embeddings=True, key_optional=True),
    doc(
        "openrouter",
        "/api/v1/chat/completions",
        "/api/v1/embeddings",
        shape="status_code",
        sse_comment="OPENROUTER PROCESSING",
        reasoning_field="reasoning",
        extra_fields=["provider", "models", "transforms", "route", "reasoning", "usage", "plugins", "top_k"],
    ),
    v1("ovhcloud"),
    v1("parasail"),
    # Perplexity serves chat at the host root, without /v1.
    doc(
        "perplexity",
        "/chat/completions",
        shape="status_code",
        bad_key_type="invalid_api_key",
        bad_key_message="Invalid API key provided. You can find your API key at https://www.perplexity.ai/settings/api.",
        extra_fields=PERPLEXITY_FIELDS,
        reject_fields=["stream_options"],
        fields_in_last_chunk=True,
        usage_every_chunk=True,
    ),
    doc("qianfan", "/v2/chat/completions", "/v2/embeddings"),
    v1("requesty", embeddings=True),
    doc("runpod", "/v2/{endpoint_id}/openai/v1/chat/completions", extra_fields=SAMPLING),
    v1("sambanova", embeddings=True),
    v1("scaleway", embeddings=True),
    v1("sglang", embeddings=True, key_optional=True, extra_fields=[*SAMPLING, "regex", "separate_reasoning"]),
    v1(
        "siliconflow",
        embeddings=True,
        shape="code_int",
        bad_key_code="30014",
        bad_key_message="Invalid token",
    ),
    # TGI's Messages API (text-generation-inference docs/source/messages_api.md) at the server root.
    doc("tgi", "/v1/chat/completions", base="", key_optional=True, shape="flat"),
    v1(
        "together_ai",
        embeddings=True,
        extra_fields=[*SAMPLING, "safety_model", "context_length_exceeded_behavior", "echo"],
        role_in_every_delta=True,
        whole_tool_calls=True,
        response_fields={"prompt": []},  # the echoed prompt, empty unless echo=true
        # POST /v1/images/generations (Together's OpenAPI spec, ImageRequest).
        image_fields=TOGETHER_IMAGE_FIELDS,
        rerank=("/v1/rerank",),  # RerankRequest/RerankResponse in the same spec
    ),
    v1("upstage", embeddings=True, reasoning_field="reasoning"),
    # Venice answers errors as {"error": "<message>"} (veniceai/api-docs error-codes.mdx).
    doc("venice", "/api/v1/chat/completions", extra_fields=["venice_parameters"], shape="flat"),
    v1("vercel_ai_gateway", embeddings=True),
    v1(
        "vllm",
        embeddings=True,
        shape="object_error",
        key_optional=True,
        extra_fields=[*SAMPLING, "guided_json"],
    ),
    doc(
        "volcengine",
        "/api/v3/chat/completions",
        "/api/v3/embeddings",
        bad_key_code="AuthenticationError",
        bad_key_type="Unauthorized",
        extra_fields=["thinking"],
    ),
    v1("wandb"),
    # Writer's reference and its official SDK (writer-sdk) serve chat at /v1/chat only.
    doc("writer", "/v1/chat", base="/v1"),
    v1(
        "xai",
        bad_key_status=400,
        shape="flat",
        bad_key_code="invalid-argument",
        missing_key_status=401,
        missing_key_code="unauthenticated:no-credentials",
        missing_key_message="No credentials provided",
        extra_fields=["search_parameters", "deferred"],
    ),
    doc(
        "zai",
        ("/api/paas/v4/chat/completions", "/api/coding/paas/v4/chat/completions"),
        shape="code_message",
        bad_key_code="1000",
        missing_key_code="1001",
        extra_fields=["thinking", "do_sample", "request_id"],
    ),
    doc(
        "zhipu",
        "/api/paas/v4/chat/completions",
        "/api/paas/v4/embeddings",
        shape="code_message",
        bad_key_code="1000",
        missing_key_code="1001",
        extra_fields=["thinking", "do_sample", "request_id"],
    ),
)


# Issue 14's gateways, routers and GPU hosts (slice compat_b) live in their own module.
FLEET += GATEWAYS
