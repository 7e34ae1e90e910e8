"""Servers you run yourself (locally or on your own cloud account) that speak OpenAI Chat Completions.

Local servers default to their documented ports and need no key; where a server can be started
with a key (``--api-key``), the key is optional and read from the listed variable.
"""

from __future__ import annotations

from llmkit.providers._compatible import CHAT, REASONING, STANDARD, caps, compat
from llmkit.providers.spec import Param

SPECS = (
    compat(
        "ollama",
        "Ollama (OpenAI route)",
        "http://localhost:11434/v1",
        (),
        "https://docs.ollama.com/api/openai-compatibility",
        capabilities=caps(REASONING, {"vision", "embeddings"}),
        auth="none",
        key_required=False,
        notes="OLLAMA_BASE_URL points elsewhere (e.g. http://gpu-box:11434/v1). Ollama ignores keys.",
    ),
    compat(
        "vllm",
        "vLLM server",
        "http://localhost:8000/v1",
        ("VLLM_API_KEY",),
        "https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html",
        capabilities=caps(REASONING, {"vision", "embeddings"}),
        key_required=False,
        body_options={
            n: n
            for n in ("top_k", "min_p", "repetition_penalty", "guided_json", "guided_regex", "guided_choice")
        },
        notes="The key is needed only if the server was started with --api-key.",
    ),
    compat(
        "sglang",
        "SGLang server",
        "http://localhost:30000/v1",
        ("SGLANG_API_KEY",),
        "https://docs.sglang.ai/basic_usage/openai_api_completions.html",
        capabilities=caps(REASONING, {"vision", "embeddings"}),
        key_required=False,
        body_options={n: n for n in ("top_k", "min_p", "repetition_penalty", "regex", "separate_reasoning")},
    ),
    compat(
        "lm_studio",
        "LM Studio",
        "http://localhost:1234/v1",
        ("LM_STUDIO_API_KEY",),
        "https://lmstudio.ai/docs/app/api/endpoints/openai",
        capabilities=caps(STANDARD, {"vision", "embeddings", "reasoning"}),
        key_required=False,
    ),
    compat(
        "llamacpp",
        "llama.cpp server",
        "http://127.0.0.1:8080/v1",
        ("LLAMACPP_API_KEY",),
        "https://github.com/ggml-org/llama.cpp/blob/master/tools/server/README.md",
        capabilities=caps(REASONING, {"vision", "embeddings"}),
        key_required=False,
        body_options={n: n for n in ("top_k", "min_p", "repeat_penalty", "grammar", "cache_prompt")},
        notes="The key is needed only with llama-server --api-key. Usage chunks carry timings (in .raw).",
    ),
    compat(
        "llamafile",
        "llamafile",
        "http://127.0.0.1:8080/v1",
        (),
        "https://github.com/mozilla-ai/llamafile",
        capabilities=CHAT,
        auth="none",
        key_required=False,
    ),
    compat(
        "modal",
        "Modal (your deployed endpoint)",
        "https://{workspace}--{label}.modal.run/v1",
        ("MODAL_API_KEY",),
        "https://modal.com/docs/guide/webhook-urls",
        capabilities=STANDARD,
        key_required=False,
        params={
            "workspace": Param(
                ("MODAL_WORKSPACE",), doc="your Modal workspace name", required=False, kind="dns_label"
            ),
            "label": Param(
                ("MODAL_ENDPOINT_LABEL",),
                doc="the endpoint label, usually <app>-<function>",
                required=False,
                kind="dns_label",
            ),
        },
        header_options={"modal_key": "Modal-Key", "modal_secret": "Modal-Secret"},
        notes=(
            "Modal runs your server (vLLM, SGLang, ...): pass workspace= and label= or base_url=. "
            "The API key is your server's own (e.g. vLLM --api-key); for endpoints with proxy auth add "
            "modal_key= and modal_secret= (sent as Modal-Key / Modal-Secret). Cold starts can be slow: "
            "raise timeout=."
        ),
    ),
    compat(
        "lepton",
        "Lepton AI / DGX Cloud Lepton (your endpoint)",
        "",
        ("LEPTON_API_TOKEN",),
        "https://docs.nvidia.com/dgx-cloud/lepton/features/endpoints/",
        capabilities=STANDARD,
        notes=(
            "Each Lepton LLM endpoint has its own URL: pass base_url='https://<endpoint>/api/v1' "
            "(or set LEPTON_BASE_URL) with the endpoint's token."
        ),
    ),
)
