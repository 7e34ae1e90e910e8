"""The rows of the regional clouds, the local servers, more hosts and gateways
(``providers/compatible_regional.py``, ``compatible_local.py``, ``compatible_extra.py``), and of the
Anthropic-format gateways."""

from __future__ import annotations

from llmkit.providers._references.reference import (
    _CASSETTES,
    _REFS_A,
    _REFS_B_RECORDED,
    _REFS_B_SDK,
    _REFS_D,
    _REFS_E_RECORDED,
    _REFS_G,
    _REFS_I,
    Reference,
    _fx,
    _none,
    _sdk,
)

ROWS: dict[str, tuple[Reference, ...]] = {
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
}
