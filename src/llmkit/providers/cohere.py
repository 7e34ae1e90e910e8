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
        capabilities=frozenset({"chat", "stream", "tools", "vision", "json_schema", "json_object", "rerank"}),
        docs_url="https://docs.cohere.com/reference/about",
        notes=(
            "Cohere v2: chat (command-a-03-2025, command-r-plus-08-2024, ...; documents= and "
            "citation_options= ground the answer, citations on Completion.citations; the tool plan "
            "is reasoning), rerank (rerank-v3.5, rerank-english-v3.0; max_tokens_per_doc=)."
        ),
    ),
)
