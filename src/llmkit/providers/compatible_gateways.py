"""Gateways, routers and aggregators that speak OpenAI Chat Completions (issue 14).

One key, many upstream models: each row is the gateway's base URL, the key variable its own SDK or
docs name (LiteLLM's name too where it differs), and what its docs say it adds or rejects. Where a
fact comes only from LiteLLM's provider table (no public doc of the provider's own was found),
``notes`` says so; the fixtures' ``NO_FIXTURE.source.md`` files list what was searched.
"""

from __future__ import annotations

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers import _quirks
from llmkit.providers._compatible import CHAT, FULL, REASONING, STANDARD, VISION, caps, compat

SPECS = (
    compat(
        "aihubmix",
        "AIHubMix",
        "https://aihubmix.com/v1",
        ("AIHUBMIX_API_KEY",),
        "https://docs.aihubmix.com/en/api/Aihubmix-Integration",
        capabilities=caps(VISION, {"reasoning", "embeddings"}),
        notes="Routes OpenAI, Anthropic, Gemini and open models under their own names (gpt-*, claude-*).",
    ),
    compat(
        "aiml",
        "AI/ML API",
        "https://api.aimlapi.com/v1",
        ("AIMLAPI_API_KEY", "AIML_API_KEY"),
        "https://docs.aimlapi.com/quickstart/supported-sdks",
        capabilities=FULL,
        notes=(
            "AI/ML API's own SDK and integrations read AIMLAPI_API_KEY; LiteLLM reads AIML_API_KEY "
            "(both accepted). LiteLLM's AIML_API_BASE default omits /v1; the provider documents "
            "https://api.aimlapi.com/v1."
        ),
    ),
    compat(
        "apertis",
        "Apertis AI (formerly Stima API)",
        # Apertis's official SDK (apertis 0.4.1): DEFAULT_BASE_URL https://api.apertis.ai/v1 and
        # APERTIS_API_KEY. LiteLLM still writes the old https://api.stima.tech/v1 and STIMA_API_KEY.
        "https://api.apertis.ai/v1",
        ("APERTIS_API_KEY", "STIMA_API_KEY"),
        "https://docs.stima.tech",
        capabilities=caps(VISION, {"reasoning", "embeddings"}),
        notes=(
            "The same host also serves /v1/responses, /v1/messages and /v1/rerank. For the old "
            "Stima host pass base_url='https://api.stima.tech/v1'."
        ),
    ),
    compat(
        "clf_ai_gateway",
        "CLF AI Gateway",
        "https://api.clfaigateway.dev/v1",
        ("CLF_AI_GATEWAY_API_KEY",),
        "https://clfaigateway.dev/docs",
        capabilities=REASONING,
        notes="Not affiliated with Cloudflare. Every model is a reasoning model (reasoning_effort=).",
    ),
    compat(
        "cometapi",
        "CometAPI",
        "https://api.cometapi.com/v1",
        ("COMETAPI_KEY", "COMETAPI_API_KEY"),
        "https://apidoc.cometapi.com/",
        capabilities=FULL,
        notes="LiteLLM reads COMETAPI_KEY, CometAPI's LlamaIndex integration COMETAPI_API_KEY (both work).",
    ),
    compat(
        "cortecs",
        "Cortecs (EU sovereign router)",
        "https://api.cortecs.ai/v1",
        ("CORTECS_API_KEY",),
        "https://docs.cortecs.ai/",
        capabilities=VISION,
        notes="Base URL and key variable as LiteLLM uses them; docs.cortecs.ai was not readable here.",
    ),
    compat(
        "edenai",
        "Eden AI",
        # Eden AI's quickstart: POST https://api.edenai.run/v3/llm/chat/completions, and the OpenAI
        # SDK configured with base_url="https://api.edenai.run/v3/llm". (LiteLLM writes /v3.)
        "https://api.edenai.run/v3/llm",
        ("EDENAI_API_KEY",),
        "https://docs.edenai.co/v3/quickstart/first-llm-call",
        capabilities=VISION,
        regions={
            "global": "https://api.edenai.run/v3/llm",
            "eu": "https://api.eu.edenai.run/v3/llm",
        },
        default_region="global",
        notes=(
            "Model ids are provider/model (openai/gpt-4o, anthropic/claude-sonnet-4-5). region='eu' "
            "uses the EU host, which serves a subset of the catalog with the same key."
        ),
    ),
    compat(
        "helicone",
        "Helicone AI Gateway",
        # Helicone's REST reference (Chat Completions (Gateway)): POST
        # https://ai-gateway.helicone.ai/v1/chat/completions, the OpenAI SDK's baseURL .../v1.
        # LiteLLM's table writes the bare host, which Helicone also answers (LibreChat uses it).
        "https://ai-gateway.helicone.ai/v1",
        ("HELICONE_API_KEY",),
        "https://docs.helicone.ai/rest/ai-gateway/post-v1-chat-completions",
        capabilities=VISION,
        header_options={
            "helicone_user_id": "Helicone-User-Id",
            "helicone_session_id": "Helicone-Session-Id",
            "helicone_cache_enabled": "Helicone-Cache-Enabled",
        },
        notes="Model ids may carry a provider suffix (gpt-4o-mini/openai). Helicone-* headers as options.",
    ),
    compat(
        "hostinger_router",
        "Hostinger AI Router",
        "https://router.hostinger.com/v1",
        ("HOSTINGER_ROUTER_API_KEY",),
        "https://www.hostinger.com/ai-router",
        capabilities=FULL,
        notes="Billed in Hostinger credits. Facts from LiteLLM's and models.dev's pages (no API reference).",
    ),
    compat(
        "kyma",
        "Kyma API",
        "https://kymaapi.com/v1",
        ("KYMA_API_KEY",),
        "https://docs.kymaapi.com",
        capabilities=REASONING,
        notes=(
            "Keys start with ky-. Kyma's clients use https://kymaapi.com/v1 (some use "
            "api.kymaapi.com/v1). Model aliases best/fast/code/reasoning are accepted as model names."
        ),
    ),
    compat(
        "llamagate",
        "LlamaGate",
        "https://api.llamagate.dev/v1",
        ("LLAMAGATE_API_KEY",),
        "https://llamagate.dev/docs",
        capabilities=STANDARD,
        notes="Facts from LiteLLM's provider table only (unverified against LlamaGate's own docs).",
    ),
    compat(
        "nadir",
        "Nadir (LLM router)",
        # Nadir's official SDK (nadir-sdk 0.1.0): DEFAULT_BASE_URL https://api.getnadir.dev, paths
        # /v1/..., the key in X-API-Key, errors {"detail": ...}. LiteLLM writes
        # https://api.getnadir.com/v1 with a Bearer key; the SDK is followed.
        "https://api.getnadir.dev/v1",
        ("NADIR_API_KEY",),
        "https://getnadir.com/docs",
        capabilities=STANDARD,
        auth="header",
        auth_header="x-api-key",
        auth_prefix="",
        # The SDK's chat.completions.create fields beyond OpenAI's (it also sends provider and reasoning).
        body_options={name: name for name in ("fallback_models", "layers", "route", "transforms")},
        notes="The virtual model 'auto' routes by prompt complexity; replies carry nadir_metadata (in raw).",
    ),
    compat(
        "nano_gpt",
        "NanoGPT",
        "https://nano-gpt.com/api/v1",
        ("NANOGPT_API_KEY", "NANO_GPT_API_KEY"),
        "https://docs.nano-gpt.com/api-reference/text-generation",
        capabilities=caps(VISION, {"reasoning", "embeddings"}),
        # NanoGPT's text-generation guide: X-Provider picks the upstream (billed pay-as-you-go);
        # billing_mode="paygo" (or X-Billing-Mode) forces paid routing on a subscription.
        header_options={"x_provider": "X-Provider"},
        body_options={"billing_mode": "billing_mode"},
        notes="LiteLLM's route is nano-gpt/; llmkit's provider name is nano_gpt (no provider aliases).",
    ),
    compat(
        "poe",
        "Poe",
        "https://api.poe.com/v1",
        ("POE_API_KEY",),
        "https://creator.poe.com/docs/external-applications/openai-compatible-api",
        capabilities=caps(CHAT, {"vision"}),
        notes=(
            "Bots are addressed by name (poe/Claude-Sonnet-4.5); calls draw on Poe compute points. "
            "Structured output is not declared: Poe's compatibility page was not readable here."
        ),
    ),
    compat(
        "assemblyai",
        "AssemblyAI LLM Gateway",
        "https://llm-gateway.assemblyai.com/v1",
        ("ASSEMBLYAI_API_KEY",),
        "https://www.assemblyai.com/docs/llm-gateway/overview",
        capabilities=STANDARD,
        # AssemblyAI's SDK (assemblyai 1.8.2, client.py) sends the bare key in Authorization, no
        # Bearer; its LLMGatewayChatCompletion names the answer request_id and has no id.
        auth="header",
        auth_header="authorization",
        auth_prefix="",
        quirks=OpenAIQuirks(response_hook=_quirks.request_id_response_hook),
        notes=(
            "The key goes bare in Authorization (no Bearer), as AssemblyAI's SDK sends it; a "
            "completion's id is the gateway's request_id."
        ),
    ),
)
