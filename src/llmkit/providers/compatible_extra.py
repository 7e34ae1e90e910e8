"""More hosted OpenAI-compatible providers and gateways with no known deviations from the default.

Each is a base URL and a key variable; anything a provider adds stays in ``Completion.raw``.
"""

from __future__ import annotations

from llmkit.providers._compatible import CHAT, FULL, REASONING, STANDARD, VISION, compat

SPECS = (
    compat(
        "featherless_ai",
        "Featherless AI",
        "https://api.featherless.ai/v1",
        ("FEATHERLESS_API_KEY", "FEATHERLESS_AI_API_KEY"),
        "https://featherless.ai/docs/api-overview-and-common-options",
        capabilities=CHAT,
    ),
    compat(
        "nscale",
        "Nscale",
        "https://inference.api.nscale.com/v1",
        ("NSCALE_API_KEY",),
        "https://docs.nscale.com/docs/inference/serverless-models/current",
        capabilities=STANDARD,
    ),
    compat(
        "ovhcloud",
        "OVHcloud AI Endpoints",
        "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
        ("OVHCLOUD_API_KEY", "OVH_AI_ENDPOINTS_ACCESS_TOKEN"),
        "https://help.ovhcloud.com/csm/en-gb-public-cloud-ai-endpoints-getting-started",
        capabilities=STANDARD,
    ),
    compat(
        "scaleway",
        "Scaleway Generative APIs",
        "https://api.scaleway.ai/v1",
        ("SCW_SECRET_KEY",),
        "https://www.scaleway.com/en/docs/generative-apis/",
        capabilities=FULL,
        notes="Project-scoped URLs are https://api.scaleway.ai/<project_id>/v1 (pass base_url=).",
    ),
    compat(
        "inception",
        "Inception Labs (Mercury)",
        "https://api.inceptionlabs.ai/v1",
        ("INCEPTION_API_KEY",),
        "https://docs.inceptionlabs.ai/get-started/get-started",
        capabilities=STANDARD,
    ),
    compat(
        "crusoe",
        "Crusoe Managed Inference",
        "https://api.inference.crusoecloud.com/v1",
        ("CRUSOE_API_KEY",),
        "https://docs.crusoecloud.com/managed-inference/overview",
        capabilities=STANDARD,
    ),
    compat(
        "chutes",
        "Chutes",
        "https://llm.chutes.ai/v1",
        ("CHUTES_API_KEY",),
        "https://chutes.ai/docs",
        capabilities=REASONING,
    ),
    compat(
        "parasail",
        "Parasail",
        "https://api.parasail.io/v1",
        ("PARASAIL_API_KEY",),
        "https://docs.parasail.io/parasail-docs/serverless/available-parameters",
        capabilities=STANDARD,
    ),
    compat(
        "venice",
        "Venice AI",
        "https://api.venice.ai/api/v1",
        ("VENICE_API_KEY", "VENICE_AI_API_KEY"),
        "https://docs.venice.ai/api-reference/endpoint/chat/completions",
        capabilities=VISION,
        body_options={"venice_parameters": "venice_parameters"},
    ),
    compat(
        "vercel_ai_gateway",
        "Vercel AI Gateway",
        "https://ai-gateway.vercel.sh/v1",
        ("AI_GATEWAY_API_KEY", "VERCEL_AI_GATEWAY_API_KEY"),
        "https://vercel.com/docs/ai-gateway/openai-compat",
        capabilities=FULL,
        notes="Model ids are provider/model (anthropic/claude-sonnet-4).",
    ),
    compat(
        "wandb",
        "W&B Inference",
        "https://api.inference.wandb.ai/v1",
        ("WANDB_API_KEY",),
        "https://docs.wandb.ai/guides/inference/",
        capabilities=STANDARD,
        header_options={"project": "OpenAI-Project"},
        notes="project='<team>/<project>' attributes usage (sent as OpenAI-Project).",
    ),
    compat(
        "requesty",
        "Requesty router",
        "https://router.requesty.ai/v1",
        ("REQUESTY_API_KEY",),
        "https://docs.requesty.ai/quickstart",
        capabilities=FULL,
    ),
    compat(
        "clarifai",
        "Clarifai",
        "https://api.clarifai.com/v2/ext/openai/v1",
        ("CLARIFAI_PAT", "CLARIFAI_API_KEY"),
        "https://docs.clarifai.com/compute/inference/open-ai/",
        capabilities=STANDARD,
        notes="The model is a Clarifai model URL: https://clarifai.com/<user>/<app>/models/<model>.",
    ),
)
