"""The embedding-and-rerank services (issue 13): Voyage AI, Jina AI, Hugging Face Text Embeddings
Inference (self-hosted) and Hugging Face's hosted feature-extraction route. None has chat.

Facts: Voyage's API reference (docs.voyageai.com/reference) and its ``voyageai`` SDK; Jina's
(api.jina.ai/redoc); TEI's OpenAPI document (huggingface/text-embeddings-inference
``docs/openapi.json``); ``huggingface_hub``'s ``InferenceClient`` for the hosted route. Names as
LiteLLM spells them where it has one (``voyage``, ``jina_ai``)."""

from __future__ import annotations

from llmkit.providers.spec import ProviderSpec

_VECTORS = frozenset({"embeddings", "rerank"})

SPECS = (
    ProviderSpec(
        name="voyage",
        display_name="Voyage AI",
        dialect="voyage",
        base_url="https://api.voyageai.com/v1",
        env_keys=("VOYAGE_API_KEY",),
        capabilities=_VECTORS,
        docs_url="https://docs.voyageai.com/reference",
        notes=(
            "Embeddings (input_type query/document, output_dimension, output_dtype, multimodal models "
            "with images as data: URIs) and rerank (rerank-2.5). MongoDB-hosted keys: "
            "base_url='https://ai.mongodb.com/v1'."
        ),
    ),
    ProviderSpec(
        name="jina_ai",
        display_name="Jina AI",
        dialect="jina",
        base_url="https://api.jina.ai/v1",
        env_keys=("JINA_API_KEY", "JINA_AI_API_KEY"),
        capabilities=_VECTORS,
        docs_url="https://api.jina.ai/redoc",
        notes="Embeddings (task from input_type, dimensions, embedding_type, late_chunking, CLIP images) and rerank.",
    ),
    ProviderSpec(
        name="huggingface_tei",
        display_name="Hugging Face Text Embeddings Inference",
        dialect="tei",
        # No default: a TEI server lives where its owner started it.
        base_url="",
        env_keys=("HUGGINGFACE_TEI_API_KEY", "HF_API_TOKEN"),
        key_required=False,
        capabilities=_VECTORS,
        docs_url="https://huggingface.github.io/text-embeddings-inference/",
        notes=(
            "A self-hosted TEI server: pass base_url= (or HUGGINGFACE_TEI_BASE_URL); the key only if "
            "it was started with --api-key. /embed and /rerank; batches of at most 32 (the server's "
            "default max_client_batch_size)."
        ),
    ),
    ProviderSpec(
        name="hf_inference",
        display_name="Hugging Face hosted feature-extraction",
        dialect="hf_inference",
        base_url="https://router.huggingface.co",
        env_keys=("HF_TOKEN", "HUGGINGFACE_API_KEY"),
        capabilities=frozenset({"embeddings"}),
        docs_url="https://huggingface.co/docs/inference-providers/tasks/feature-extraction",
        notes="Embeddings of Hub models served by hf-inference: 'hf_inference/BAAI/bge-small-en-v1.5'.",
    ),
)
