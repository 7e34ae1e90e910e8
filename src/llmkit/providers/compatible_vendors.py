"""Model vendors, regional vendors and small hosts that speak OpenAI Chat Completions.

One ``ProviderSpec`` each, written from the provider's own documentation or official SDK where
one exists; where only LiteLLM documents a provider, ``notes`` says so (unverified). Retired
services are kept, as the ``lambda_ai`` row is, with the page that says they are gone.
"""

from __future__ import annotations

from typing import Any

from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import OpenAIQuirks
from llmkit.providers._compatible import CHAT, REASONING, STANDARD, VISION, caps, compat

# Providers whose only public description is LiteLLM's provider page.
_LITELLM_ONLY = "Only LiteLLM documents this route (no provider API reference was found): unverified."


def text_parts_as_string_body_hook(body: dict[str, Any], req: ChatRequest, ctx: CallContext) -> None:
    """Messages whose content is a list of text parts only are sent as one string.

    For servers that take ``content`` only as a string (PublicAI); a message with an image part
    is left alone, so that the server refuses it rather than losing the image.
    """
    for message in body.get("messages") or ():
        parts = message.get("content")
        if isinstance(parts, list) and parts and all(p.get("type") == "text" for p in parts):
            message["content"] = "".join(str(p.get("text", "")) for p in parts)


