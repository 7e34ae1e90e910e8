"""Emulator profiles for the vendors and local servers of ``providers/compatible_vendors.py`` and
``compatible_local_more.py``, in ``fleet_profiles``' form: each provider's documented chat (and
embeddings) paths from the host root, the header its docs or official SDK put the key in, and its
error shape. Written from each provider's documentation, never from llmkit's specs.
"""

from __future__ import annotations

from llmkit.emulator.fleet_profiles import _doc, _v1
from llmkit.emulator.profiles import Profile

_NO_AUTH: tuple[tuple[str, str], ...] = ()

FLEET: tuple[Profile, ...] = (
    _v1("abliteration"),
    _v1("aiand"),
    # https://api.nova.amazon.com/v1/chat/completions (Nova developer console keys, Bearer).
    _v1("amazon_nova", extra_fields=["reasoning_effort", "metadata"]),
    _v1("anyscale"),
    _v1("cognition"),
    _v1("compactifai"),
    # Darkbloom's coordinator: /v1/chat/completions behind a Bearer API key.
    _v1("darkbloom"),
    # Docker Model Runner: /engines/v1/... on the host port, no authentication.
    _doc(
        "docker_model_runner",
        ("/engines/v1/chat/completions", "/engines/llama.cpp/v1/chat/completions"),
        "/engines/v1/embeddings",
        base="/engines/v1",
        auth=_NO_AUTH,
    ),
    _doc("empower", "/api/v1/chat/completions"),
    _doc("lemonade", "/api/v1/chat/completions", "/api/v1/embeddings", key_optional=True),
    # Maritaca: https://chat.maritaca.ai/api/chat/completions (no /v1).
    _doc("maritalk", "/api/chat/completions", extra_fields=["top_k"]),
    # Meta Model API (Muse): https://api.meta.ai/v1/chat/completions.
    _v1("meta", extra_fields=["reasoning_effort"]),
    _v1("morph"),
    _v1("neosantara"),
    _v1("oobabooga", embeddings=True, key_optional=True),
    _doc("opencode_go", "/zen/go/v1/chat/completions"),
    _v1("pinstripes"),
    _v1("publicai"),
    _v1("refuseless", extra_fields=["reasoning_effort"]),
    _v1("reka"),
    # Sail's published OpenAPI (2026-02-18): /v1/chat/completions, Bearer.
    _v1("sail", extra_fields=["reasoning_effort", "metadata"]),
    # Sarvam's SDK (sarvamai) sends the key as api-subscription-key.
    _v1("sarvam", auth=(("api-subscription-key", ""),), extra_fields=["reasoning_effort", "wiki_grounding"]),
    _v1("scx_ai"),
    _doc("streamlake", "/api/gateway/v1/endpoints/chat/completions"),
    _doc("synthetic", "/openai/v1/chat/completions"),
    # Tencent TokenHub (international and China) and Hunyuan's own endpoint: all /v1/chat/completions.
    _v1("tencent", extra_fields=["enable_enhancement"]),
    _v1("tensormesh"),
    _v1("v0"),
    _v1("wally"),
    _v1("xiaomi_mimo", extra_fields=["thinking"]),
    # Xinference's server raises FastAPI HTTPExceptions: errors are {"detail": "..."}, the body its
    # official client (xinference-client) reads the message from.
    _v1("xinference", embeddings=True, key_optional=True, shape="detail"),
    # ZeroGPU's SDK (zerogpu-api) sends x-api-key and x-project-id.
    _v1("zerogpu", auth=(("x-api-key", ""),)),
)
