"""The embedding-and-rerank services (issue 13): Voyage AI, Jina AI, Hugging Face Text Embeddings
Inference (self-hosted) and Hugging Face's hosted feature-extraction route. None has chat.

Facts: Voyage's API reference (docs.voyageai.com/reference) and its ``voyageai`` SDK; Jina's
(api.jina.ai/redoc); TEI's OpenAPI document (huggingface/text-embeddings-inference
``docs/openapi.json``); ``huggingface_hub``'s ``InferenceClient`` for the hosted route. Names as
LiteLLM spells them where it has one (``voyage``, ``jina_ai``)."""

from __future__ import annotations

from llmkit.providers.spec import EmbeddingSpec, ProviderSpec

_VECTORS = frozenset({"embeddings", "rerank"})
_RETRIEVAL = {"query": "query", "document": "document"}
_DTYPES = {n: n for n in ("float", "int8", "uint8", "binary", "ubinary", "base64")}


def _voyage(max_tokens: int) -> EmbeddingSpec:
    return EmbeddingSpec(max_inputs=1000, max_tokens=max_tokens, input_types=_RETRIEVAL, encodings=_DTYPES)


# Voyage's reference: at most 1,000 texts per request, and at most 1M tokens (voyage-3.5-lite),
# 320K (voyage-3.5, voyage-2) or 120K (the others) in all; multimodal: 1,000 inputs.
VOYAGE_EMBEDDING = EmbeddingSpec(
    max_inputs=1000,
    max_tokens=120_000,
    input_types=_RETRIEVAL,
    encodings=_DTYPES,
    by_model=(
        ("voyage-3.5-lite", _voyage(1_000_000)),
        ("voyage-3.5", _voyage(320_000)),
        ("voyage-2", _voyage(320_000)),
        (
            "voyage-multimodal*",
            EmbeddingSpec(max_inputs=1000, input_types=_RETRIEVAL, encodings={"base64": "base64"}),
        ),
    ),
)
# Jina's task names for llmkit's input types; its API states no per-request count, so batches
# stay at 2,048 (OpenAI's) and 8,192 tokens an input is the models' context.
JINA_EMBEDDING = EmbeddingSpec(
    max_inputs=2048,
    input_types={
        "query": "retrieval.query",
        "document": "retrieval.passage",
        "similarity": "text-matching",
        "classification": "classification",
        "clustering": "separation",
    },
    encodings={n: n for n in ("float", "base64", "binary", "ubinary")},
)
# TEI's --max-client-batch-size defaults to 32; input types are the model's named prompts.
TEI_EMBEDDING = EmbeddingSpec(max_inputs=32, input_types=_RETRIEVAL)
HF_EMBEDDING = EmbeddingSpec(input_types=_RETRIEVAL)

SPECS = (
    ProviderSpec(
        name="voyage",
        display_name="Voyage AI",
        dialect="voyage",
        base_url="https://api.voyageai.com/v1",
        env_keys=("VOYAGE_API_KEY",),
        capabilities=_VECTORS,
        embedding=VOYAGE_EMBEDDING,
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
        embedding=JINA_EMBEDDING,
        docs_url="https://api.jina.ai/redoc",
        notes=(
            "Embeddings (task from input_type, dimensions, embedding_type, late_chunking, CLIP "
            "images) and rerank."
        ),
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
        embedding=TEI_EMBEDDING,
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
        embedding=HF_EMBEDDING,
        docs_url="https://huggingface.co/docs/inference-providers/tasks/feature-extraction",
        notes="Embeddings of Hub models served by hf-inference: 'hf_inference/BAAI/bge-small-en-v1.5'.",
    ),
)
