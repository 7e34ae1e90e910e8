"""Emulator profiles for issue 14's gateways, routers and GPU hosts (slice compat_b).

Written as ``fleet_profiles`` records are (with ``fleet_records``), from each provider's own
documentation (or, where it has none, the integration guides that name its endpoints), never from
llmkit's specs: the documented chat and embeddings paths in full from the host root, the key
header, the error shape. ``FLEET`` in ``fleet_profiles`` appends these, so the fleet suites and the
agreement test cover them.
"""

from __future__ import annotations

from llmkit.emulator.fleet_records import doc, v1
from llmkit.emulator.profiles import Profile

GATEWAYS: tuple[Profile, ...] = (
    v1("aihubmix", embeddings=True),
    v1("aiml", embeddings=True),
    # Apertis SDK: /v1/chat/completions, /v1/embeddings under https://api.apertis.ai/v1.
    v1("apertis", embeddings=True),
    # AssemblyAI's SDK (assemblyai 1.8.2): the bare key in Authorization; a completion named by
    # request_id; errors {"message", "code", "request_id"}, or {"error", "status",
    # "request_id"} from the auth middleware (llm_gateway/v1/api.py and its unit tests).
    v1(
        "assemblyai",
        auth=(("authorization", ""),),
        shape="assemblyai",
        request_id_envelope=True,
        bad_key_message="Authentication error, API token missing/invalid",
        missing_key_message="Authentication error, API token missing/invalid",
    ),
    doc("charity_engine", "/remotejobs/v2/inference/chat/completions"),
    v1("clf_ai_gateway"),
    v1("cometapi", embeddings=True),
    v1("coralbricks"),
    v1("cortecs"),
    # Eden AI v3: POST /v3/llm/chat/completions (quickstart "Make your first call").
    doc("edenai", "/v3/llm/chat/completions"),
    v1("empiriolabs"),
    v1("galadriel"),
    v1("gmi"),
    # DigitalOcean serverless inference: https://inference.do-ai.run/v1/chat/completions.
    v1("gradient_ai", embeddings=True),
    # Helicone's AI Gateway: /v1/chat/completions in its REST reference; integrations also
    # configure the bare host.
    doc("helicone", ("/v1/chat/completions", "/chat/completions")),
    # Heroku: {INFERENCE_URL}/v1/chat/completions and /v1/embeddings.
    v1("heroku", embeddings=True, extra_fields=["extended_thinking"]),
    v1("hostinger_router", embeddings=True),
    v1("inferenceapis"),
    v1("kyma"),
    v1("libertai", embeddings=True),
    v1("llamagate"),
    # Nadir's SDK: X-API-Key, FastAPI-style {"detail": ...} errors, nadir_metadata on replies.
    # LiteLLM's nadir route (an OpenAI-style JSON provider) sends a Bearer key, so both are read.
    v1(
        "nadir",
        auth=(("x-api-key", ""), ("authorization", "Bearer ")),
        shape="detail",
        extra_fields=["fallback_models", "layers", "route", "transforms", "provider", "reasoning"],
        response_fields={"nadir_metadata": {"tier": "simple", "selected_model": "emu"}},
    ),
    doc("nano_gpt", "/api/v1/chat/completions", "/api/v1/embeddings", extra_fields=["billing_mode"]),
    v1("openinfer"),
    v1("poe"),
    v1("prism"),
    # RAGFlow's HTTP API reference: one route per chat assistant and per agent; failures are
    # {"code": <int>, "message": ...}.
    doc(
        "ragflow",
        (
            "/api/v1/chats_openai/{chat_id}/chat/completions",
            "/api/v1/agents_openai/{agent_id}/chat/completions",
        ),
        shape="code_int",
        extra_fields=["session_id", "extra_body"],
    ),
    # LiteLLM Proxy serves both /chat/completions and /v1/chat/completions (and embeddings).
    doc(
        "litellm_proxy",
        ("/chat/completions", "/v1/chat/completions"),
        ("/embeddings", "/v1/embeddings"),
    ),
)
