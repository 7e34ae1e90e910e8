"""The rows of the OpenAI, Anthropic and Google formats, and of the clouds and platforms with
formats of their own (``providers/aws.py``, ``azure.py``, ``oci.py``, ``vectors.py``, ...)."""

from __future__ import annotations

from llmkit.providers._references.reference import (
    _FIXTURES,
    _OPENAI_SDK,
    _OPENAI_SPEC,
    Reference,
    _fx,
    _none,
    _sdk,
)

ROWS: dict[str, tuple[Reference, ...]] = {
    # ------------------------------------------------------------ OpenAI and the generic row
    "openai": (
        Reference(
            "docs_sample",
            "OpenAI's API reference (platform.openai.com/docs/api-reference)",
            fixtures=_fx(
                "openai",
                "chat_completion.json",
                "chat_completion_image_input.json",
                "chat_completion_logprobs.json",
                "chat_completion_stream.sse",
                "chat_completion_tool_call.json",
                "embeddings.json",
            ),
            tests=("tests/test_openai_fixtures.py",),
        ),
        Reference(
            "recorded",
            "openai/openai-python@ff14a33c:tests/lib/chat/test_completions.py",
            fixtures=_fx("openai_sdk", "chat_refusal.json", "chat_refusal_stream.sse"),
            tests=("tests/hardening/test_fidelity_refusal.py",),
        ),
        _OPENAI_SDK,
        _OPENAI_SPEC,
    ),
    "openai_compatible": (_OPENAI_SDK, _OPENAI_SPEC),
    # ------------------------------------------------------------ Anthropic and its format
    "anthropic": (
        Reference(
            "recorded",
            "anthropics/anthropic-sdk-python@3882829a:tests/lib/streaming/fixtures/ "
            "and Anthropic's API reference",
            fixtures=_fx(
                "anthropic",
                "docs_count_tokens.json",
                "docs_stream_text.sse",
                "docs_stream_thinking.sse",
                "docs_stream_tool_use.sse",
                "error_not_found.json",
                "error_overloaded.json",
                "error_prompt_too_long.json",
                "message_cached.json",
                "message_structured.json",
                "message_thinking.json",
                "message_tool_use.json",
                "stream_basic.sse",
                "stream_error.sse",
                "stream_refusal.sse",
                "stream_tool_use.sse",
            ),
            tests=("tests/anthropic/test_dialect.py",),
        ),
        _sdk("anthropic (PyPI)", "tests/anthropic/test_sdk_parity.py"),
    ),
    # ------------------------------------------------------------ Google
    "gemini": (
        Reference(
            "recorded",
            "google-gemini/cookbook@f1e7e3de (REST notebooks' printed outputs); "
            "pydantic/pydantic-ai cassettes",
            fixtures=_fx(
                "gemini",
                "cookbook_cached_content.json",
                "cookbook_function_call.json",
                "cookbook_prompt_blocked.json",
                "cookbook_text_usage.json",
                "error_api_key_invalid.json",
                "recorded_thinking_usage.json",
                "vertex_stream_signature.sse",
            ),
            tests=(
                "tests/gemini/test_google_fixtures.py",
                "tests/gemini/test_gemini_response.py",
                "tests/hardening/test_fidelity_usage.py",
            ),
        ),
        _sdk("google-genai (PyPI)", "tests/gemini/test_gemini_sdk.py"),
        Reference(
            "spec",
            "generativelanguage protos (../shared/specs/google-gemini)",
            tests=("tests/gemini/test_gemini_specs.py",),
        ),
    ),
    "vertex_ai": (
        Reference(
            "recorded",
            "GoogleCloudPlatform/generative-ai@824b32b1 (curl notebooks' outputs); "
            "FirebaseExtended/vertexai-sdk-test-data@2d6adfde (Imagen)",
            fixtures=_fx(
                "vertex",
                "gemini_stream_function_call.json",
                "gemini_stream_inline_image.json",
                "gemini_stream_text.json",
            )
            + _fx(
                "imagegen",
                "imagen-unary-failure-generate-images-all-filtered.json",
                "imagen-unary-failure-generate-images-base64-some-filtered.json",
                "imagen-unary-failure-generate-images-prompt-blocked.json",
                "imagen-unary-success-generate-images-base64.json",
                "imagen-unary-success-generate-images-gcs.json",
            ),
            tests=("tests/gemini/test_google_fixtures.py", "tests/imagegen/test_recorded.py"),
        ),
        _sdk("google-genai (PyPI), Vertex AI client", "tests/imagegen/test_references.py"),
        Reference(
            "spec",
            "aiplatform v1 discovery document (../shared/specs/google-vertex)",
            tests=("tests/gemini/test_gemini_specs.py",),
        ),
    ),
    "vertex_ai_anthropic": (
        Reference(
            "recorded",
            "GoogleCloudPlatform/generative-ai@23b75dab:partner-models/claude/ (outputs)",
            fixtures=_fx("vertex", "claude_message.json", "claude_tool_use.json"),
            tests=("tests/gemini/test_google_fixtures.py",),
        ),
    ),
    **{
        name: (
            Reference(
                "none",
                searched="Google's aiplatform v1 discovery document holds the hosts and routes "
                "(tests/gemini/test_vertex_partners.py checks every location's host against it), not "
                "the partner models' bodies; no recorded partner-model response on Vertex AI was "
                "collected (2026-12-02).",
            ),
        )
        for name in ("vertex_ai_mistral", "vertex_ai_ai21", "vertex_ai_maas")
    },
    # ------------------------------------------------------------ clouds and platforms
    "bedrock": (
        Reference(
            "recorded",
            "AWS Bedrock user guide examples; pydantic/pydantic-ai@111dda9b cassettes",
            fixtures=_fx(
                "bedrock",
                "cohere_embed_v3.json",
                "converse_cache_read.json",
                "converse_cache_write.json",
                "converse_stream_tool_use.json",
                "converse_tool_use.json",
                "error_throttling.json",
                "error_validation.json",
                "titan_embed_text_v2.json",
            ),
            tests=("tests/aws/test_bedrock_loopback.py", "tests/hardening/test_fidelity_usage.py"),
        ),
        _sdk(
            "botocore (PyPI): its validator, serializer and service model",
            "tests/bedrock/test_bedrock_converse.py",
        ),
        Reference(
            "docs_sample",
            "AWS Bedrock user guide, Nova multimodal embeddings request schema",
            fixtures=("cloud13/nova_embed_request.json",),
            tests=("tests/cloud13/test_nova_embeddings.py",),
        ),
    ),
    "sagemaker": (
        Reference(
            "docs_sample",
            "text-generation-inference's OpenAPI and SageMaker's docs",
            fixtures=_fx(
                "sagemaker",
                "messages_stream.sse",
                "model_error_eula.json",
                "tgi_generate.json",
                "tgi_generate_stream.txt",
            ),
            tests=("tests/aws/test_sagemaker_loopback.py",),
        ),
    ),
    "azure_openai": (
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestAzureCommon/",
            fixtures=_fx("azure_openai", "simple_streaming.sse"),
            tests=(_FIXTURES,),
        ),
    ),
    "azure_ai": (
        Reference(
            "spec",
            "Azure/azure-rest-api-specs@075863b2:specification/ai/data-plane/ModelInference/"
            "(the spec's own example)",
            fixtures=_fx("azure_ai", "chat_tool_call_maxset.json"),
            tests=(_FIXTURES,),
        ),
    ),
    "oci": (
        Reference(
            "recorded",
            "oracle/oci-python-sdk test cassettes (see the .source.md files)",
            fixtures=_fx(
                "oci",
                "test_cohere_chat_legacy.yaml",
                "test_cohere_chat_streaming.yaml",
                "test_generic_chat_legacy.yaml",
                "test_generic_chat_streaming.yaml",
            ),
            tests=("tests/oci/test_fixtures.py",),
        ),
        _sdk(
            "oci (PyPI): its client, signer and models", "tests/oci/test_sdk.py", "tests/oci/test_signer.py"
        ),
    ),
    "sap": (
        Reference(
            "recorded",
            "SAP/ai-sdk-js@42429d19:test-util/data/orchestration/",
            fixtures=_fx(
                "sap",
                "orchestration-chat-completion-input-filter-error.json",
                "orchestration-chat-completion-stream-chunks-with-error.txt",
                "orchestration-chat-completion-stream-chunks.txt",
                "orchestration-chat-completion-success-response.json",
                "orchestration-embedding-error.json",
                "orchestration-embedding-simple-response.json",
            ),
            tests=("tests/sap/test_sap_fixtures.py",),
        ),
        _sdk("sap-ai-sdk-gen (PyPI)", "tests/sap/test_sap_sdk.py"),
        Reference(
            "spec",
            "SAP/ai-sdk-js@42429d19:packages/orchestration/src/spec/api.yaml",
            tests=("tests/sap/test_sap_spec.py",),
        ),
    ),
    "snowflake": (
        Reference(
            "spec",
            "snowflakedb/snowflake-rest-api-specs@42671a90:specifications/cortex-*.yaml",
            tests=("tests/snowflake/test_published_spec.py",),
        ),
        _sdk("snowflake-connector-python (PyPI): its key-pair JWT", "tests/snowflake/test_sdks.py"),
    ),
    "watsonx": (
        Reference(
            "recorded",
            "IBM/watsonx-ai-java-sdk@e07dd511: ChatServiceTest and friends",
            fixtures=_fx(
                "watsonx",
                "chat.json",
                "chat_request.json",
                "chat_stream_text.sse",
                "chat_stream_tools.sse",
                "embeddings.json",
                "error_400.json",
                "iam_error.json",
                "iam_token.json",
            ),
            tests=("tests/watsonx/test_fixtures.py",),
        ),
        _sdk("ibm-cloud-sdk-core (PyPI): its IAM authenticator", "tests/watsonx/test_ibm_sdk.py"),
    ),
    "gigachat": (
        Reference(
            "recorded",
            "ai-forever/gigachat test cassettes (see the .source.md files)",
            fixtures=_fx(
                "gigachat",
                "chat_completion_function.json",
                "test_chat_model_not_found.yaml",
                "test_chat_response_format_json_schema.yaml",
                "test_chat_simple.yaml",
                "test_embeddings_multiple.yaml",
                "test_stream_simple.yaml",
            ),
            tests=("tests/gigachat/test_gigachat_fixtures.py",),
        ),
        _sdk("gigachat (PyPI)", "tests/gigachat/test_gigachat_sdk.py"),
    ),
    "replicate": (
        Reference(
            "recorded",
            "replicate/replicate-python@0110c2c5:tests/cassettes/",
            fixtures=_fx(
                "replicate",
                "error_invalid_token.json",
                "prediction_canceled.json",
                "prediction_processing_llama3.json",
                "prediction_starting_stream.json",
                "prediction_succeeded_image.json",
                "prediction_succeeded_llama2_tokens.json",
            ),
            tests=("tests/replicate/test_fixtures.py",),
        ),
        _sdk("replicate (PyPI)", "tests/replicate/test_sdk.py"),
    ),
    "stability": _none(
        "find_string 'uri: https://api.stability.ai' (one hit, client code, not a cassette); its "
        "multipart requests are read back with python-multipart and its images opened with Pillow "
        "(third-party parsers of the formats, not of Stability's API: tests/stability/test_loopback.py)"
    ),
    "cohere": (_sdk("cohere (PyPI)", "tests/cohere/test_cohere_sdk.py"),),
    "voyage": (_sdk("voyageai (PyPI)", "tests/vectors/test_sdk_references.py"),),
    "hf_inference": (
        _sdk(
            "huggingface_hub (PyPI): InferenceClient.feature_extraction",
            "tests/vectors/test_sdk_references.py",
        ),
    ),
    "huggingface_tei": (
        Reference(
            "spec",
            "huggingface/text-embeddings-inference's OpenAPI document",
            fixtures=_fx("tei", "openapi.json"),
            tests=("tests/vectors/test_tei_openapi.py",),
        ),
    ),
    "jina_ai": (
        Reference(
            "spec",
            "Jina's OpenAPI document 0.1.107 (api.jina.ai/openapi.json; copy at "
            "freeflowuniverse/herolib@9448ae85:lib/clients/jina/openapi.json)",
            fixtures=_fx("jina_ai", "openapi.json"),
            tests=("tests/refs_a/test_jina_openapi.py",),
        ),
    ),
}
