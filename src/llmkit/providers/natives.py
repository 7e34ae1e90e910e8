"""Native text-generation formats with a small surface (issue 14): Hugging Face TGI (its
OpenAI-compatible Messages API as ``tgi``, its ``generate`` API as ``tgi_generate``), LoRAX and
Predibase (TGI's ``generate`` with adapters) and NVIDIA Triton's ``generate`` extension.

Facts: TGI's OpenAPI document (huggingface/text-generation-inference ``docs/openapi.json``) and
its Messages API guide (``docs/source/messages_api.md``: "fully compatible with the OpenAI Chat
Completion API", from TGI 1.4.0); LoRAX's ``lorax-client`` types; Predibase's REST docs
(docs.predibase.com: ``serving.app.predibase.com/{tenant}/deployments/v2/llms/{deployment}/generate``,
``PREDIBASE_API_TOKEN``, ``PREDIBASE_TENANT_ID``); Triton's ``docs/protocol/extension_generate.md``.
"""

from __future__ import annotations

from llmkit.dialects.generate import GenerateQuirks
from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers.spec import Param, ProviderSpec

_GENERATE = frozenset({"chat", "stream", "json_schema", "json_object"})
# LoRAX's adapter options (its ``Parameters``): where the adapter comes from, and several merged.
_LORAX = GenerateQuirks(
    json_field="response_format",
    extra_options=frozenset(
        {"adapter_source", "merged_adapters", "ignore_eos_token", "return_k_alternatives"}
    ),
    chat_route="for conversations use LoRAX's OpenAI-compatible /v1/chat/completions",
)
_TGI_KEYS = ("TGI_API_KEY", "HF_TOKEN")

SPECS = (
    ProviderSpec(
        name="tgi",
        display_name="Hugging Face TGI (Messages API)",
        dialect="openai_chat",
        # No default: a TGI server (or Inference Endpoint) lives where its owner started it.
        base_url="",
        env_keys=_TGI_KEYS,
        key_required=False,
        quirks=OpenAIQuirks(chat_path="/v1/chat/completions"),
        capabilities=frozenset({"chat", "stream", "tools", "json_schema", "json_object", "vision"}),
        docs_url="https://huggingface.co/docs/text-generation-inference/messages_api",
        notes=(
            "base_url= (TGI_BASE_URL) is the server root; chat goes to its Messages API, which "
            "applies the model's chat template (the generate API cannot: use tgi_generate/ for raw "
            "prompts). The key (TGI_API_KEY, HF_TOKEN) is sent only when set: Inference Endpoints "
            "and servers started with --api-key take one."
        ),
    ),
    ProviderSpec(
        name="tgi_generate",
        display_name="Hugging Face TGI (generate API)",
        dialect="tgi_generate",
        base_url="",
        env_keys=_TGI_KEYS,
        key_required=False,
        quirks=GenerateQuirks(chat_route="for conversations use tgi/ (TGI's Messages API)"),
        capabilities=_GENERATE,
        docs_url="https://huggingface.github.io/text-generation-inference/",
        notes=(
            "/generate and /generate_stream with one raw prompt; base_url= (TGI_GENERATE_BASE_URL) "
            "is the server root. The model name is informational (a TGI server serves one model)."
        ),
    ),
    ProviderSpec(
        name="lorax",
        display_name="LoRAX",
        dialect="tgi_generate",
        base_url="",
        env_keys=("LORAX_API_KEY",),
        key_required=False,
        quirks=_LORAX,
        capabilities=_GENERATE,
        docs_url="https://loraexchange.ai/reference/rest_api/",
        notes=(
            "A LoRAX server's /generate and /generate_stream; base_url= (LORAX_BASE_URL) is its "
            "root. adapter_id= (and adapter_source=: hub, local, s3, pbase) picks a LoRA adapter per "
            "call. The model name is informational."
        ),
    ),
    ProviderSpec(
        name="predibase",
        display_name="Predibase",
        dialect="tgi_generate",
        base_url="https://serving.app.predibase.com/{tenant_id}/deployments/v2/llms",
        env_keys=("PREDIBASE_API_TOKEN", "PREDIBASE_API_KEY"),
        params={
            "tenant_id": Param(
                ("PREDIBASE_TENANT_ID",),
                doc="your tenant id (Settings > My Profile > Overview)",
                kind="path_segment",
                aliases=("tenant",),
            ),
        },
        quirks=GenerateQuirks(
            generate_path="/{model}/generate",
            stream_path="/{model}/generate_stream",
            json_field="response_format",
            extra_options=_LORAX.extra_options,
            chat_route="for conversations use Predibase's OpenAI-compatible route",
        ),
        capabilities=_GENERATE,
        docs_url="https://docs.predibase.com/inference/",
        notes=(
            "The model is the deployment name ('predibase/qwen3-8b'), sent as one path segment; "
            "adapter_id='repo/1' picks a fine-tuned adapter of it."
        ),
    ),
    ProviderSpec(
        name="triton",
        display_name="NVIDIA Triton Inference Server (generate)",
        dialect="triton_generate",
        base_url="{host}",
        env_keys=("TRITON_API_KEY",),
        key_required=False,
        params={
            "host": Param(
                ("TRITON_HOST",),
                "http://localhost:8000",
                doc="the server's HTTP root (no /v2), e.g. http://gpu-box:8000",
                kind="url_root",
            ),
        },
        capabilities=frozenset({"chat", "stream"}),
        docs_url="https://github.com/triton-inference-server/server/blob/main/docs/protocol/extension_generate.md",
        notes=(
            "/v2/models/{model}/generate and generate_stream; model_version= picks a version; the "
            "model's own parameters go in parameters={...}. No token counts, finish reason or tools."
        ),
    ),
)
