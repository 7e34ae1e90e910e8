"""The rows of Ollama and of the hosted OpenAI-compatible fleet (mostly
``providers/compatible_cloud.py`` and ``compatible_labs.py``)."""

from __future__ import annotations

from llmkit.providers._references.reference import (
    _CASSETTES,
    _FIXTURES,
    _FLEET_SDK,
    _PUBLISHED,
    _REFS_B_SDK,
    _REFS_C,
    _REFS_D,
    _SDK_PARITY,
    Reference,
    _fx,
    _gap,
    _none,
    _sdk,
)

ROWS: dict[str, tuple[Reference, ...]] = {
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
}