SPECS = (
    compat(
        "amazon_nova",
        "Amazon Nova (OpenAI-compatible API)",
        "https://api.nova.amazon.com/v1",
        ("AMAZON_NOVA_API_KEY",),
        "https://nova.amazon.com/dev/documentation",
        capabilities=caps(CHAT, {"reasoning"}),
        body_options={"reasoning_effort": "reasoning_effort", "metadata": "metadata"},
        notes=(
            "Nova's own API (keys from the Nova developer console), not Bedrock: for Nova on Bedrock use "
            "bedrock/amazon.nova-*. reasoning_effort= on Nova 2 models."
        ),
    ),
    compat(
        "meta",
        "Meta Model API (Muse)",
        "https://api.meta.ai/v1",
        ("MODEL_API_KEY", "META_API_KEY"),
        "https://dev.meta.ai/docs/protocols/chat-completions",
        capabilities=caps(VISION, {"reasoning"}),
        body_options={"reasoning_effort": "reasoning_effort"},
        # Meta's error-handling page: a 504 gateway_timeout (non-streaming time limit) recurs if
        # the same request is simply retried; the caller should stream or shrink the request.
        quirks=OpenAIQuirks(
            max_tokens_field="max_completion_tokens",
            no_retry_codes=frozenset({"insufficient_quota", "gateway_timeout"}),
        ),
        notes=(
            "Meta's current hosted API (Muse Spark models), not the Llama API (meta_llama, "
            "api.llama.com), whose public preview was retired. MODEL_API_KEY is Meta's own variable; "
            "META_API_KEY is LiteLLM's."
        ),
    ),
    compat(
        "anyscale",
        "Anyscale Endpoints (retired)",
        "https://api.endpoints.anyscale.com/v1",
        ("ANYSCALE_API_KEY",),
        "https://docs.anyscale.com/endpoints/text-generation/query-a-model",
        capabilities=CHAT,
        notes=(
            "Anyscale's docs say that from August 1, 2024 the Endpoints API is available only through "
            "the hosted Anyscale Platform and multi-tenant access to LLM models is removed: the shared "
            "endpoint no longer serves models. The row is kept so old anyscale/ code fails with a clear "
            "address, and so that a model you deploy on Anyscale works with base_url=."
        ),
    ),
    compat(
        "compactifai",
        "CompactifAI (Multiverse Computing)",
        "https://api.compactif.ai/v1",
        ("COMPACTIFAI_API_KEY",),
        "https://docs.compactif.ai/",
        capabilities=caps(CHAT, {"json_object"}),
        notes="Keys come through the AWS Marketplace subscription (MultiverseIAM dashboard).",
    ),
    compat(
        "cognition",
        "Cognition (SWE models)",
        "https://api.cognition.ai/v1",
        ("COGNITION_API_KEY",),
        "https://docs.devin.ai",
        capabilities=CHAT,
        notes=_LITELLM_ONLY,
    ),
    compat(
        "empower",
        "Empower",
        "https://app.empower.dev/api/v1",
        ("EMPOWER_API_KEY",),
        "https://empower.dev",
        capabilities=CHAT,
        notes=_LITELLM_ONLY + " Function-calling models empower-functions and empower-functions-small.",
    ),
    compat(
        "maritalk",
        "Maritaca AI (MariTalk / Sabiá)",
        "https://chat.maritaca.ai/api",
        ("MARITALK_API_KEY",),
        "https://docs.maritaca.ai/",
        capabilities=CHAT,
        body_options={"top_k": "top_k"},
        notes="The base URL has no /v1: chat is https://chat.maritaca.ai/api/chat/completions.",
    ),
    compat(
        "morph",
        "Morph (Fast Apply)",
        "https://api.morphllm.com/v1",
        ("MORPH_API_KEY",),
        "https://docs.morphllm.com/",
        capabilities=frozenset({"chat", "stream"}),
        notes=(
            "Morph's apply models merge an edit into code: send '<instruction>…</instruction>"
            "<code>…</code><update>…</update>' as the user message; the answer is the merged code."
        ),
    ),
    compat(
        "reka",
        "Reka",
        "https://api.reka.ai/v1",
        ("REKA_API_KEY",),
        "https://docs.reka.ai/quickstart",
        capabilities=caps(VISION, {"reasoning"}),
    ),
    compat(
        "sarvam",
        "Sarvam AI",
        "https://api.sarvam.ai/v1",
        ("SARVAM_API_KEY",),
        "https://docs.sarvam.ai/api-reference-docs/chat/chat-completions",
        capabilities=caps(CHAT, {"reasoning"}),
        # The official SDK (sarvamai) sends the key as api-subscription-key.
        auth_header="api-subscription-key",
        auth_prefix="",
        body_options={n: n for n in ("reasoning_effort", "wiki_grounding", "top_k")},
        notes="The key travels in the api-subscription-key header, as Sarvam's SDK sends it.",
    ),
    compat(
        "tencent",
        "Tencent TokenHub (Hunyuan and hosted models)",
        "https://tokenhub-intl.tencentmaas.com/v1",
        ("TENCENT_API_KEY", "HUNYUAN_API_KEY"),
        "https://www.tencentcloud.com/document/product/1300",
        capabilities=REASONING,
        regions={
            "intl": "https://tokenhub-intl.tencentmaas.com/v1",
            "cn": "https://tokenhub.tencentmaas.com/v1",
            "hunyuan": "https://api.hunyuan.cloud.tencent.com/v1",
        },
        default_region="intl",
        body_options={"enable_enhancement": "enable_enhancement"},
        notes=(
            "region='intl' (TokenHub international, the default), 'cn' (TokenHub China) or 'hunyuan' "
            "(Hunyuan's own OpenAI-compatible endpoint, key from the Hunyuan console). Keys are per "
            "endpoint."
        ),
    ),
    compat(
        "xiaomi_mimo",
        "Xiaomi MiMo",
        "https://api.xiaomimimo.com/v1",
        ("XIAOMI_MIMO_API_KEY",),
        "https://platform.xiaomimimo.com/#/docs",
        capabilities=REASONING,
        body_options={"thinking": "thinking"},
    ),
    compat(
        "streamlake",
        "StreamLake (Kuaishou Vanchin)",
        "https://vanchin.streamlake.ai/api/gateway/v1/endpoints",
        ("STREAMLAKE_API_KEY",),
        "https://streamlake.ai/document/DOC/mg6k6nlp8j6qxicx4c9",
        capabilities=CHAT,
        notes="The model is a model name or your endpoint id (ep-...).",
    ),
    compat(
        "neosantara",
        "Neosantara",
        "https://api.neosantara.xyz/v1",
        ("NEOSANTARA_API_KEY",),
        "https://docs.neosantara.xyz",
        capabilities=STANDARD,
    ),
    compat(
        "publicai",
        "Public AI Inference Utility",
        "https://api.publicai.co/v1",
        ("PUBLICAI_API_KEY",),
        "https://platform.publicai.co/",
        capabilities=CHAT,
        quirks=OpenAIQuirks(body_hook=text_parts_as_string_body_hook),
        notes="Message content made of text parts only is sent as one string (the API takes strings).",
    ),
    compat(
        "v0",
        "v0 Model API (Vercel)",
        "https://api.v0.dev/v1",
        ("V0_API_KEY",),
        "https://v0.dev/docs/v0-model-api",
        capabilities=caps(CHAT, {"vision"}),
        # The request body reference lists messages, model, stream, tools and tool_choice only.
        quirks=OpenAIQuirks(stream_usage=False),
        notes=(
            "The v0 Model API documents only messages, model, stream, tools and tool_choice; other "
            "parameters (temperature, max_tokens, ...) may be refused."
        ),
    ),
    compat(
        "synthetic",
        "Synthetic",
        "https://api.synthetic.new/openai/v1",
        ("SYNTHETIC_API_KEY",),
        "https://synthetic.new",
        capabilities=REASONING,
    ),
    compat(
        "tensormesh",
        "Tensormesh serverless inference",
        "https://serverless.tensormesh.ai/v1",
        ("TENSORMESH_INFERENCE_API_KEY", "TENSORMESH_API_KEY"),
        "https://docs.tensormesh.ai",
        capabilities=REASONING,
        notes="Serverless models; dedicated gateways have their own base_url=.",
    ),
    compat(
        "sail",
        "Sail Research",
        "https://api.sailresearch.com/v1",
        ("SAIL_API_KEY",),
        "https://docs.sailresearch.com/api-reference/chat-completions-api/create-a-chat-completion",
        capabilities=caps(CHAT, {"json_schema", "vision", "reasoning"}),
        body_options={"reasoning_effort": "reasoning_effort", "metadata": "metadata"},
        # The published request schema names max_completion_tokens (no max_tokens).
        quirks=OpenAIQuirks(max_tokens_field="max_completion_tokens"),
        header_options={"idempotency_key": "Idempotency-Key"},
        notes=(
            "metadata={'completion_window': 'asap'|'priority'|'standard'|'flex'} picks the latency tier; "
            "idempotency_key= makes a request retry-safe (Idempotency-Key)."
        ),
    ),
    compat(
        "scx_ai",
        "SCX.ai",
        "https://api.scx.ai/v1",
        ("SCX_API_KEY",),
        "https://platform.scx.ai/docs",
        capabilities=caps(STANDARD, {"reasoning", "vision"}),
    ),
    compat(
        "refuseless",
        "Refuseless",
        "https://api.refuseless.com/v1",
        ("REFUSELESS_API_KEY",),
        "https://refuseless.com",
        capabilities=REASONING,
        body_options={"reasoning_effort": "reasoning_effort"},
        notes=_LITELLM_ONLY,
    ),
    compat(
        "abliteration",
        "Abliteration",
        "https://api.abliteration.ai/v1",
        ("ABLITERATION_API_KEY",),
        "https://abliteration.ai",
        capabilities=CHAT,
        notes=_LITELLM_ONLY,
    ),
    compat(
        "aiand",
        "ai&",
        "https://api.aiand.com/v1",
        ("AIAND_API_KEY",),
        "https://docs.aiand.com/",
        capabilities=REASONING,
    ),
    compat(
        "darkbloom",
        "Darkbloom (private inference on attested Macs)",
        "https://api.darkbloom.dev/v1",
        ("DARKBLOOM_API_KEY",),
        "https://github.com/Layr-Labs/d-inference/blob/master/docs/consumer/quickstart.md",
        capabilities=CHAT,
        notes=(
            "A request reserves its worst-case cost first: an empty balance is HTTP 402 "
            "(PaymentRequiredError). Answers carry a darkbloom object (provider, charge) in .raw."
        ),
    ),
    compat(
        "pinstripes",
        "Pinstripes",
        "https://pinstripes.io/v1",
        ("PINSTRIPES_API_KEY",),
        "https://pinstripes.io",
        capabilities=CHAT,
        notes="Model ids carry the ps/ prefix (ps/deepseek-v4-flash). " + _LITELLM_ONLY,
    ),
    compat(
        "opencode_go",
        "OpenCode Go",
        "https://opencode.ai/zen/go/v1",
        ("OPENCODE_API_KEY",),
        "https://opencode.ai/docs/go/",
        capabilities=REASONING,
        header_options={"session_id": "x-opencode-session"},
        notes=(
            "Pass session_id= (sent as x-opencode-session), one per conversation: Go routes a "
            "conversation's turns together by it and may refuse requests without it. Go serves some "
            "models (MiniMax, Qwen) only on Anthropic Messages; use this row for its Chat Completions "
            "models (GLM, Kimi, DeepSeek, MiMo)."
        ),
    ),
    compat(
        "zerogpu",
        "ZeroGPU",
        "https://api.zerogpu.ai/v1",
        ("ZEROGPU_API_KEY",),
        "https://docs.zerogpu.ai",
        capabilities=CHAT,
        # The official SDK (zerogpu-api) sends x-api-key and x-project-id on every request.
        auth_header="x-api-key",
        auth_prefix="",
        header_options={"project_id": "x-project-id"},
        body_options={"metadata": "metadata"},
        notes="project_id= (your ZeroGPU project, ZEROGPU_PROJECT_ID in the SDK) is sent as x-project-id.",
    ),
    compat(
        "wally",
        "Wally (RunAnywhere)",
        "https://inference.runanywhere.ai/v1",
        ("WALLY_API_KEY",),
        "https://docs.runanywhere.ai/wally-cloud/api",
        capabilities=CHAT,
    ),
)
