"""Google: Gemini on AI Studio (API key) and on Vertex AI (OAuth, project and location), and the
open and partner models Vertex AI serves through its OpenAI-compatible MaaS endpoint."""

from __future__ import annotations

from typing import Any

from llmkit.dialects.anthropic.quirks import AnthropicQuirks
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.gemini._options import AI_STUDIO, VERTEX
from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers.spec import EmbeddingSpec, Param, ProviderSpec

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

_PROJECT_DOC = "the Google Cloud project id or number"
_VERTEX_PARAMS = {
    "project": Param(env=("GOOGLE_CLOUD_PROJECT",), doc=_PROJECT_DOC, kind="gcp_project"),
    "location": Param(
        env=("GOOGLE_CLOUD_LOCATION",),
        default="us-central1",
        doc="a Vertex AI region such as us-central1, or global",
        kind="region",
        aliases=("region",),
    ),
}


def _vertex_root(api_version: str) -> str:
    """The API root every Vertex AI spec shares (``base_url=`` replaces it): the dialects' paths
    (``/publishers/…/models/…``, ``/endpoints/openapi/…``) follow it. ``global`` and the ``us`` /
    ``eu`` multi-regions are served from other hosts, which ``host_aliases`` rewrite."""
    return f"https://{{location}}-aiplatform.googleapis.com/{api_version}/projects/{{project}}/locations/{{location}}"


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
_VERTEX_AUTH_NOTE = (
    "Credentials: access_token= (a string or a callable returning one), credentials= "
    "(a service-account key file path or its parsed JSON), else Application Default "
    "Credentials (GOOGLE_APPLICATION_CREDENTIALS, the gcloud ADC file, or google-auth "
    "through the llmkit[gcp] extra)."
)


def _unversioned_model(body: dict[str, Any], req: ChatRequest, ctx: CallContext) -> None:
    """Partner rawPredict bodies name the model without the ``@version`` the URL may carry."""
    body["model"] = str(body.get("model", "")).split("@")[0]


def _raw_predict(publisher: str, api_version: str, name: str, title: str, docs: str) -> ProviderSpec:
    models = f"/publishers/{publisher}/models/{{model}}"
    return ProviderSpec(
        name=name,
        display_name=title,
        dialect="openai_chat",
        base_url=_vertex_root(api_version),
        host_aliases=VERTEX.host_aliases,
        params=_VERTEX_PARAMS,
        auth="custom",
        auth_factory="llmkit.auth.google:vertex_auth",
        key_required=False,
        capabilities=frozenset({"chat", "stream", "tools"}),
        quirks=OpenAIQuirks(
            chat_path=f"{models}:rawPredict",
            stream_chat_path=f"{models}:streamRawPredict",
            max_tokens_field="max_tokens",
            # The partner's own chat schema has no stream_options; usage arrives in the last chunk.
            stream_usage=False,
            body_hook=_unversioned_model,
        ),
        docs_url=docs,
        notes=_VERTEX_AUTH_NOTE + ' For the global endpoint pass location="global".',
    )


_CLAUDE_MODELS = "/publishers/anthropic/models"
# Anthropic on Vertex AI: the Messages body with ``anthropic_version`` in it and no ``model``
# (the URL names the model); token counting at ``count-tokens:rawPredict`` does name the model.
VERTEX_ANTHROPIC = AnthropicQuirks(
    messages_path=_CLAUDE_MODELS + "/{model}:rawPredict",
    stream_messages_path=_CLAUDE_MODELS + "/{model}:streamRawPredict",
    count_tokens_path=_CLAUDE_MODELS + "/count-tokens:rawPredict",
    body_version="vertex-2023-10-16",
    model_in_body=False,
    count_tokens_model_in_body=True,
    host_aliases=VERTEX.host_aliases,
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
        base_url=_vertex_root("v1"),
        host_aliases=VERTEX.host_aliases,
        params=_VERTEX_PARAMS,
        model_routes=VERTEX_MODEL_ROUTES,
        auth="custom",
        auth_factory="llmkit.auth.google:vertex_auth",
        key_required=False,
        capabilities=_GEMINI,
        quirks=VERTEX,
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference",
        embedding=VERTEX_EMBEDDING,
        notes=(
            _VERTEX_AUTH_NOTE + " Partner models are routed by name: vertex_ai/claude-… to "
            "vertex_ai_anthropic, mistral-… and codestral-… to vertex_ai_mistral, jamba-… to "
            "vertex_ai_ai21, …-maas, meta/…, deepseek-…, qwen… and openai/gpt-oss-… to vertex_ai_maas. "
            "base_url= is the API root shared by every Vertex AI spec: "
            "https://<host>/v1/projects/<project>/locations/<location>. Embeddings: "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/embeddings/get-text-embeddings "
            "(250 texts and 20,000 tokens per request, gemini-embedding-001 one; batched past them)."
        ),
    ),
    ProviderSpec(
        name="vertex_ai_maas",
        display_name="Vertex AI open and partner models (OpenAI-compatible MaaS)",
        dialect="openai_chat",
        # Model ids carry their publisher: ``vertex_ai_maas/meta/llama-3.3-70b-instruct-maas``,
        # ``vertex_ai_maas/deepseek-ai/deepseek-v3.1-maas``.
        base_url=_vertex_root("v1"),
        host_aliases=VERTEX.host_aliases,
        params=_VERTEX_PARAMS,
        auth="custom",
        auth_factory="llmkit.auth.google:vertex_auth",
        key_required=False,
        capabilities=frozenset({"chat", "stream", "tools", "json_object", "reasoning"}),
        quirks=OpenAIQuirks(chat_path="/endpoints/openapi/chat/completions", max_tokens_field="max_tokens"),
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/maas/use-open-models",
        notes=_VERTEX_AUTH_NOTE + ' For the global endpoint pass location="global".',
    ),
    _raw_predict(
        "mistralai",
        "v1",
        "vertex_ai_mistral",
        "Mistral models on Vertex AI (rawPredict)",
        "https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/mistral",
    ),
    ProviderSpec(
        name="vertex_ai_anthropic",
        display_name="Anthropic Claude on Vertex AI",
        dialect="anthropic_messages",
        base_url=_vertex_root("v1"),
        host_aliases=VERTEX.host_aliases,
        params={
            "project": Param(
                env=("ANTHROPIC_VERTEX_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"),
                doc=_PROJECT_DOC,
                kind="gcp_project",
            ),
            "location": Param(
                env=("CLOUD_ML_REGION", "GOOGLE_CLOUD_LOCATION"),
                default="us-east5",
                doc="a region that serves Claude (us-east5, europe-west1, ...), or global",
                kind="region",
                aliases=("region",),
            ),
        },
        auth="custom",
        auth_factory="llmkit.auth.google:vertex_auth",
        key_required=False,
        capabilities=frozenset({"chat", "stream", "tools", "vision", "reasoning", "count_tokens"}),
        quirks=VERTEX_ANTHROPIC,
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude",
        notes=(
            _VERTEX_AUTH_NOTE + " Model ids carry their version: claude-sonnet-4-5@20250929. "
            "The API version travels in the body (anthropic_version), not as a header."
        ),
    ),
    _raw_predict(
        "ai21",
        "v1beta1",
        "vertex_ai_ai21",
        "AI21 Jamba models on Vertex AI (rawPredict)",
        "https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/ai21",
    ),
)
