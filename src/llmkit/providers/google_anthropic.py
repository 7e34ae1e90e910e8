"""Anthropic Claude on Vertex AI (``rawPredict`` with the Messages body); ``vertex_ai/claude-…``
routes here (``llmkit.providers.google.VERTEX_MODEL_ROUTES``)."""

from __future__ import annotations

from llmkit.dialects.anthropic.quirks import AnthropicQuirks
from llmkit.providers._vertex import (
    PROJECT_DOC,
    VERTEX_AUTH_FACTORY,
    VERTEX_AUTH_NOTE,
    VERTEX_HOSTS,
    vertex_root,
)
from llmkit.providers.spec import Param, ProviderSpec

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
    host_aliases=VERTEX_HOSTS,
)


SPECS = (
    ProviderSpec(
        name="vertex_ai_anthropic",
        display_name="Anthropic Claude on Vertex AI",
        dialect="anthropic_messages",
        base_url=vertex_root("v1"),
        host_aliases=VERTEX_HOSTS,
        params={
            "project": Param(
                env=("ANTHROPIC_VERTEX_PROJECT_ID", "GOOGLE_CLOUD_PROJECT"),
                doc=PROJECT_DOC,
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
        auth_factory=VERTEX_AUTH_FACTORY,
        key_required=False,
        capabilities=frozenset({"chat", "stream", "tools", "vision", "reasoning", "count_tokens"}),
        quirks=VERTEX_ANTHROPIC,
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude",
        notes=(
            VERTEX_AUTH_NOTE + " Model ids carry their version: claude-sonnet-4-5@20250929. "
            "The API version travels in the body (anthropic_version), not as a header."
        ),
    ),
)
