"""Emulator profiles for the vendors and local servers of ``providers/compatible_vendors.py`` and
``compatible_local_more.py``, in ``fleet_profiles``' form: each provider's documented chat (and
embeddings) paths from the host root, the header its docs or official SDK put the key in, and its
error shape. Written from each provider's documentation, never from llmkit's specs.
"""

from __future__ import annotations

from llmkit.emulator.fleet_records import doc, v1
from llmkit.emulator.profiles import Profile

_NO_AUTH: tuple[tuple[str, str], ...] = ()

FLEET: tuple[Profile, ...] = (
    v1("abliteration"),
    v1("aiand"),
    # https://api.nova.amazon.com/v1/chat/completions (Nova developer console keys, Bearer).
    v1("amazon_nova", extra_fields=["reasoning_effort", "metadata"]),
    v1("anyscale"),
    v1("cognition"),
    v1("compactifai"),
    # Darkbloom's coordinator: /v1/chat/completions behind a Bearer API key.
    v1("darkbloom"),
    # Docker Model Runner: /engines/v1/... on the host port, no authentication.
    doc(
        "docker_model_runner",
        ("/engines/v1/chat/completions", "/engines/llama.cpp/v1/chat/completions"),
        "/engines/v1/embeddings",
        base="/engines/v1",
        auth=_NO_AUTH,
    ),
    doc("empower", "/api/v1/chat/completions"),
    doc("lemonade", "/api/v1/chat/completions", "/api/v1/embeddings", key_optional=True),
    # Maritaca: https://chat.maritaca.ai/api/chat/completions (no /v1).
    doc("maritalk", "/api/chat/completions", extra_fields=["top_k"]),
    # Meta Model API (Muse): https://api.meta.ai/v1/chat/completions.
    v1("meta", extra_fields=["reasoning_effort"]),
    v1("morph"),
    v1("neosantara"),
    v1("oobabooga", embeddings=True, key_optional=True),
    doc("opencode_go", "/zen/go/v1/chat/completions"),
    v1("pinstripes"),
    v1("publicai"),
    v1("refuseless", extra_fields=["reasoning_effort"]),
    v1("reka"),
    # Sail's published OpenAPI (2026-02-18): /v1/chat/completions, Bearer.
    v1("sail", extra_fields=["reasoning_effort", "metadata"]),
    # Sarvam's SDK (sarvamai) sends the key as api-subscription-key.
    v1("sarvam", auth=(("api-subscription-key", ""),), extra_fields=["reasoning_effort", "wiki_grounding"]),
    v1("scx_ai"),
    doc("streamlake", "/api/gateway/v1/endpoints/chat/completions"),
    doc("synthetic", "/openai/v1/chat/completions"),
    # Tencent TokenHub (international and China) and Hunyuan's own endpoint: all /v1/chat/completions.
    v1("tencent", extra_fields=["enable_enhancement"]),
    v1("tensormesh"),
    v1("v0"),
    v1("wally"),
    v1("xiaomi_mimo", extra_fields=["thinking"]),
    # Xinference's server raises FastAPI HTTPExceptions: errors are {"detail": "..."}, the body its
    # official client (xinference-client) reads the message from.
    v1("xinference", embeddings=True, key_optional=True, shape="detail"),
    # ZeroGPU's SDK (zerogpu-api) sends x-api-key and x-project-id.
    v1("zerogpu", auth=(("x-api-key", ""),)),
)
