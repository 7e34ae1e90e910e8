"""Amazon Bedrock (Converse, ConverseStream, InvokeModel embeddings) and SageMaker Runtime endpoints.

Both sign with AWS SigV4 (``llmkit.auth.aws``); the signing names are ``bedrock`` and
``sagemaker``, not the host prefixes. Facts from botocore's service models
``bedrock-runtime/2023-09-30`` and ``sagemaker-runtime/2017-05-13``.
"""

from __future__ import annotations

from llmkit.providers.spec import EmbeddingSpec, Param, ProviderSpec

_REGION = Param(("AWS_REGION", "AWS_DEFAULT_REGION"), doc="the AWS region, e.g. us-east-1", kind="region")

# InvokeModel embeddings, per model family. Titan Text Embeddings V2 takes one inputText per
# request, embeddingTypes float/binary
# (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html);
# Cohere Embed at most 96 texts, input_type search_query/search_document/classification/
# clustering, embedding_types float/int8/uint8/binary/ubinary
# (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html).
# Nova Multimodal Embeddings: one input per request, embeddingPurpose from input_type
# (https://docs.aws.amazon.com/nova/latest/userguide/embeddings-schema.html).
_NOVA_EMBEDDING = EmbeddingSpec(
    max_inputs=1,
    input_types={
        "document": "GENERIC_INDEX",
        "query": "GENERIC_RETRIEVAL",
        "classification": "CLASSIFICATION",
        "clustering": "CLUSTERING",
    },
)
BEDROCK_EMBEDDING = EmbeddingSpec(
    by_model=(
        ("*multimodal-embeddings*", _NOVA_EMBEDDING),
        ("*titan-embed-text-v2*", EmbeddingSpec(max_inputs=1, encodings={"binary": "binary"})),
        ("*titan-embed*", EmbeddingSpec(max_inputs=1)),
        (
            "*cohere.embed*",
            EmbeddingSpec(
                max_inputs=96,
                input_types={
                    "query": "search_query",
                    "document": "search_document",
                    "classification": "classification",
                    "clustering": "clustering",
                },
                encodings={e: e for e in ("int8", "uint8", "binary", "ubinary")},
            ),
        ),
    ),
)

SPECS = (
    ProviderSpec(
        name="bedrock",
        display_name="Amazon Bedrock",
        dialect="bedrock_converse",
        base_url="https://bedrock-runtime.{region}.amazonaws.com",
        # A Bedrock API key (sent as a bearer token) is optional: SigV4 is the default.
        env_keys=("AWS_BEARER_TOKEN_BEDROCK",),
        key_required=False,
        auth="custom",
        auth_factory="llmkit.auth.aws:bedrock_auth",
        params={"region": _REGION},
        # Rerankers are served by the agent runtime's Rerank API (providers/ranking.py).
        model_routes=(("cohere.rerank*", "bedrock_rerank"), ("amazon.rerank*", "bedrock_rerank")),
        capabilities=frozenset(
            {"chat", "stream", "tools", "vision", "json_schema", "reasoning", "count_tokens", "embeddings"}
        )
        | {"images"},  # InvokeModel: Titan Image Generator, Nova Canvas, Stability (stability.*)
        docs_url="https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html",
        embedding=BEDROCK_EMBEDDING,
        notes=(
            "Model = a Bedrock model id, inference profile id (us./eu./global. ...) or ARN. Region from "
            "region= or AWS_REGION / AWS_DEFAULT_REGION. Auth: SigV4 (signing name bedrock) with "
            "aws_access_key_id=/aws_secret_access_key=/aws_session_token=, aws_profile=, the AWS_* "
            "environment variables or botocore's chain (llmkit[aws]); or a Bedrock API key via api_key= "
            "or AWS_BEARER_TOKEN_BEDROCK. Chat uses Converse/ConverseStream; embeddings use InvokeModel "
            "for Titan (amazon.titan-embed-*, one text per request) and Cohere (cohere.embed-*, 96) models, "
            "batched past those limits; generate_image uses "
            "InvokeModel for amazon.titan-image-generator-*, amazon.nova-canvas-* and stability.* models."
        ),
    ),
    ProviderSpec(
        name="sagemaker",
        display_name="Amazon SageMaker endpoints",
        dialect="sagemaker",
        base_url="https://runtime.sagemaker.{region}.amazonaws.com",
        key_required=False,
        auth="custom",
        auth_factory="llmkit.auth.aws:sagemaker_auth",
        params={"region": _REGION},
        capabilities=frozenset({"chat", "stream", "tools", "vision", "json_schema", "json_object"}),
        docs_url="https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html",
        notes=(
            "Model = the endpoint name. sagemaker_format= picks the container's payload: 'messages' "
            "(OpenAI chat body: TGI >= 1.4, vLLM, LMI; the default), 'tgi' (inputs + parameters, "
            "streamed token records) or 'raw' (raw_body= or extra_body= passed through). SageMaker "
            "headers as options: custom_attributes=, target_variant=, target_model=, "
            "target_container_hostname=, inference_component=, session_id=, inference_id=, accept=. "
            "SigV4 with signing name sagemaker; credentials as for bedrock."
        ),
    ),
    ProviderSpec(
        name="bedrock_cohere",
        display_name="Cohere Command R on Amazon Bedrock (native body)",
        dialect="bedrock_cohere",
        base_url="https://bedrock-runtime.{region}.amazonaws.com",
        env_keys=("AWS_BEARER_TOKEN_BEDROCK",),
        key_required=False,
        auth="custom",
        auth_factory="llmkit.auth.aws:bedrock_auth",
        params={"region": _REGION},
        capabilities=frozenset({"chat", "stream", "tools"}),
        docs_url="https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-cohere-command-r-plus.html",
        notes=(
            "Cohere Command R / R+ (cohere.command-r-v1:0, cohere.command-r-plus-v1:0) through InvokeModel "
            "and InvokeModelWithResponseStream with Cohere's own body (message, chat_history, preamble, "
            "tools, tool_results; documents=, search_queries_only=, raw_prompting=, seed=, ...). bedrock/ "
            "chats with the same models through Converse, the default; use this name for the native "
            "body's fields. Credentials and region as for bedrock."
        ),
    ),
)
