"""What each provider's wire format is held against: a reference nobody here wrote.

``REFERENCES`` maps every registered provider name to one or more ``Reference`` entries, as data:
the official SDK (test-only, both directions), a response recorded from the live API or printed in
the provider's documentation (a file under ``tests/fixtures/`` with a ``.source.md`` naming
repo@commit:path or the URL), a published specification, or ``none`` with what was searched.
``llmkit docs`` renders it (each provider page's Reference section and docs/providers/references.md),
and ``tests/fixtures_more/test_references_registry.py`` holds every registered provider to an entry
whose fixtures exist and are read by a test. Nothing imports this module on a call's path.

Adding a provider: add ``"<name>": (Reference(...),)`` below, in its family's block.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "REFERENCES", "Reference", "RefKind"]

RefKind = Literal["sdk", "recorded", "docs_sample", "spec", "none"]
# The kinds, strongest first (the order the generated page lists them in).
KINDS: tuple[RefKind, ...] = ("recorded", "docs_sample", "sdk", "spec", "none")


@dataclass(frozen=True, slots=True)
class Reference:
    """One thing a provider's wire format is held against.

    ``where``: the package (``groq`` on PyPI), repo@commit:path or URL the reference comes from.
    ``fixtures``: files under ``tests/fixtures/`` that carry it (each with a ``.source.md``), or for
    ``none`` the note recording the search. ``tests``: the test modules that hold llmkit to it.
    ``searched``: for ``none``, what was searched and when."""

    kind: RefKind
    where: str = ""
    fixtures: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    searched: str = ""


def _fx(folder: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{folder}/{n}" for n in names)


def _gap(name: str, searched: str) -> tuple[Reference, ...]:
    """No reference found; the search is recorded in tests/fixtures/<name>/NO_FIXTURE.source.md."""
    return (Reference("none", fixtures=(f"{name}/NO_FIXTURE.source.md",), searched=searched),)


def _sdk(package: str, *tests: str) -> Reference:
    return Reference("sdk", package, tests=tests)


# The openai SDK and OpenAI's published OpenAPI document hold the OpenAI wire format itself
# (every openai_chat row's translation); a row is listed with them only when nothing of its own
# was found, and then its kind is "none": they say nothing about that provider's own answers.
_OPENAI_SDK = _sdk("openai (PyPI)", "tests/conformance/test_openai_sdk.py")
_OPENAI_SPEC = Reference(
    "spec", "openai/openai-openapi@f85dbe22:openapi.yaml (../shared/specs/openai)",
    tests=("tests/conformance/test_openai_spec.py",),
)  # fmt: skip
_FLEET_SDK = "tests/hardening/test_emulator_fleet_sdks.py"
_FIXTURES = "tests/fleet/test_fixtures.py"
_PUBLISHED = "tests/fleet/test_published_specs.py"


_CASSETTES = "tests/fixtures_more/test_cassettes.py"
_SDK_PARITY = "tests/fixtures_more/test_sdk_parity.py"
_REFS_A = "tests/refs_a/test_references.py"
_REFS_B_SDK = "tests/refs_b/test_sdk_parity.py"
_REFS_B_RECORDED = "tests/refs_b/test_recorded.py"
_REFS_C = "tests/refs_c/"

_REFS_D = "tests/refs_d/test_docs_samples.py"

_REFS_E_RECORDED = "tests/refs_e/test_recorded.py"

_REFS_F = "tests/refs_f/test_references.py"


def _none(extra: str = "") -> tuple[Reference, ...]:
    """A row with no reference of its own found: ``extra`` is what was searched for its host
    beyond the cassette collections every such row was checked against."""
    what = f"{extra}; " if extra else ""
    return (
        Reference(
            "none",
            searched=f"{what}the recorded cassettes of pydantic/pydantic-ai@4fda3898 (every host they "
            "record) and charmbracelet/fantasy (all history): no call to this provider's host "
            "(2026-12-02). Its wire format is held to its format's references and the emulator's "
            "profile only.",
        ),
    )


_REFS_H = "tests/refs_h/test_references.py"  # refs_h (issue 14): bodies vendors printed
_REFS_G = "tests/refs_g/test_references.py"  # refs_g (issue 14)
_REFS_I = "tests/refs_i/test_references.py"  # refs_i: first used by "upstage" below

_BASE: dict[str, tuple[Reference, ...]] = {
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
    # ------------------------------------------------------------ Ollama
    "ollama": (
        Reference(
            "docs_sample",
            "ollama/ollama: openai/openai_test.go and issue 15457 (assembled, see note)",
            fixtures=_fx("ollama", "chat_stream_two_calls_index0.sse"),
            tests=("tests/hardening/test_fidelity_tool_index.py",),
        ),
    ),
    "ollama_chat": (
        Reference(
            "docs_sample",
            "ollama/ollama@01e52d24:docs/api.md",
            fixtures=_fx(
                "ollama_native",
                "chat_load.json",
                "chat_stream.ndjson",
                "chat_structured.json",
                "chat_tools.json",
                "embed_multiple.json",
            ),
            tests=("tests/ollama/test_fixtures.py",),
        ),
        _sdk("ollama (PyPI)", "tests/ollama/test_ollama_sdk.py"),
        Reference(
            "spec", "ollama/ollama@fb307609:docs/openapi.yaml", tests=("tests/ollama/test_published_spec.py",)
        ),
    ),
    # ------------------------------------------------------------ the OpenAI-compatible fleet
    "perplexity": (
        Reference(
            "docs_sample",
            "docs.perplexity.ai API reference (chat completions 200 sample)",
            fixtures=_fx("perplexity", "chat_docs_schema.json"),
            tests=(_FIXTURES,),
        ),
        Reference(
            "recorded",
            "kardolus/chatgpt-cli@08f3e1ea:docs/perplexity_api.md; a 2026 401 body",
            fixtures=_fx("perplexity", "chat_stream_2024_recorded.sse", "error_401_json_2026.json"),
            tests=(_FIXTURES,),
        ),
    ),
    "xai": (
        Reference(
            "spec",
            "xai-org/xai-sdk-ts@41e766ac:spec/openapi.json (its example)",
            fixtures=_fx("xai", "chat_openapi_example.json"),
            tests=(_FIXTURES,),
        ),
        Reference(
            "recorded",
            "charmbracelet/fantasy@510e129d:providertests/testdata/TestXAICommon/",
            fixtures=_fx(
                "xai",
                "chat_stream_reasoning_recorded.sse",
                "chat_tool_call_recorded.json",
                "error_bad_key_400.json",
            ),
            tests=(_FIXTURES,),
        ),
    ),
    "meta_llama": (
        Reference(
            "recorded",
            "a third-party capture of the Llama API's 404 (see the .source.md); no "
            "compat-route body was found (tests/fixtures/meta_llama/NO_FIXTURE.source.md)",
            fixtures=_fx("meta_llama", "error_404_problem.json"),
            tests=(_FIXTURES,),
        ),
    ),
    "friendli": (
        Reference(
            "docs_sample",
            "friendli.ai/docs/openapi/create-chat-completions (200 samples)",
            fixtures=_fx("friendli", "serverless_chat.json", "dedicated_chat_stream.sse"),
            tests=(_FIXTURES,),
        ),
    ),
    "novita": (
        Reference(
            "docs_sample",
            "novita.ai/docs/api-reference/model-apis-llm-create-chat-completion",
            fixtures=_fx("novita", "chat_docs_schema.json"),
            tests=(_FIXTURES,),
        ),
    ),
    "hyperbolic": (
        Reference(
            "recorded",
            "HyperbolicLabs/hyperbolic-ts@0d8756c0:packages/ai-sdk-provider/src/"
            "hyperbolic-chat-language-model.test.ts (the official provider's test stream)",
            fixtures=_fx("hyperbolic", "chat_stream_tool_call_sdk_test.sse"),
            tests=(_FIXTURES,),
        ),
    ),
    "lambda_ai": _gap(
        "lambda_ai",
        "docs.lambda.ai's Inference API page (sunset notice, request code only, no printed output), "
        "the older Lambda Chat Completions page (third-party gist copy only), "
        "LambdaLabs/docsy-lambda-docs@af5a7317, find_repos 'lambdal' (2026-11-24).",
    ),
    "datarobot": (
        Reference(
            "spec",
            "datarobot/datarobot-user-models@c26c10b1:custom_model_runner/drum_server_api.yaml (its example)",
            fixtures=_fx("datarobot", "drum_chat_openapi_example.json"),
            tests=(_FIXTURES,),
        ),
    ),
    "groq": (
        Reference(
            "docs_sample",
            "console.groq.com/docs/batch (the example output file's body)",
            fixtures=_fx("groq", "chat_completion_batch_doc.json"),
            tests=(_FLEET_SDK,),
        ),
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestOpenAICompatibleCommon/groq-kimi-k2/",
            fixtures=_fx("groq", "fantasy_tool.yaml", "fantasy_tool_streaming.yaml"),
            tests=(_CASSETTES,),
        ),
        _sdk("groq (PyPI), both directions", _FLEET_SDK),
    ),
    "mistral": (
        _sdk("mistralai (PyPI), both directions", _FLEET_SDK),
        Reference(
            "spec", "mistralai/platform-docs-public@222f4ba9:openapi-public-doc.yaml", tests=(_PUBLISHED,)
        ),
    ),
    "together_ai": (
        _sdk("together (PyPI), both directions", _SDK_PARITY),
        Reference("spec", "togethercomputer/openapi@090263aa:openapi.yaml", tests=(_PUBLISHED,)),
    ),
    "openrouter": (
        Reference("spec", "OpenRouterTeam/docs@c26125a5:openapi/openapi.yaml", tests=(_PUBLISHED,)),
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestOpenRouterCommon/",
            fixtures=_fx("openrouter", "simple_streaming.sse"),
            tests=(_FIXTURES,),
        ),
    ),
    "volcengine": (
        Reference(
            "docs_sample",
            "a reseller's documentation example and a third-party 404 (see the .source.md "
            "files; no first-party body: tests/fixtures/volcengine/NO_FIXTURE.source.md)",
            fixtures=_fx("volcengine", "chat_reseller_doc.json", "error_404_model_not_found.json"),
            tests=(_FIXTURES,),
        ),
    ),
    "modal": (
        Reference(
            "docs_sample",
            "Modal's proxy-auth docs (status, headers) and a third-party test's body",
            fixtures=_fx("modal", "error_proxy_auth_401.txt"),
            tests=(_FIXTURES,),
        ),
    ),
    "lepton": _gap(
        "lepton",
        "lepton.ai's dedicated-endpoints guide (no body printed), leptonai/leptonai@9eaba298 (no chat "
        "test data), leptonai/examples@e689a3c0 (printed text only), find_repos 'leptonai'; Lepton "
        "is now NVIDIA DGX Cloud Lepton, with no shared public endpoint (2026-11-24).",
    ),
    "cerebras": (
        Reference(
            "recorded",
            "charmbracelet/fantasy@71f727f0:providertests/testdata/TestCerebrasCommon/",
            fixtures=_fx("cerebras", "fantasy_tool.yaml", "fantasy_tool_streaming.yaml"),
            tests=(_CASSETTES,),
        ),
        _sdk("cerebras-cloud-sdk (PyPI), both directions", _SDK_PARITY),
    ),
    "sambanova": (_sdk("sambanova (PyPI), both directions", _REFS_B_SDK),),
    "fireworks_ai": (_sdk("fireworks-ai (PyPI), both directions", _SDK_PARITY),),
    "deepinfra": (
        Reference(
            "docs_sample",
            "deepinfra.com/<model>/api (the model pages' response), docs.deepinfra.com/chat/streaming "
            "and the API reference's 422 example",
            fixtures=_fx(
                "deepinfra",
                "chat_model_page_docs.json",
                "chat_stream_docs.sse",
                "error_422_docs_schema.json",
            ),
            tests=(_REFS_D,),
        ),
    ),
    "deepseek": (
        Reference(
            "recorded",
            "pydantic/pydantic-ai@4fda3898:tests/models/cassettes/test_deepseek/",
            fixtures=_fx(
                "deepseek",
                "pydantic_ai_deepseek_model_thinking_part.yaml",
                "pydantic_ai_deepseek_model_thinking_stream.yaml",
            ),
            tests=(_CASSETTES,),
        ),
    ),
    "huggingface": (
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestOpenAICompatibleCommon/"
            "huggingface-kimi-k2/",
            fixtures=_fx("huggingface", "fantasy_tool.yaml", "fantasy_tool_streaming.yaml"),
            tests=(_CASSETTES,),
        ),
    ),
    "baseten": (
        Reference(
            "docs_sample",
            "docs.baseten.co/reference/inference-api/chat-completions (schema chunk sample)",
            fixtures=_fx("baseten", "chat_chunk_docs_schema.json"),
            tests=(_REFS_D,),
        ),
    ),
    "runpod": (
        Reference(
            "docs_sample",
            "runpod/docs@6e616d71:serverless/vllm/openai-compatibility.mdx",
            fixtures=_fx("runpod", "chat_openai_compat_docs.json"),
            tests=(_REFS_D,),
        ),
    ),
    "ai21": (
        Reference(
            "sdk",
            "ai21 (PyPI), both directions; its unit tests' chat completion "
            "(AI21Labs/ai21-python@e174affc:tests/unittests/models/response_mocks.py)",
            fixtures=_fx("ai21", "sdk_test_chat_completion.json"),
            tests=(_REFS_C + "test_ai21.py",),
        ),
    ),
    "nvidia_nim": (
        Reference(
            "docs_sample",
            "docs.nvidia.com/nemo/microservices/25.6.0/run-inference/nim-proxy/chat-completions.html "
            "(a NIM for LLMs answer through NIM Proxy)",
            fixtures=_fx("nvidia_nim", "chat_nim_proxy_docs.json"),
            tests=(_REFS_D,),
        ),
    ),
    "cloudflare": _none(
        "search (pages) for Workers AI's OpenAI-compatible endpoints: developers.cloudflare.com "
        "shows request code only",
    ),
    "github": (
        _sdk(
            "azure-ai-inference (PyPI; GitHub's docs use its ChatCompletionsClient for GitHub Models), "
            "both directions",
            _REFS_C + "test_github.py",
        ),
    ),
    "databricks": (
        _sdk(
            "databricks-sdk (PyPI): its OpenAI client helper and its serving models and error "
            "mapper, both directions",
            _REFS_C + "test_databricks.py",
        ),
    ),
    "writer": (_sdk("writer-sdk (PyPI), both directions (its /v1/chat route)", _REFS_B_SDK),),
    "nebius": (
        Reference(
            "docs_sample",
            "docs.studio.nebius.com/api-reference/inference/create-chat-completion",
            fixtures=_fx("nebius", "chat_api_reference_docs.json"),
            tests=(_REFS_D,),
        ),
    ),
    # ------------------------------------------------------------ regional rows
    "dashscope": _none(
        "search (pages, docs) for Model Studio's OpenAI-compatible chat pages (alibabacloud.com "
        "compatibility-of-openai-with-dashscope, help.aliyun.com qwen-api, qwen-mt-api and "
        "qwen-vl-compatible-with-openai pages): the stored copies end before a full response body "
        "or print the openai SDK's model_dump() of the first chunks only; an apifox mirror of a QwQ "
        "stream elides its middle ('......'); find_string 'uri: https://dashscope': no cassette "
        "(2026-12-02)"
    ),
    "zai": (
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestOpenAICompatibleCommon/"
            "zai-glm-4-7-flash/ (the coding-plan root)",
            fixtures=_fx("zai", "fantasy_tool.yaml", "fantasy_tool_streaming.yaml"),
            tests=(_CASSETTES,),
        ),
    ),
    "zhipu": (_sdk("zhipuai (PyPI), both directions", _REFS_B_SDK),),
    "moonshot": (
        Reference(
            "recorded",
            "vercel/ai: packages/moonshotai/src/__fixtures__/*-live.* (see the .source.md files)",
            fixtures=_fx(
                "moonshot",
                "vercel_error_live_message_only.json",
                "vercel_metadata_live.chunks.txt",
                "vercel_metadata_live.json",
                "vercel_usage_live.chunks.txt",
                "vercel_usage_live.json",
            ),
            tests=(_REFS_B_RECORDED,),
        ),
    ),
    "qianfan": _none(),
    "minimax": (
        Reference(
            "recorded",
            "eolinker/apinto@c561117b:drivers/ai-provider/minimax/message.go (a reply its MiniMax "
            "driver recorded)",
            fixtures=_fx("minimax", "apinto_chat_completion.json"),
            tests=(_REFS_E_RECORDED,),
        ),
    ),
    "siliconflow": (
        Reference(
            "docs_sample",
            "docs.siliconflow.cn/cn/api-reference/chat-completions/chat-completions_copy (schema sample)",
            fixtures=_fx("siliconflow", "chat_docs_schema.json"),
            tests=(_REFS_D,),
        ),
    ),
    "modelscope": _none(),
    "upstage": (
        Reference(
            "recorded",
            "UpstageAI/cookbook@68205753:Solar-Fullstack-LLM-101/98_1_all_edu.ipynb (a reply the "
            "official cookbook printed from api.upstage.ai; SDK repr transcribed to JSON)",
            fixtures=_fx("upstage", "cookbook_solar_mini_chat.json"),
            tests=(_REFS_I,),
        ),
    ),
    # ------------------------------------------------------------ local servers
    "vllm": (
        Reference(
            "recorded",
            "llamastack/llama-stack@d1b66329:tests/integration/*/recordings/ (a vLLM server's replies)",
            fixtures=_fx(
                "vllm",
                "llama_stack_reasoning_stream_d1edbcabe604.json",
                "llama_stack_tool_call_744052775cf9.json",
                "llama_stack_tool_call_stream_65eba1be095a.json",
            ),
            tests=(_REFS_B_RECORDED,),
        ),
    ),
    "sglang": (
        Reference(
            "recorded",
            "wxsms/sgl-project.github.io@000c8982:markdown/basic_usage/send_request.md (SGLang's docs "
            "notebook run against a live server in CI)",
            fixtures=_fx("sglang", "send_request_curl.pyrepr"),
            tests=(_REFS_E_RECORDED,),
        ),
    ),
    "lm_studio": (
        Reference(
            "docs_sample",
            "lmstudio-ai/docs@1db808c3:0_app/4_api/tools.md (the curl example's response)",
            fixtures=_fx("lm_studio", "chat_tool_call_docs.json"),
            tests=(_REFS_A,),
        ),
    ),
    "llamacpp": (
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestOpenAICompatibleCommon/"
            "llama-cpp-gpt-oss/ (a llama.cpp server's answers)",
            fixtures=_fx("llamacpp", "fantasy_tool.yaml", "fantasy_tool_streaming.yaml"),
            tests=(_CASSETTES,),
        ),
    ),
    "llamafile": (
        Reference(
            "docs_sample",
            "Mozilla-Ocho/llamafile@0140990c:README.md (JSON API Quickstart's printed response)",
            fixtures=_fx("llamafile", "chat_readme.json"),
            tests=(_REFS_A,),
        ),
    ),
    # ------------------------------------------------------------ more hosts and gateways
    "featherless_ai": _none(
        "search (pages; 2026-12-02) for api.featherless.ai chat responses: featherless.ai/docs/api and "
        "/docs/completions print the request body and parameter table only; a third-party gateway's "
        "guide (featherless.kim8.s4s.host) repeats requests only",
    ),
    "nscale": (
        Reference(
            "docs_sample",
            "docs.nscale.com/api-reference/inferencing/create-chat-completion (schema sample)",
            fixtures=_fx("nscale", "chat_api_reference_docs_schema.json"),
            tests=(_REFS_D,),
        ),
    ),
    "ovhcloud": (
        Reference(
            "recorded",
            "ovh/docs@0be6236c:pages/public_cloud/ai_machine_learning/endpoints_guide_06_function_calling/"
            "guide.en-gb.md (a curl answer printed in the guide)",
            fixtures=_fx("ovhcloud", "chat_json_schema_docs.json"),
            tests=(_REFS_D,),
        ),
    ),
    "scaleway": (
        Reference(
            "docs_sample",
            "scaleway/docs-content@0269de09:pages/generative-apis/how-to/query-reasoning-models.mdx",
            fixtures=_fx("scaleway", "chat_reasoning_stream_docs.txt"),
            tests=(_REFS_D,),
        ),
    ),
    "inception": _none(
        "search (docs) for Inception's Mercury chat API: LiteLLM, Agno and tryAGI's generated C# "
        "client pages (request code only); docs.inceptionlabs.ai not in the stored corpora (2026-12-02)"
    ),
    "crusoe": (
        Reference(
            "recorded",
            "pydantic/pydantic-ai@4fda3898:tests/models/cassettes/test_crusoe/",
            fixtures=_fx(
                "crusoe", "pydantic_ai_crusoe_tool_calling.yaml", "pydantic_ai_crusoe_model_streaming.yaml"
            ),
            tests=(_CASSETTES,),
        ),
    ),
    # Errors only: the bodies Chutes' own server raises; no chat response of its own was found
    # (chutesai/chutes-docs prints request code only; chutes-api's tests hold no chat bodies).
    "chutes": (
        Reference(
            "spec",
            "chutesai/chutes-api@d390a53b:api/invocation/router.py, api/chute/util.py (the error "
            "bodies its HTTPExceptions render: 402 quota, 429 overload, 400 bad request)",
            fixtures=_fx(
                "chutes",
                "error_429_infra_overload.json",
                "error_402_quota_exceeded.json",
                "error_400_bad_request.json",
            ),
            tests=(_REFS_G,),
        ),
    ),
    "parasail": _none(
        "search (pages; 2026-12-02) for api.parasail.io chat responses: docs.parasail.io prints none "
        "in the stored copies; the apis.io / api-evangelist 'Parasail Chat Completion Example' is a "
        "third party's invented payload, not Parasail's, so not used; Bifrost/DeepIntShield pages "
        "describe parameter filtering only",
    ),
    "venice": (
        Reference(
            "docs_sample",
            "veniceai/api-docs@601b7bb1:swagger.yaml (chat example) and api-reference/error-codes.mdx",
            fixtures=_fx(
                "venice",
                "chat_openapi_example.json",
                "error_docs_plain.json",
                "error_docs_validation.json",
                "error_docs_context_length.json",
            ),
            tests=(_REFS_D,),
        ),
    ),
    "vercel_ai_gateway": (
        Reference(
            "recorded",
            "charmbracelet/fantasy@f6d4d1e3:providertests/testdata/TestVercelCommon/gemini-2.5-flash/",
            fixtures=_fx("vercel_ai_gateway", "fantasy_tool.yaml", "fantasy_tool_streaming.yaml"),
            tests=(_CASSETTES,),
        ),
    ),
    "wandb": (
        Reference(
            "docs_sample",
            "wandb/docs@038eac90:inference/api-reference/chat-completions.mdx",
            fixtures=_fx("wandb", "chat_api_reference_docs.json"),
            tests=(_REFS_D,),
        ),
    ),
    "requesty": (
        Reference(
            "docs_sample",
            "docs.requesty.ai/api-reference/endpoint/chat-completions-create",
            fixtures=_fx("requesty", "chat_api_reference_docs.json"),
            tests=(_REFS_D,),
        ),
    ),
    "clarifai": _none(),
    # ------------------------------------------------------------ Anthropic-format gateways
    "minimax_anthropic": _none(
        "search (docs) for MiniMax's Anthropic-compatible pages (platform.minimax.io and "
        "platform.minimaxi.com text-anthropic-api, quickstart-sdk): request code and a summarised "
        "'example output' (thinking/text strings), no response body; find_string "
        "'api.minimax.io/anthropic' and 'uri: https://api.minimax' (configs and clients only, no "
        "recorded /anthropic/v1/messages reply) (2026-12-02)"
    ),
    "zai_anthropic": _none(
        "search (pages) for api.z.ai/api/anthropic /v1/messages replies: third-party gateway pages "
        "and request code only (an apifox mirror's GLM body is a reseller's, not Z.ai's); "
        "find_string 'uri: https://api.z.ai/api/anthropic': no cassette (2026-12-02)"
    ),
    # ------------------------------------------------------------ compat rows (issue 14)
    "sarvam": (_sdk("sarvamai (PyPI), both directions", "tests/compat_a/test_sdk_parity.py"),),
    "zerogpu": (_sdk("zerogpu-api (PyPI), both directions", "tests/compat_a/test_sdk_parity.py"),),
    "sail": (
        Reference(
            "spec",
            "api-evangelist/sail@1e018fda:openapi/_original/sail-openapi-original.json",
            fixtures=_fx("sail", "sail_openapi.json"),
            tests=("tests/compat_a/test_published_specs.py",),
        ),
    ),
    "gradient_ai": (_sdk("gradient (PyPI), DigitalOcean's SDK", "tests/compat_b/test_references.py"),),
    "apertis": (_sdk("apertis (PyPI)", "tests/compat_b/test_sdk_references.py"),),
    "nadir": (_sdk("nadir-sdk (PyPI)", "tests/compat_b/test_sdk_references.py"),),
    "kyma": (_sdk("kyma-ai (PyPI)", "tests/compat_b/test_sdk_references.py"),),
    "cometapi": (
        _sdk(
            "cometapi (PyPI; pins openai<3, so its tests skip in this venv)",
            "tests/compat_b/test_sdk_references.py",
        ),
    ),
    "edenai": (
        Reference(
            "docs_sample",
            "docs.edenai.co/v3/quickstart/first-llm-call (Response)",
            fixtures=_fx("edenai", "chat_quickstart.json"),
            tests=("tests/compat_b/test_references.py",),
        ),
    ),
    "heroku": (
        Reference(
            "docs_sample",
            "Heroku Managed Inference API reference, Chat Completions (schema sample)",
            fixtures=_fx("heroku", "chat_reference_schema.json"),
            tests=("tests/compat_b/test_references.py",),
        ),
    ),
    "ragflow": (
        Reference(
            "docs_sample",
            "infiniflow/ragflow@0120001e:docs/references/http_api_reference.md",
            fixtures=_fx(
                "ragflow",
                "agent_completion_reference_docs.json",
                "chat_completion_docs.json",
                "chat_stream_docs.sse",
                "error_not_from_user.json",
            ),
            tests=("tests/compat_b/test_references.py",),
        ),
    ),
    "abliteration": _gap(
        "abliteration",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/abliteration) and "
        "`litellm/llms/abliteration/` or `litellm/llms/openai_like/providers.json` in "
        "BerriAI/litellm. (2026-12-02)",
    ),
    "aiand": _gap(
        "aiand",
        "docs.aiand.com via neurolink's ai& guide and mastra's page; LiteLLM. (2026-12-02)",
    ),
    "aihubmix": _gap(
        "aihubmix",
        "docs.aihubmix.com (LiteLLM and client guides only in the stored copies), the AI SDK "
        "community provider page (@aihubmix/ai-sdk-provider, setup only), aisdk (Rust/R) wrappers "
        "(base URL and key only). No response example. (2026-12-02)",
    ),
    "aiml": _gap(
        "aiml",
        "LiteLLM's aiml page (env AIML_API_KEY, image generation), Haystack's aimlapi integration "
        "(base https://api.aimlapi.com/v1, AIMLAPI_API_KEY), api-evangelist's package list naming "
        "aimlapi-sdk-python (a Stainless client, release candidate only; not installed: an RC "
        "fork of the OpenAI SDK adds nothing over the OpenAI wire the emulator already checks). "
        "(2026-12-02)",
    ),
    "amazon_nova": _gap(
        "amazon_nova",
        "the Nova developer docs (nova.amazon.com/dev/documentation, not in the stored corpora); "
        "amazon-nova-api/getting-started-with-nova-api@98670a93 notebooks (every output cell stripped); "
        "amazon-nova-api/langchain-amazon-nova (no tests stored); docs.aws.amazon.com's Nova-on-SageMaker"
        " API reference (request formats of another route); LiteLLM's "
        "`litellm/llms/amazon_nova/chat/transformation.py` (base https://api.nova.amazon.com/v1, "
        "AMAZON_NOVA_API_KEY). (2026-12-02)",
    ),
    "anyscale": _gap(
        "anyscale",
        "https://docs.anyscale.com/endpoints/text-generation/query-a-model (the retirement "
        "notice; its 'Example output' is a Python repr of an openai-SDK object, shown truncated, "
        "not a wire body); LiteLLM's anyscale page (app.endpoints.anyscale.com); Anyscale's docs "
        "no longer document a hosted Endpoints API. (2026-12-02)",
    ),
    "assemblyai": (
        Reference(
            "docs_sample",
            "assemblyai.com/docs/api-reference/llm-gateway/create-chat-completion (the response "
            "example of its published specs/llm-gateway.yaml: usage as input/output_tokens only)",
            fixtures=_fx("assemblyai", "docs_create_chat_completion.json"),
            tests=("tests/mmerr/test_assemblyai_usage.py",),
        ),
        Reference(
            "sdk",
            "assemblyai (PyPI; its LLMGateway client), both directions; its unit tests' bodies "
            "(AssemblyAI/assemblyai-python-sdk@02dac14c:tests/unit/test_llm_gateway.py)",
            fixtures=_fx(
                "assemblyai",
                "sdk_test_completion.json",
                "sdk_test_stream.sse",
                "sdk_test_error_400.json",
                "sdk_test_error_401.json",
                "sdk_test_error_500.json",
            ),
            tests=(_REFS_C + "test_assemblyai.py",),
        ),
    ),
    "charity_engine": _gap(
        "charity_engine",
        "LiteLLM's JSON provider table only (base "
        "https://api.charityengine.services/remotejobs/v2/inference, CHARITY_ENGINE_API_KEY). "
        "`search` (docs) for Charity Engine inference returned nothing of the provider's own. "
        "Unverified. (2026-12-02)",
    ),
    "clf_ai_gateway": _gap(
        "clf_ai_gateway",
        "LiteLLM's clf_ai_gateway page (base https://api.clfaigateway.dev/v1, "
        "CLF_AI_GATEWAY_API_KEY, every model a reasoning model). The provider's "
        "https://clfaigateway.dev/docs was not in the stored corpora. (2026-12-02)",
    ),
    "cognition": _gap(
        "cognition",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/cognition) and "
        "`litellm/llms/cognition/` or `litellm/llms/openai_like/providers.json` in "
        "BerriAI/litellm; docs.devin.ai documents Devin, not this inference API. (2026-12-02)",
    ),
    "compactifai": _gap(
        "compactifai",
        "docs.compactif.ai (via LiteLLM's page), LiteLLM's compactifai page; no SDK or OpenAPI "
        "file found. (2026-12-02)",
    ),
    "coralbricks": _gap(
        "coralbricks",
        "LiteLLM's coralbricks page (base https://inference.coralbricks.ai/v1, "
        "CORALBRICKS_API_KEY). No provider API reference in the stored corpora. (2026-12-02)",
    ),
    "cortecs": _gap(
        "cortecs",
        "`search` (docs) for cortecs returned only unrelated pages (Snowflake Cortex); base URL "
        "and key from LiteLLM's provider list. Unverified against docs.cortecs.ai. (2026-12-02)",
    ),
    "darkbloom": (
        Reference(
            "docs_sample",
            "Layr-Labs/d-inference@e515244f:coordinator/internal/api/openai_compat_test.go and "
            "consumer_test.go (the coordinator's own test streams; its null-fixing rules)",
            fixtures=_fx(
                "darkbloom", "coordinator_stream_format_test.sse", "backend_chunks_normalize_bench.sse"
            ),
            tests=(_REFS_F,),
        ),
    ),
    "docker_model_runner": (
        Reference(
            "docs_sample",
            "docker/model-runner@642c7211:README.md (chat reply) and cmd/cli/desktop/desktop_test.go "
            "(the CLI's test stream and llama.cpp's Jinja error body)",
            fixtures=_fx(
                "docker_model_runner",
                "chat_readme.json",
                "chat_stream_cli_test.sse",
                "error_jinja_500_cli_test.json",
            ),
            tests=(_REFS_F,),
        ),
    ),
    "empiriolabs": _gap(
        "empiriolabs",
        "neurolink's provider guide (which quotes docs.empiriolabs.ai: 'Accepts the same request "
        "body as the OpenAI Chat Completions API', base https://api.empiriolabs.ai/v1). No "
        "response example. (2026-12-02)",
    ),
    "empower": _gap(
        "empower",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/empower) and "
        "`litellm/llms/empower/` or `litellm/llms/openai_like/providers.json` in BerriAI/litellm; "
        "empower.dev's documentation could not be found in any corpus. (2026-12-02)",
    ),
    "galadriel": _gap(
        "galadriel",
        "2026-12-03: find_string api.galadriel.com (client configs, rig-core, a vsock proxy script; "
        "no reply bodies); galadriel-ai/distributed-inference@54774f80 (the api.galadriel.com "
        "server: routers return the openai package's ChatCompletion models, errors from "
        "service/error_responses.py; its unit tests build bodies from mocks, none recorded); "
        "2026-12-02: LiteLLM's page, rig-core's client (base https://api.galadriel.com/v1/verified). "
        "No response example of the provider's own",
    ),
    "gmi": _gap(
        "gmi",
        "LiteLLM's JSON provider table (base https://api.gmi-serving.com/v1, GMI_API_KEY). GMI "
        "Cloud's docs pages were not found in the stored corpora. (2026-12-02)",
    ),
    "helicone": _gap(
        "helicone",
        "Helicone/helicone docs/rest/ai-gateway/post-v1-chat-completions.mdx (request examples only) and "
        "docs/ai-gateway.openapi.json (request schemas derived from Zod; the 200 answer is 'Request "
        "accepted', no schema or example); the gateway worker tests mock upstream providers and assert "
        "single fields only; the repository snapshot (680 MB) is over the fetch limit. LiteLLM's JSON "
        "table writes the bare host https://ai-gateway.helicone.ai/. The Helicone-* header names are "
        "Helicone's documented request headers. (2026-12-02)",
    ),
    "hostinger_router": _gap(
        "hostinger_router",
        "LiteLLM's hostinger_router page (base https://router.hostinger.com/v1), Mastra / "
        "models.dev (HOSTINGER_ROUTER_API_KEY). Hostinger's product page has no API reference. "
        "(2026-12-02)",
    ),
    "inferenceapis": _gap(
        "inferenceapis",
        "LiteLLM's inferenceapis page (base https://api.inferenceapis.com/v1; links "
        "https://inferenceapis.com/docs, not in the stored corpora). (2026-12-02)",
    ),
    "lemonade": (
        Reference(
            "docs_sample",
            "lemonade-sdk/lemonade@05f08f88:docs/api/openai.md (the server spec's response formats)",
            fixtures=_fx("lemonade", "chat_completion_docs.json", "chat_stream_chunk_docs.json"),
            tests=(_REFS_A,),
        ),
    ),
    "libertai": _gap(
        "libertai",
        "client code and READMEs using https://api.libertai.io/v1 and LIBERTAI_API_KEY (embedding "
        "model bge-m3). No response example. (2026-12-02)",
    ),
    "litellm_proxy": (
        Reference(
            "docs_sample",
            "BerriAI/litellm@019bc73c:docs/my-website/docs/proxy/docker_quick_start.md "
            "(LiteLLM's own proxy docs: a chat completion and the rpm-limit 429)",
            fixtures=_fx(
                "litellm_proxy",
                "docs_quick_start_chat_completion.json",
                "docs_quick_start_rate_limit_429.json",
            ),
            tests=(_REFS_H,),
        ),
    ),
    "llamagate": _gap(
        "llamagate",
        "LiteLLM's JSON provider table only (base https://api.llamagate.dev/v1, "
        "LLAMAGATE_API_KEY). Unverified. (2026-12-02)",
    ),
    "maritalk": _gap(
        "maritalk",
        "the official SDK `maritalk` 0.3.2 (PyPI): it calls the native /chat/inference route with "
        "`Authorization: Key ...`, not the OpenAI-compatible /chat/completions, so it cannot be a "
        "reference for this row; LiteLLM's maritalk page. (2026-12-02)",
    ),
    "meta": (
        Reference(
            "docs_sample",
            "https://dev.meta.ai/docs/protocols/chat-completions (example response) and "
            "https://dev.meta.ai/docs/error-handling (error bodies), Meta Model API docs",
            fixtures=(
                *_fx("meta", "docs_chat_completion.json", "docs_error_400_top_p.json"),
                *_fx("meta", "docs_error_401.json", "docs_error_402.json", "docs_error_404_model.json"),
                *_fx("meta", "docs_error_429.json", "docs_error_503_overloaded.json", "docs_error_504.json"),
            ),
            tests=(_REFS_H,),
        ),
    ),
    "morph": _gap(
        "morph",
        "docs.morphllm.com/api-reference/openapi.json (Morph API 1.2.0; only its info, servers and tags "
        "are in the stored excerpt, no response example reachable), neurolink's Morph guide (string-only "
        "message content; tools unsupported), mastra's and LiteLLM's morph pages; find_string 'uri: "
        "https://api.morphllm.com' finds no cassette; morphllm/* repositories hold clients and plugins "
        "only. (2026-12-02)",
    ),
    "nano_gpt": _gap(
        "nano_gpt",
        "docs.nano-gpt.com text-generation, endpoint/chat-completion and miscellaneous/streaming-protocol"
        " pages (base https://nano-gpt.com/api/v1, X-Provider header, billing_mode, a subscription base "
        "/api/subscription/v1); their stored excerpts end before any response body; no docs repository "
        "found. (2026-12-02)",
    ),
    "neosantara": _gap(
        "neosantara",
        "LiteLLM's neosantara page; docs.neosantara.xyz not in any corpus. (2026-12-02)",
    ),
    "oobabooga": _gap(
        "oobabooga",
        "oobabooga/text-generation-webui@1dcde41d: docs/12 - OpenAI API.md (request examples; its only "
        "printed output is an image's b64_json), modules/api/completions.py and typing.py (the response "
        "builder: reasoning_content in message and delta, content null beside tool_calls, usage on the "
        "last chunk; code, not a printed body, so nothing copied), modules/api/script.py (Bearer check; "
        "x-api-key on its Anthropic route); LiteLLM's transformation sends 'Authorization: Token'. "
        "(2026-12-02)",
    ),
    "opencode_go": _gap(
        "opencode_go",
        "opencode.ai/docs/go (via LiteLLM's opencode_go page, rig-core's opencode module and "
        "Bifrost's page). (2026-12-02)",
    ),
    "openinfer": _gap(
        "openinfer",
        "LiteLLM's release notes (#34623: OpenInfer as a JSON-configured provider, "
        "OPENINFER_API_KEY / OPENINFER_API_BASE) and a LiteLLM test asserting base "
        "https://api.openinfer.ai/v1; OpenInfer's own samples use studio.openinfer.io and "
        "platform.openinfer.io (Responses API). Unverified. (2026-12-02)",
    ),
    "pinstripes": _gap(
        "pinstripes",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/pinstripes) and "
        "`litellm/llms/pinstripes/` or `litellm/llms/openai_like/providers.json` in "
        "BerriAI/litellm; providers.json says https://pinstripes.io/v1 (other catalogues say "
        "api.pinstripes.io). (2026-12-02)",
    ),
    "poe": (
        Reference(
            "recorded",
            "poe-platform/ai-sdk-provider-poe@74c68dcf:.snapshots/ (Poe's own AI SDK provider: "
            "its integration tests record api.poe.com/v1 replies; bodies copied out)",
            fixtures=_fx(
                "poe",
                "ai_sdk_snapshot_kimi_k2_5_tool_call.json",
                "ai_sdk_snapshot_kimi_k2_thinking.json",
                "ai_sdk_snapshot_error_400_tools_unsupported.json",
            ),
            tests=(_REFS_I,),
        ),
    ),
    "prism": _gap(
        "prism",
        "LiteLLM's prism page (base https://api.prisminference.com/v1; links "
        "https://docs.prisminference.com, not in the stored corpora). (2026-12-02)",
    ),
    "publicai": _gap(
        "publicai",
        "LiteLLM's publicai page and providers.json entry (convert_content_list_to_string); "
        "platform.publicai.co. (2026-12-02)",
    ),
    "refuseless": _gap(
        "refuseless",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/refuseless) and "
        "`litellm/llms/refuseless/` or `litellm/llms/openai_like/providers.json` in "
        "BerriAI/litellm. (2026-12-02)",
    ),
    "reka": _gap(
        "reka",
        "PyPI `reka-api` 3.2.0 (2024) is the SDK of Reka's older native API (X-Api-Key, /v1/chat), not of"
        " the OpenAI-compatible route; docs.reka.ai/chat prints the answer text through the openai SDK, "
        "not a body; LiteLLM's reka page; neurolink's Reka guide (docs-verified only). (2026-12-02) "
        "2026-12-03: find_repos 'reka-ai' (reka-cli, n8n-nodes-reka: vision/clip APIs, no chat "
        "fixtures); reka-ai/api-examples-python@95227881:'notebook-request/Use Reka Research with "
        "requests.ipynb' posts to api.reka.ai/v1/chat/completions but prints only fields read out of the"
        " reply (message.reasoning_steps[] with role, reasoning_content, tool_calls[].name/args; then "
        "content), not the body; find_string 'api.reka.ai/v1/chat' (client code only).",
    ),
    "scx_ai": _gap(
        "scx_ai",
        "LiteLLM's scx_ai page (route `scx-ai/`), mastra's SCX page; platform.scx.ai/docs not in "
        "any corpus. (2026-12-02)",
    ),
    "streamlake": _gap(
        "streamlake",
        "LiteLLM's streamlake page (PR #41006); streamlake.ai API documentation link only. (2026-12-02)",
    ),
    "synthetic": _gap(
        "synthetic",
        "LiteLLM's synthetic page and providers.json entry; synthetic.new. (2026-12-02)",
    ),
    "tencent": _gap(
        "tencent",
        "LiteLLM's tencent (TokenHub) page; Tencent Cloud TokenHub and Hunyuan docs via search "
        "(trtc.io/document/79679 names the OpenAI-compatible "
        "https://hunyuan.cloud.tencent.com/openai/v1/chat/completions, request config only; "
        "tencentcloud.com's Hunyuan API pages document the signed ChatCompletions action); "
        "tencentcloud-sdk-python speaks the signed TC3 API, not this route. (2026-12-02)",
    ),
    "tensormesh": (
        Reference(
            "docs_sample",
            "Tensormesh-Production/tensormesh-ai-sdk-provider@23ed39a0:tests/tensormesh-provider."
            "test.mjs (the official AI SDK provider's test reply and stream; values made up)",
            fixtures=_fx("tensormesh", "ai_sdk_provider_test_chat.json", "ai_sdk_provider_test_stream.sse"),
            tests=(_REFS_I,),
        ),
    ),
    "v0": _gap(
        "v0",
        "v0.app/docs/v0-model-api and its vercel.com/docs/v0/api copies in the pages corpus (request "
        "tables; the stream example after 'Each line begins with data: followed by a partial delta' is in"
        " no stored excerpt); LiteLLM's `litellm/llms/v0/chat/transformation.py`; find_string "
        "'api.v0.dev/v1/chat/completions' (client code only, no recorded body). (2026-12-02)",
    ),
    "wally": _gap(
        "wally",
        "LiteLLM's wally page (PR #45662); docs.runanywhere.ai/wally-cloud/api. (2026-12-02)",
    ),
    "xiaomi_mimo": _gap(
        "xiaomi_mimo",
        "LiteLLM's xiaomi_mimo page and providers.json entry; platform.xiaomimimo.com docs are a "
        "single-page app not in any corpus. (2026-12-02)",
    ),
    "xinference": (
        Reference(
            "docs_sample",
            "xorbitsai/inference@7ecec16b:doc/source/getting_started/using_xinference.rst",
            fixtures=_fx("xinference", "chat_completion_docs.json"),
            tests=(_REFS_E_RECORDED,),
        ),
        _sdk("xinference-client (PyPI), both directions", "tests/refs_e/test_xinference_sdk.py"),
    ),
}


# Rows merged after the references pass of session 5, each with the reference its slice built.
_LATER: dict[str, tuple[Reference, ...]] = {
    "tgi": (
        Reference(
            "spec",
            "huggingface/text-generation-inference@db931fcf:docs/openapi.json",
            fixtures=("natives/tgi_openapi.json",),
            tests=("tests/natives/test_references.py",),
        ),
        _sdk("huggingface_hub (PyPI)", "tests/natives/test_references.py"),
    ),
    "tgi_generate": (
        Reference(
            "spec",
            "huggingface/text-generation-inference@db931fcf:docs/openapi.json",
            tests=("tests/natives/test_references.py",),
        ),
        _sdk("huggingface_hub (PyPI)", "tests/natives/test_references.py"),
    ),
    "lorax": (
        Reference(
            "spec",
            "predibase/lorax@a7394ba3:docs/reference/openapi.json",
            fixtures=("natives/lorax_openapi.json",),
            tests=("tests/natives/test_references.py",),
        ),
        _sdk(
            "lorax-client (PyPI; skipped when not installed: it pins huggingface-hub<1)",
            "tests/natives/test_references.py",
        ),
    ),
    "predibase": (
        Reference(
            "spec",
            "predibase/lorax@a7394ba3:docs/reference/openapi.json (Predibase serves LoRAX)",
            fixtures=("natives/lorax_openapi.json",),
            tests=("tests/natives/test_references.py",),
        ),
        _sdk("lorax-client (PyPI; Predibase serves LoRAX)", "tests/natives/test_references.py"),
    ),
    "triton": (
        Reference(
            "docs_sample",
            "triton-inference-server/server@0bd93bc8:docs/protocol/extension_generate.md",
            fixtures=("natives/triton_generate.json",),
            tests=("tests/natives/test_references.py",),
        ),
    ),
    "yandex": (
        Reference(
            "recorded",
            "yandex-cloud/yandex-cloud-ml-sdk@22d66d8:tests/models/cassettes/test_completions",
            fixtures=_fx(
                "regional",
                "yandex_test_function_call.json",
                "yandex_test_run.json",
                "yandex_test_run_stream.json",
            ),
            tests=("tests/regional/test_yandex_reference.py",),
        ),
        _sdk("yandexcloud (PyPI)", "tests/regional/test_yandex_reference.py"),
    ),
    # The auth half only: GitHub's docs print the device flow's bodies; the Copilot token exchange
    # (/copilot_internal/v2/token) is undocumented, and chat is OpenAI's format.
    "github_copilot": (
        Reference(
            "docs_sample",
            "github/docs@029b09ac:content/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.md "
            "(device flow: device code and access token bodies)",
            fixtures=_fx("github_copilot", "device_code_response.json", "access_token_response.json"),
            tests=(_REFS_G,),
        ),
    ),
    "naver_clova": _none(
        "Naver's OpenAI-compatible route docs (request sections only) and langchain-naver; no "
        "response sample reachable in the stores (2026-12-02)"
    ),
    "bedrock_cohere": (
        Reference(
            "docs_sample",
            "AWS Bedrock user guide, Cohere Command R parameters (shape with example values)",
            fixtures=("cloud13/bedrock_cohere_chat_request.json",),
            tests=("tests/cloud13/test_bedrock_cohere.py",),
        ),
    ),
    "bedrock_rerank": (
        _sdk("botocore bedrock-agent-runtime model (PyPI)", "tests/cloud13/test_bedrock_rerank.py"),
    ),
    "vertex_ai_ranking": (
        _sdk(
            "google-cloud-discoveryengine RankRequest/RankResponse (PyPI)",
            "tests/cloud13/test_vertex_ranking.py",
        ),
    ),
    "azure_ai_cohere": (_sdk("cohere ClientV2 (PyPI)", "tests/cloud13/test_azure_cohere.py"),),
    "nvidia_nim_rerank": (
        Reference(
            "docs_sample",
            "NVIDIA NIM reranking API docs (request verbatim; response logits illustrative)",
            fixtures=_fx("cloud13", "nim_ranking_request.json", "nim_ranking_response.json"),
            tests=("tests/cloud13/test_nim_rerank.py",),
        ),
    ),
    "nim_rerank": (
        Reference(
            "docs_sample",
            "NVIDIA NIM reranking API docs (request verbatim; response logits illustrative)",
            tests=("tests/cloud13/test_nim_rerank.py",),
        ),
    ),
    "nlp_cloud": (_sdk("nlpcloud (PyPI)", "tests/natives2/test_references.py"),),
    "petals": (
        Reference(
            "docs_sample",
            "petals-infra/chat.petals.dev@9e2faf06:README.md (the HTTP API's curl sample: its "
            "request and answer); the emulator from http_api.py there",
            fixtures=_fx("petals", "generate_ok.json", "generate_request.form"),
            tests=("tests/natives3/test_petals_references.py",),
        ),
    ),
    "bedrock": (
        *_BASE["bedrock"],
        Reference(
            "docs_sample",
            "AWS Bedrock user guide, Nova multimodal embeddings request schema",
            fixtures=("cloud13/nova_embed_request.json",),
            tests=("tests/cloud13/test_nova_embeddings.py",),
        ),
    ),
}

REFERENCES: Mapping[str, tuple[Reference, ...]] = {**_BASE, **_LATER}
