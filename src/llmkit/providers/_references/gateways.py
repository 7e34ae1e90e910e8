"""The compat rows of issue 14 for gateways, routers and GPU hosts
(``providers/compatible_gateways.py``, ``compatible_hosts.py``)."""

from __future__ import annotations

from llmkit.providers._references.reference import _REFS_C, _REFS_H, _REFS_I, Reference, _fx, _gap, _sdk

ROWS: dict[str, tuple[Reference, ...]] = {
    # ------------------------------------------------------------ compat rows (issue 14)
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
    "empiriolabs": _gap(
        "empiriolabs",
        "neurolink's provider guide (which quotes docs.empiriolabs.ai: 'Accepts the same request "
        "body as the OpenAI Chat Completions API', base https://api.empiriolabs.ai/v1). No "
        "response example. (2026-12-02)",
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
    "nano_gpt": _gap(
        "nano_gpt",
        "docs.nano-gpt.com text-generation, endpoint/chat-completion and miscellaneous/streaming-protocol"
        " pages (base https://nano-gpt.com/api/v1, X-Provider header, billing_mode, a subscription base "
        "/api/subscription/v1); their stored excerpts end before any response body; no docs repository "
        "found. (2026-12-02)",
    ),
    "openinfer": _gap(
        "openinfer",
        "LiteLLM's release notes (#34623: OpenInfer as a JSON-configured provider, "
        "OPENINFER_API_KEY / OPENINFER_API_BASE) and a LiteLLM test asserting base "
        "https://api.openinfer.ai/v1; OpenInfer's own samples use studio.openinfer.io and "
        "platform.openinfer.io (Responses API). Unverified. (2026-12-02)",
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
}
