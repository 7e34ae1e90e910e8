"""OpenAI itself, and any server that speaks its Chat Completions API."""

from __future__ import annotations

from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers.spec import EmbeddingSpec, ProviderSpec

# https://platform.openai.com/docs/api-reference/embeddings/create: at most 2048 inputs and
# 300,000 tokens summed over the inputs per request; encoding_format float or base64.
OPENAI_EMBEDDING = EmbeddingSpec(max_inputs=2048, max_tokens=300_000, encodings={"base64": "base64"})

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
        embedding=OPENAI_EMBEDDING,
        notes="Embeddings: https://platform.openai.com/docs/api-reference/embeddings/create "
        "(2048 inputs, 300,000 tokens per request; batched past them).",
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
        embedding=EmbeddingSpec(encodings={"base64": "base64"}),
    ),
)
