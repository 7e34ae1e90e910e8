"""GPU clouds and model hosts that speak OpenAI Chat Completions (issue 14).

Each row is a host's base URL, the key variable its own SDK or docs name (LiteLLM's too where it
differs) and its documented differences. Rows whose only public source is LiteLLM's provider table
say so in ``notes``; ``lambda_ai`` (compatible_cloud) is the model for a retired service.
"""

from __future__ import annotations

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers import _quirks
from llmkit.providers._compatible import FULL, REASONING, STANDARD, VISION, caps, compat
from llmkit.providers.spec import Param

_UNVERIFIED = (
    "Facts from LiteLLM's provider table only: no API reference of the provider's own was found "
    "(searched its docs site, SDKs on PyPI/npm and GitHub); unverified."
)

SPECS = (
    compat(
        "charity_engine",
        "Charity Engine (distributed inference)",
        "https://api.charityengine.services/remotejobs/v2/inference",
        ("CHARITY_ENGINE_API_KEY",),
        "https://www.charityengine.com/",
        capabilities=STANDARD,
        notes=_UNVERIFIED,
    ),
    compat(
        "coralbricks",
        "CoralBricks",
        "https://inference.coralbricks.ai/v1",
        ("CORALBRICKS_API_KEY",),
        "https://www.coralbricks.ai",
        capabilities=REASONING,
        notes="FP4 GLM and DeepSeek models with tool calling, reasoning and prompt caching.",
    ),
    compat(
        "empiriolabs",
        "EmpirioLabs AI",
        "https://api.empiriolabs.ai/v1",
        ("EMPIRIOLABS_API_KEY",),
        "https://docs.empiriolabs.ai",
        capabilities=REASONING,
    ),
    compat(
        "galadriel",
        "Galadriel",
        "https://api.galadriel.com/v1",
        ("GALADRIEL_API_KEY",),
        "https://docs.galadriel.com/api-reference/chat-completion-API",
        capabilities=STANDARD,
        notes=(
            "LiteLLM's base URL. Galadriel's verified-inference clients (rig) use "
            "https://api.galadriel.com/v1/verified (pass base_url=). The docs page LiteLLM links "
            "could not be read here; the service's current status is unverified."
        ),
    ),
    compat(
        "gmi",
        "GMI Cloud Inference Engine",
        "https://api.gmi-serving.com/v1",
        ("GMI_API_KEY",),
        "https://docs.gmicloud.ai/inference-engine/api-reference/llm-api-reference",
        capabilities=REASONING,
    ),
    compat(
        "gradient_ai",
        "DigitalOcean Gradient AI (serverless inference)",
        "https://inference.do-ai.run/v1",
        # The official SDK (gradient) reads GRADIENT_MODEL_ACCESS_KEY; DigitalOcean's how-to pages
        # call it MODEL_ACCESS_KEY; LiteLLM reads GRADIENT_AI_API_KEY.
        ("GRADIENT_MODEL_ACCESS_KEY", "MODEL_ACCESS_KEY", "GRADIENT_AI_API_KEY"),
        "https://docs.digitalocean.com/products/gradient-ai-platform/how-to/use-serverless-inference",
        capabilities=FULL,
        # DigitalOcean's chat completions page: max_tokens is deprecated for max_completion_tokens.
        quirks=OpenAIQuirks(max_tokens_field="max_completion_tokens"),
        notes=(
            "A model access key (not a DigitalOcean API token). An agent's own endpoint "
            "(https://<agent>.agents.do-ai.run/api/v1) works with base_url= and the agent's key."
        ),
    ),
    compat(
        "heroku",
        "Heroku Managed Inference and Agents",
        "{inference_url}/v1",
        # Heroku's add-on sets INFERENCE_KEY / INFERENCE_URL / INFERENCE_MODEL_ID on the app;
        # LiteLLM reads HEROKU_API_KEY / HEROKU_API_BASE.
        ("INFERENCE_KEY", "HEROKU_API_KEY"),
        "https://devcenter.heroku.com/articles/heroku-inference-api-v1-chat-completions",
        capabilities=caps(STANDARD, {"reasoning", "embeddings"}),
        # Heroku's /v1/chat/completions reference: extended_thinking {enabled, budget_tokens,
        # include_reasoning} on Claude models.
        body_options={"extended_thinking": "extended_thinking"},
        params={
            "inference_url": Param(
                ("INFERENCE_URL", "HEROKU_API_BASE"),
                default="https://us.inference.heroku.com",
                doc="The add-on's INFERENCE_URL, e.g. https://us.inference.heroku.com",
                kind="origin",
            )
        },
        notes=(
            "The model is the add-on's INFERENCE_MODEL_ID (claude-4-5-sonnet, gpt-oss-120b, ...); "
            "embeddings take the embedding add-on's own key."
        ),
    ),
    compat(
        "inferenceapis",
        "Inference APIs",
        "https://api.inferenceapis.com/v1",
        ("INFERENCEAPIS_API_KEY",),
        "https://inferenceapis.com/docs",
        capabilities=REASONING,
        notes="Model ids keep their organization prefix (inferenceapis/openai/gpt-oss-120b).",
    ),
    compat(
        "libertai",
        "LibertAI",
        "https://api.libertai.io/v1",
        ("LIBERTAI_API_KEY",),
        "https://docs.libertai.io",
        capabilities=caps(STANDARD, {"embeddings"}),
        notes="Decentralised inference on Aleph Cloud; TEE-hosted models carry a -tee suffix.",
    ),
    compat(
        "openinfer",
        "OpenInfer",
        "https://api.openinfer.ai/v1",
        ("OPENINFER_API_KEY",),
        "https://openinfer.io",
        capabilities=STANDARD,
        notes=(
            "LiteLLM's base URL (https://api.openinfer.ai/v1). OpenInfer's own samples also show "
            "studio.openinfer.io/openai/v1 and platform.openinfer.io/v1 (Responses API). " + _UNVERIFIED
        ),
    ),
    compat(
        "prism",
        "Prism Inference",
        "https://api.prisminference.com/v1",
        ("PRISM_API_KEY",),
        "https://docs.prisminference.com",
        capabilities=caps(VISION, {"reasoning"}),
        notes="Zero data retention; the same host serves /v1/responses and /v1/messages.",
    ),
    compat(
        "ragflow",
        "RAGFlow (OpenAI-compatible chat and agent endpoints)",
        # RAGFlow's HTTP API reference: POST /api/v1/chats_openai/{chat_id}/chat/completions and
        # /api/v1/agents_openai/{agent_id}/chat/completions on the server's address, Bearer key.
        "{ragflow_url}/api/v1/chats_openai/{chat_id}",
        ("RAGFLOW_API_KEY",),
        "https://ragflow.io/docs/dev/http_api_reference",
        capabilities=frozenset({"chat", "stream"}),
        regions={
            "chat": "{ragflow_url}/api/v1/chats_openai/{chat_id}",
            "agent": "{ragflow_url}/api/v1/agents_openai/{agent_id}",
        },
        default_region="chat",
        params={
            "ragflow_url": Param(
                ("RAGFLOW_API_BASE",),
                required=False,
                doc="The RAGFlow server, e.g. http://localhost:9380",
                kind="origin",
            ),
            "chat_id": Param(
                ("RAGFLOW_CHAT_ID",), required=False, doc="The chat assistant's id", kind="path_segment"
            ),
            "agent_id": Param(
                ("RAGFLOW_AGENT_ID",), required=False, doc="with region='agent'", kind="path_segment"
            ),
        },
        body_options={"session_id": "session_id"},
        notes=(
            "The model name is ignored by the server (any value). RAGFlow's retrieval options go in a "
            "body field named extra_body: pass extra_body={'extra_body': {'reference': True}}; the "
            "answer's reference chunks stay in Completion.raw. No tools: the assistant's own "
            "retrieval drives the answer."
        ),
    ),
    compat(
        "litellm_proxy",
        "LiteLLM Proxy (AI Gateway)",
        "{api_base}",
        ("LITELLM_PROXY_API_KEY", "LITELLM_API_KEY"),
        "https://docs.litellm.ai/docs/providers/litellm_proxy",
        capabilities=FULL,
        params={
            "api_base": Param(
                ("LITELLM_PROXY_API_BASE",),
                required=False,
                doc="The proxy's address, e.g. https://litellm.example.com (it serves /chat/completions)",
                kind="url_root",
            )
        },
        quirks=OpenAIQuirks(error_fields=_quirks.python_none_error_fields),
        notes="A virtual key (sk-...) of your own LiteLLM Proxy; model names are its model_list aliases.",
    ),
)
