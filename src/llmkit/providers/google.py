"""Google: Gemini on AI Studio (API key) and on Vertex AI (OAuth, project and location)."""

from __future__ import annotations

from llmkit.dialects.gemini._options import AI_STUDIO, VERTEX
from llmkit.providers.spec import Param, ProviderSpec

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
    }
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
    ),
    ProviderSpec(
        name="vertex_ai",
        display_name="Google Vertex AI (Gemini)",
        dialect="gemini",
        # ``global`` and the ``us`` / ``eu`` multi-regions are served from other hosts:
        # the dialect's host aliases (``VERTEX.host_aliases``) rewrite them.
        base_url=(
            "https://{location}-aiplatform.googleapis.com/v1"
            "/projects/{project}/locations/{location}/publishers/google"
        ),
        params={
            "project": Param(env=("GOOGLE_CLOUD_PROJECT",), doc="the Google Cloud project id"),
            "location": Param(
                env=("GOOGLE_CLOUD_LOCATION",),
                default="us-central1",
                doc="a Vertex AI region such as us-central1, or global",
            ),
        },
        auth="custom",
        auth_factory="llmkit.auth.google:vertex_auth",
        key_required=False,
        capabilities=_GEMINI,
        quirks=VERTEX,
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference",
        notes=(
            "Credentials: access_token= (a string or a callable returning one), credentials= "
            "(a service-account key file path or its parsed JSON), else Application Default "
            "Credentials (GOOGLE_APPLICATION_CREDENTIALS, the gcloud ADC file, or google-auth "
            "through the llmkit[gcp] extra)."
        ),
    ),
)
