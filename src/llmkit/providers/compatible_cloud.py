"""Hosted inference clouds and platforms that speak OpenAI Chat Completions: one ``ProviderSpec``
each (the model makers' own APIs are in ``compatible_labs``).

Every fact here (base URL, key variable, header, option) comes from the provider's own
documentation or official SDK unless the ``notes`` say otherwise. A provider's differences
from OpenAI are named quirks (``OpenAIQuirks`` fields, functions in ``_quirks``), never code.
"""

from __future__ import annotations

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
from llmkit.providers.spec import EmbeddingSpec, Param

# OpenAI-style images endpoints (POST {base}/images/generations), each from the provider's docs:
# which generate_image parameters it takes, and its own body fields as keyword options.
DEEPINFRA_IMAGES = every_model_takes("n", "size")
TOGETHER_IMAGES = every_model_takes("n", "seed", "negative_prompt", "output_format")
TOGETHER_IMAGE_OPTIONS = frozenset(
    {"width", "height", "steps", "image_url", "guidance_scale", "disable_safety_checker", "image_loras"}
)
NEBIUS_IMAGES = every_model_takes("seed", "negative_prompt")
NEBIUS_IMAGE_OPTIONS = frozenset({"width", "height", "num_inference_steps", "response_extension"})


# NVIDIA NIM retrieval embedding models: input_type query/passage (asymmetric models need it),
# encoding_format float/base64 (https://docs.nvidia.com/nim/nemo-retriever/text-embedding/latest/reference.html).
NIM_EMBEDDING = EmbeddingSpec(
    input_types={"query": "query", "document": "passage"}, encodings={"base64": "base64"}
)

SPECS = (
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
