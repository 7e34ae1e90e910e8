"""Emulator profiles for the OpenAI-compatible fleet, one per provider.

Written from each provider's API documentation (paths, auth headers, error bodies, stream
habits), deliberately without looking at llmkit's provider specs: a test that passes needs the
client's reading and this one to agree.
"""

from __future__ import annotations

from typing import Any

from llmkit.emulator.profiles import Profile

_OPENAI = "llmkit.emulator.openai:handle"
_BEARER = (("authorization", "Bearer "),)

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


def _p(
    name: str,
    base_path: str = "/v1",
    *,
    auth: tuple[tuple[str, str], ...] = _BEARER,
    bad_key_status: int = 401,
    shape: str = "openai",
    headers: dict[str, str] | None = None,
    query: tuple[str, ...] = (),
    **extra: Any,
) -> Profile:
    # Compatible servers that expose reasoning mostly use DeepSeek's field name.
    extra.setdefault("reasoning_field", "reasoning_content")
    return Profile(
        name,
        _OPENAI,
        base_path=base_path,
        auth_headers=auth,
        bad_key_status=bad_key_status,
        error_shape=shape,
        required_headers=headers or {},
        required_query=query,
        extra=extra,
    )


FLEET: tuple[Profile, ...] = (
    # ---- expansion plan
    _p(
        "perplexity",
        "",  # https://api.perplexity.ai/chat/completions
        shape="status_code",
        bad_key_type="invalid_api_key",
        bad_key_message="Invalid API key provided. You can find your API key at https://www.perplexity.ai/settings/api.",
        extra_fields=PERPLEXITY_FIELDS,
        reject_fields=["stream_options"],
        fields_in_last_chunk=True,
        usage_every_chunk=True,
    ),
    _p(
        "xai",
        bad_key_status=400,
        shape="flat",
        bad_key_code="invalid-argument",
        missing_key_status=401,
        missing_key_code="unauthenticated:no-credentials",
        missing_key_message="No credentials provided",
        extra_fields=["search_parameters", "deferred"],
    ),
    _p("meta_llama", "/compat/v1", extra_fields=["repetition_penalty", "top_k"]),
    _p(
        "friendli", "/serverless/v1", extra_fields=["top_k", "min_p", "repetition_penalty", "parse_reasoning"]
    ),
    _p("lepton", "/api/v1"),
    _p("novita", "/openai/v1", extra_fields=[*SAMPLING, "separate_reasoning", "enable_thinking"]),
    _p("hyperbolic", extra_fields=SAMPLING),
    _p("lambda_ai"),
    _p("datarobot", "/api/v2/genai/llmgw", shape="detail"),
    _p(
        "volcengine",
        "/api/v3",
        bad_key_code="AuthenticationError",
        bad_key_type="Unauthorized",
        extra_fields=["thinking"],
    ),
    # Modal serves whatever the user's container serves; vLLM with an optional --api-key is typical.
    _p("modal", "/v1", shape="object_error", key_optional=True),
    _p(
        "azure_ai",
        "/models",
        auth=(("api-key", ""), ("authorization", "Bearer ")),
        shape="azure",
        query=("api-version",),
        bad_key_code="Unauthorized",
        strict_fields=AZURE_AI_FIELDS,
    ),
    _p(
        "azure_openai",
        "/openai",
        auth=(("api-key", ""), ("authorization", "Bearer ")),
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
    # ---- hosted clouds
    _p("groq", "/openai/v1", extra_fields=["reasoning_format", "include_reasoning"]),
    _p("cerebras"),
    _p("sambanova"),
    _p("fireworks_ai", "/inference/v1", extra_fields=SAMPLING),
    _p(
        "together_ai",
        extra_fields=[*SAMPLING, "safety_model", "context_length_exceeded_behavior", "echo"],
        role_in_every_delta=True,
        whole_tool_calls=True,
        response_fields={"prompt": []},  # the echoed prompt, empty unless echo=true
    ),
    _p("deepinfra", "/v1/openai", extra_fields=SAMPLING),
    _p(
        "deepseek",
        "",
        bad_key_type="authentication_error",
        bad_key_code="invalid_request_error",
        cache_hit_fields=True,
    ),
    _p(
        "openrouter",
        "/api/v1",
        shape="status_code",
        sse_comment="OPENROUTER PROCESSING",
        reasoning_field="reasoning",
        extra_fields=["provider", "models", "transforms", "route", "reasoning", "usage", "plugins", "top_k"],
    ),
    _p("huggingface"),
    _p("baseten"),
    _p("runpod", "/v2/emulated-endpoint/openai/v1", extra_fields=SAMPLING),
    _p(
        "mistral",
        shape="object_error",
        bad_key_shape="detail",
        extra_fields=["random_seed", "safe_prompt", "prompt_mode", "guardrails"],
        reject_fields=["stream_options", "seed", "max_completion_tokens", "user", "store"],
        message_omit=["refusal"],
        plain_usage=True,
        whole_tool_calls=True,
    ),
    _p("ai21", "/studio/v1", extra_fields=["documents"]),
    _p("nvidia_nim", shape="status_code"),
    _p(
        "cloudflare",
        "/client/v4/accounts/emulated-account/ai/v1",
        shape="envelope_list",
        bad_key_code="10000",
    ),
    _p("github", "/inference"),
    _p("databricks", "/serving-endpoints", shape="error_code"),
    _p("writer", chat_path="/chat"),
    _p("nebius"),
    # ---- China and Asia
    _p(
        "dashscope",
        "/compatible-mode/v1",
        extra_fields=["enable_thinking", "thinking_budget", "enable_search"],
    ),
    _p(
        "zai",
        "/api/paas/v4",
        shape="code_message",
        bad_key_code="1000",
        missing_key_code="1001",
        extra_fields=["thinking", "do_sample", "request_id"],
    ),
    _p(
        "zhipu",
        "/api/paas/v4",
        shape="code_message",
        bad_key_code="1000",
        missing_key_code="1001",
        extra_fields=["thinking", "do_sample", "request_id"],
    ),
    _p("moonshot"),
    _p("qianfan", "/v2"),
    _p("minimax", extra_fields=["reasoning_split"]),
    _p("siliconflow", shape="code_int", bad_key_code="30014", bad_key_message="Invalid token"),
    _p("modelscope", extra_fields=["enable_thinking"]),
    _p("upstage", reasoning_field="reasoning"),
    # ---- servers you run
    _p("ollama", auth=()),
    _p("vllm", shape="object_error", key_optional=True, extra_fields=[*SAMPLING, "guided_json"]),
    _p("sglang", key_optional=True, extra_fields=[*SAMPLING, "regex", "separate_reasoning"]),
    _p("lm_studio", key_optional=True),
    _p(
        "llamacpp",
        shape="status_code",
        key_optional=True,
        bad_key_type="authentication_error",
        bad_key_message="Invalid API Key",
        extra_fields=["top_k", "min_p", "repeat_penalty", "grammar", "cache_prompt"],
    ),
    _p("llamafile", auth=()),
    # Modal's edge proxy in front of an endpoint deployed with requires_proxy_auth=True.
    _p(
        "modal_proxy",
        "/v1",
        headers={"modal-key": "", "modal-secret": ""},
        key_optional=True,
        missing_header_status=401,
        missing_header_text="modal-http: missing credentials for proxy authorization",
    ),
    # Any OpenAI-compatible server: a key if the server wants one.
    _p("openai_compatible", key_optional=True),
    # ---- more hosted gateways
    _p("featherless_ai"),
    _p("nscale"),
    _p("ovhcloud"),
    _p("scaleway"),
    _p("inception"),
    _p("crusoe"),
    _p("chutes"),
    _p("parasail"),
    _p("venice", "/api/v1", extra_fields=["venice_parameters"]),
    _p("vercel_ai_gateway"),
    _p("wandb"),
    _p("requesty"),
    _p("clarifai", "/v2/ext/openai/v1"),
)
