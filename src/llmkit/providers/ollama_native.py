"""Ollama's native API (``/api/chat``, ``/api/embed``; ``llmkit.dialects.ollama``), as
``ollama_chat/<model>``: LiteLLM's name for the same route. ``ollama/<model>`` stays the
OpenAI-compatible ``/v1`` route (``compatible_local``)."""

from __future__ import annotations

from llmkit.providers.spec import Param, ProviderSpec

SPECS = (
    ProviderSpec(
        name="ollama_chat",
        display_name="Ollama (native API)",
        dialect="ollama",
        base_url="{host}",
        env_keys=("OLLAMA_API_KEY",),
        key_required=False,
        params={
            "host": Param(
                ("OLLAMA_API_BASE", "OLLAMA_HOST"),
                "http://localhost:11434",
                doc="the server's URL root (no /api), e.g. http://gpu-box:11434",
                kind="url_root",
                aliases=("api_base",),
            ),
        },
        capabilities=frozenset(
            {"chat", "stream", "tools", "vision", "json_schema", "json_object", "reasoning", "embeddings"}
        ),
        docs_url="https://docs.ollama.com/api",
        notes=(
            "host= (OLLAMA_API_BASE, then OLLAMA_HOST) is the server root; the key (OLLAMA_API_KEY) "
            "is sent as a Bearer token only when set (ollama.com's hosted API takes one)."
        ),
    ),
)
