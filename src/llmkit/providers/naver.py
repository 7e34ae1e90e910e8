"""Naver CLOVA Studio (HyperCLOVA X) through its documented OpenAI-compatible route.

``https://clovastudio.stream.ntruss.com/v1/openai`` (``/chat/completions``, ``/embeddings``)
with ``Authorization: Bearer <CLOVA Studio API key>`` and ``CLOVASTUDIO_API_KEY``, as Naver's
official client (NaverCloudPlatform/langchain-naver ``ChatClovaX``) sends them. The native v3 chat
(``/v3/chat-completions/{model}``, SSE events ``token``/``result``/``signal``/``error``) is not
built: see docs/notes/naver_clova.md for why."""

from __future__ import annotations

from llmkit.providers.spec import ProviderSpec

SPECS = (
    ProviderSpec(
        name="naver_clova",
        display_name="Naver CLOVA Studio (OpenAI-compatible)",
        dialect="openai_chat",
        base_url="https://clovastudio.stream.ntruss.com/v1/openai",
        env_keys=("CLOVASTUDIO_API_KEY",),
        capabilities=frozenset({"chat", "stream", "tools", "json_schema", "json_object", "embeddings"}),
        docs_url="https://api.ncloud-docs.com/docs/en/clovastudio-openaicompatibility",
        notes=(
            "Models HCX-005, HCX-007, HCX-DASH-002; embeddings bge-m3. Key: api_key= / CLOVASTUDIO_API_KEY "
            "(an nv-... CLOVA Studio key, Bearer). The native v3 chat API is not built (no documented "
            "samples reachable to test against)."
        ),
    ),
)
