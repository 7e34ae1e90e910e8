"""The compat rows of issue 14 for model vendors and local servers
(``providers/compatible_vendors.py``, ``compatible_local_more.py``)."""

from __future__ import annotations

from llmkit.providers._references.reference import (
    _REFS_A,
    _REFS_E_RECORDED,
    _REFS_F,
    _REFS_H,
    _REFS_I,
    Reference,
    _fx,
    _gap,
    _sdk,
)

ROWS: dict[str, tuple[Reference, ...]] = {
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
    "empower": _gap(
        "empower",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/empower) and "
        "`litellm/llms/empower/` or `litellm/llms/openai_like/providers.json` in BerriAI/litellm; "
        "empower.dev's documentation could not be found in any corpus. (2026-12-02)",
    ),
    "lemonade": (
        Reference(
            "docs_sample",
            "lemonade-sdk/lemonade@05f08f88:docs/api/openai.md (the server spec's response formats)",
            fixtures=_fx("lemonade", "chat_completion_docs.json", "chat_stream_chunk_docs.json"),
            tests=(_REFS_A,),
        ),
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
    "pinstripes": _gap(
        "pinstripes",
        "LiteLLM's provider page (docs.litellm.ai/docs/providers/pinstripes) and "
        "`litellm/llms/pinstripes/` or `litellm/llms/openai_like/providers.json` in "
        "BerriAI/litellm; providers.json says https://pinstripes.io/v1 (other catalogues say "
        "api.pinstripes.io). (2026-12-02)",
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
