"""OpenAI itself, and any server that speaks its Chat Completions API."""

from __future__ import annotations

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers.spec import ProviderSpec

_ALL = frozenset(
    {"chat", "stream", "tools", "vision", "json_schema", "json_object", "embeddings", "reasoning"}
)

SPECS = (
    ProviderSpec(
        name="openai",
        display_name="OpenAI",
        dialect="openai_chat",
        base_url="https://api.openai.com/v1",
        env_keys=("OPENAI_API_KEY",),
        header_options={"organization": "OpenAI-Organization", "project": "OpenAI-Project"},
        capabilities=_ALL | {"images"},
        quirks=OpenAIQuirks(max_tokens_field="max_completion_tokens"),
        docs_url="https://platform.openai.com/docs/api-reference/chat",
    ),
    ProviderSpec(
        name="openai_compatible",
        display_name="Any OpenAI-compatible server",
        dialect="openai_chat",
        # No default: vLLM, llama.cpp, LM Studio, Modal and friends each live at their own URL.
        base_url="",
        env_keys=("OPENAI_COMPATIBLE_API_KEY",),
        key_required=False,
        capabilities=_ALL,
        notes="Pass base_url= (or set OPENAI_COMPATIBLE_BASE_URL). The key is optional.",
    ),
)
