"""Google: Gemini on AI Studio (API key) and on Vertex AI (OAuth, project and location).

The partner models Vertex AI serves speak other wire formats and live in their own spec modules
(``google_maas``: OpenAI-compatible; ``google_anthropic``: Claude), so a first Gemini call loads
the Gemini dialect alone; ``vertex_ai/claude-…`` and the like route to them on demand."""

from __future__ import annotations

from llmkit.dialects.gemini._options import AI_STUDIO, VERTEX
from llmkit.providers._vertex import (
    VERTEX_AUTH_FACTORY,
    VERTEX_AUTH_NOTE,
    VERTEX_HOSTS,
    VERTEX_PARAMS,
    vertex_root,
)
from llmkit.providers.spec import EmbeddingSpec, ProviderSpec

_GEMINI = frozenset(
    {
        "chat",
        "stream",
        "tools",
        "vision",
        "json_schema",
        "json_object",
        "embeddings",
        "reasoning",
        "count_tokens",
        "images",  # Gemini image models (generateContent); Imagen's :predict on Vertex AI only
    }
)

# embed(input_type=...) as Gemini's taskType (EmbedContentRequest.taskType in the Gemini API's
# discovery document; the same enum on Vertex AI).
_TASK_TYPES = {
    "query": "RETRIEVAL_QUERY",
    "document": "RETRIEVAL_DOCUMENT",
    "classification": "CLASSIFICATION",
    "clustering": "CLUSTERING",
    "similarity": "SEMANTIC_SIMILARITY",
}
# batchEmbedContents on the Gemini API takes at most 100 requests (its 400 says "at most 100
# requests can be in one batch"; https://ai.google.dev/api/embeddings states no number).
GEMINI_EMBEDDING = EmbeddingSpec(max_inputs=100, input_types=_TASK_TYPES)
# Vertex AI text embeddings: at most 250 input texts and 20,000 tokens per request, and
# gemini-embedding-001 one instance per request
# (https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/get-text-embeddings).
VERTEX_EMBEDDING = EmbeddingSpec(
    max_inputs=250,
    max_tokens=20_000,
    input_types=_TASK_TYPES,
    by_model=(
        ("gemini-embedding-001*", EmbeddingSpec(max_inputs=1, max_tokens=20_000, input_types=_TASK_TYPES)),
    ),
)

# How LiteLLM users and Google's docs name partner models under ``vertex_ai/``: each pattern sends
# the call to the spec that speaks that model's wire format. Model ids pass through unchanged.
VERTEX_MODEL_ROUTES = (
    ("claude-*", "vertex_ai_anthropic"),
    ("mistral-*", "vertex_ai_mistral"),
    ("codestral-*", "vertex_ai_mistral"),
    ("jamba-*", "vertex_ai_ai21"),
    ("*-maas", "vertex_ai_maas"),
    ("meta/*", "vertex_ai_maas"),
    ("deepseek-*", "vertex_ai_maas"),
    ("qwen*", "vertex_ai_maas"),
    ("openai/gpt-oss-*", "vertex_ai_maas"),
    ("semantic-ranker-*", "vertex_ai_ranking"),  # Discovery Engine's ranking API (providers/ranking.py)
)

SPECS = (
    ProviderSpec(
        name="gemini",
        display_name="Google AI Studio (Gemini API)",
        dialect="gemini",
        base_url="https://generativelanguage.googleapis.com/v1beta",
        env_keys=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        # The key goes in a header, never in ``?key=``, so it cannot leak through logged URLs.
        auth="header",
        auth_header="x-goog-api-key",
        auth_prefix="",
        capabilities=_GEMINI,
        quirks=AI_STUDIO,
        docs_url="https://ai.google.dev/api/generate-content",
        embedding=GEMINI_EMBEDDING,
        notes="Embeddings: https://ai.google.dev/api/embeddings (batchEmbedContents, 100 texts per "
        "request; batched past it).",
    ),
    ProviderSpec(
        name="vertex_ai",
        display_name="Google Vertex AI (Gemini)",
        dialect="gemini",
        base_url=vertex_root("v1"),
        host_aliases=VERTEX_HOSTS,
        params=VERTEX_PARAMS,
        model_routes=VERTEX_MODEL_ROUTES,
        auth="custom",
        auth_factory=VERTEX_AUTH_FACTORY,
        key_required=False,
        capabilities=_GEMINI,
        quirks=VERTEX,
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference",
        embedding=VERTEX_EMBEDDING,
        notes=(
            VERTEX_AUTH_NOTE + " Partner models are routed by name: vertex_ai/claude-… to "
            "vertex_ai_anthropic, mistral-… and codestral-… to vertex_ai_mistral, jamba-… to "
            "vertex_ai_ai21, …-maas, meta/…, deepseek-…, qwen… and openai/gpt-oss-… to vertex_ai_maas. "
            "base_url= is the API root shared by every Vertex AI spec: "
            "https://<host>/v1/projects/<project>/locations/<location>. Embeddings: "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/get-text-embeddings "
            "(250 texts and 20,000 tokens per request, gemini-embedding-001 one; batched past them)."
        ),
    ),
)
