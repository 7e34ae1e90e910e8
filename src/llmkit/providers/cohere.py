"""Cohere's v2 API: chat, embed and rerank (``llmkit.dialects.cohere``).

The key variable is ``CO_API_KEY`` (the official SDK's), with ``COHERE_API_KEY`` (LiteLLM's and
LangChain's) also read; ``client_name=`` is the SDK's ``X-Client-Name`` header."""

from __future__ import annotations

from llmkit.providers.spec import EmbeddingSpec, ProviderSpec

# /v2/embed (https://docs.cohere.com/reference/embed): at most 96 texts a request; input_type
# search_query / search_document / classification / clustering; embedding_types float, int8,
# uint8, binary, ubinary, base64.
EMBEDDING = EmbeddingSpec(
    max_inputs=96,
    input_types={
        "query": "search_query",
        "document": "search_document",
        "classification": "classification",
        "clustering": "clustering",
    },
    encodings={e: e for e in ("base64", "int8", "uint8", "binary", "ubinary")},
)

SPECS = (
    ProviderSpec(
        name="cohere",
        display_name="Cohere",
        dialect="cohere",
        base_url="https://api.cohere.com",
        env_keys=("CO_API_KEY", "COHERE_API_KEY"),
        # The cohere SDK's base URL variable (its default: https://api.cohere.com, as here).
        base_url_env=("CO_API_URL",),
        header_options={"client_name": "x-client-name"},
        capabilities=frozenset(
            {"chat", "stream", "tools", "vision", "json_schema", "json_object", "embeddings", "rerank"}
        ),
        embedding=EMBEDDING,
        docs_url="https://docs.cohere.com/reference/about",
        notes=(
            "Cohere v2: chat (command-a-03-2025, command-r-plus-08-2024, ...; documents= and "
            "citation_options= ground the answer, citations on Completion.citations; the tool plan "
            "is reasoning), embed (embed-v4.0, embed-english-v3.0; input_type=, encoding= int8/uint8/binary/"
            "ubinary/base64, dimensions=, truncate=; data:image/ URIs embed images), rerank (rerank-v3.5, "
            "rerank-english-v3.0; max_tokens_per_doc=)."
        ),
    ),
)
