"""Vertex AI's open and partner models over OpenAI-compatible chat: the MaaS endpoint
(``/endpoints/openapi``) and the partners' own ``rawPredict`` (Mistral, AI21 Jamba).

``vertex_ai/mistral-…``, ``vertex_ai/jamba-…``, ``vertex_ai/…-maas`` and the like route here
(``llmkit.providers.google.VERTEX_MODEL_ROUTES``)."""

from __future__ import annotations

from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers._vertex import (
    VERTEX_AUTH_FACTORY,
    VERTEX_AUTH_NOTE,
    VERTEX_HOSTS,
    VERTEX_PARAMS,
    vertex_root,
)
from llmkit.providers.spec import ProviderSpec


def _unversioned_model(body: dict[str, Any], req: ChatRequest, ctx: CallContext) -> None:
    """Partner rawPredict bodies name the model without the ``@version`` the URL may carry."""
    body["model"] = str(body.get("model", "")).split("@")[0]


def _raw_predict(publisher: str, api_version: str, name: str, title: str, docs: str) -> ProviderSpec:
    models = f"/publishers/{publisher}/models/{{model}}"
    return ProviderSpec(
        name=name,
        display_name=title,
        dialect="openai_chat",
        base_url=vertex_root(api_version),
        host_aliases=VERTEX_HOSTS,
        params=VERTEX_PARAMS,
        auth="custom",
        auth_factory=VERTEX_AUTH_FACTORY,
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
        notes=VERTEX_AUTH_NOTE + ' For the global endpoint pass location="global".',
    )


SPECS = (
    ProviderSpec(
        name="vertex_ai_maas",
        display_name="Vertex AI open and partner models (OpenAI-compatible MaaS)",
        dialect="openai_chat",
        # Model ids carry their publisher: ``vertex_ai_maas/meta/llama-3.3-70b-instruct-maas``,
        # ``vertex_ai_maas/deepseek-ai/deepseek-v3.1-maas``.
        base_url=vertex_root("v1"),
        host_aliases=VERTEX_HOSTS,
        params=VERTEX_PARAMS,
        auth="custom",
        auth_factory=VERTEX_AUTH_FACTORY,
        key_required=False,
        capabilities=frozenset({"chat", "stream", "tools", "json_object", "reasoning"}),
        quirks=OpenAIQuirks(chat_path="/endpoints/openapi/chat/completions", max_tokens_field="max_tokens"),
        docs_url="https://cloud.google.com/vertex-ai/generative-ai/docs/maas/use-open-models",
        notes=VERTEX_AUTH_NOTE + ' For the global endpoint pass location="global".',
    ),
    _raw_predict(
        "mistralai",
        "v1",
        "vertex_ai_mistral",
        "Mistral models on Vertex AI (rawPredict)",
        "https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/mistral",
    ),
    _raw_predict(
        "ai21",
        "v1beta1",
        "vertex_ai_ai21",
        "AI21 Jamba models on Vertex AI (rawPredict)",
        "https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/ai21",
    ),
)
