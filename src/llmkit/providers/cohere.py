"""Cohere's v2 API: chat, embed and rerank (``llmkit.dialects.cohere``).

The key variable is ``CO_API_KEY`` (the official SDK's), with ``COHERE_API_KEY`` (LiteLLM's and
LangChain's) also read; ``client_name=`` is the SDK's ``X-Client-Name`` header."""

from __future__ import annotations

from llmkit.providers.spec import ProviderSpec

SPECS = (
    ProviderSpec(
        name="cohere",
        display_name="Cohere",
        dialect="cohere",
        base_url="https://api.cohere.com",
        env_keys=("CO_API_KEY", "COHERE_API_KEY"),
        header_options={"client_name": "x-client-name"},
        capabilities=frozenset({"rerank"}),
        docs_url="https://docs.cohere.com/reference/about",
        notes=(
            "Cohere v2: rerank (rerank-v3.5, rerank-english-v3.0, rerank-multilingual-v3.0; "
            "max_tokens_per_doc=)."
        ),
    ),
)
