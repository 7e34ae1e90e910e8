"""OpenAI-compatible providers based in China and Asia, most with an international and a China host.

``region=`` picks the host; the first-listed region is the default.
"""

from __future__ import annotations

from llmkit.dialects.openai_chat import DEFAULT_QUIRKS, OpenAIQuirks
from llmkit.providers import _minimax, _quirks
from llmkit.providers._compatible import FULL, REASONING, STANDARD, VISION, caps, compat

SPECS = (
    compat(
        "volcengine",
        "Volcengine Ark / BytePlus ModelArk",
        "https://ark.cn-beijing.volces.com/api/v3",
        ("ARK_API_KEY", "VOLCENGINE_API_KEY"),
        "https://www.volcengine.com/docs/82379/1494384",
        capabilities=caps(VISION, {"reasoning", "embeddings"}),
        regions={
            "cn": "https://ark.cn-beijing.volces.com/api/v3",
            "byteplus": "https://ark.ap-southeast.bytepluses.com/api/v3",
        },
        default_region="cn",
        body_options={"thinking": "thinking"},
        quirks=OpenAIQuirks(body_hook=_quirks.thinking_type_body_hook),
        notes=(
            "region='cn' (Volcengine, Beijing) or 'byteplus' (BytePlus ModelArk, international). "
            "thinking='enabled'|'disabled'|'auto' is sent as {'type': ...}; reasoning streams as "
            "reasoning_content. The model may be an endpoint id (ep-...)."
        ),
    ),
    compat(
        "dashscope",
        "Alibaba Cloud Model Studio (Qwen / DashScope)",
        "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        ("DASHSCOPE_API_KEY",),
        "https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope",
        capabilities=FULL,
        regions={
            "intl": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
            "cn": "https://dashscope.aliyuncs.com/compatible-mode/v1",
        },
        default_region="intl",
        body_options={
            n: n for n in ("enable_thinking", "thinking_budget", "enable_search", "search_options", "top_k")
        },
        notes="region='intl' (Singapore) or 'cn' (Beijing); keys are per region.",
    ),
    compat(
        "zai",
        "Z.ai (GLM)",
        "https://api.z.ai/api/paas/v4",
        ("ZAI_API_KEY",),
        "https://docs.z.ai/api-reference/llm/chat-completion",
        capabilities=caps(VISION, {"reasoning"}),
        regions={"intl": "https://api.z.ai/api/paas/v4", "coding": "https://api.z.ai/api/coding/paas/v4"},
        default_region="intl",
        body_options={"thinking": "thinking", "do_sample": "do_sample", "request_id": "request_id"},
        quirks=OpenAIQuirks(body_hook=_quirks.thinking_type_body_hook),
        notes="region='coding' for the GLM Coding Plan. Errors carry 4-digit string codes (1001, 1302, ...).",
    ),
    compat(
        "zhipu",
        "Zhipu AI BigModel (China)",
        "https://open.bigmodel.cn/api/paas/v4",
        ("ZHIPUAI_API_KEY", "BIGMODEL_API_KEY"),
        "https://docs.bigmodel.cn/api-reference",
        capabilities=caps(VISION, {"reasoning", "embeddings"}),
        body_options={"thinking": "thinking", "do_sample": "do_sample", "request_id": "request_id"},
        quirks=OpenAIQuirks(body_hook=_quirks.thinking_type_body_hook),
        notes="The mainland-China twin of zai (same API, separate accounts and keys).",
    ),
    compat(
        "moonshot",
        "Moonshot AI (Kimi)",
        "https://api.moonshot.ai/v1",
        ("MOONSHOT_API_KEY",),
        "https://platform.moonshot.ai/docs/api/chat",
        capabilities=caps(VISION, {"reasoning"}),
        regions={"intl": "https://api.moonshot.ai/v1", "cn": "https://api.moonshot.cn/v1"},
        default_region="intl",
        notes="region='intl' (moonshot.ai) or 'cn' (moonshot.cn); keys are per platform.",
    ),
    compat(
        "qianfan",
        "Baidu Qianfan (v2)",
        "https://qianfan.baidubce.com/v2",
        ("QIANFAN_API_KEY",),
        "https://cloud.baidu.com/doc/qianfan-api/s/3m7of64lb",
        capabilities=caps(STANDARD, {"reasoning", "embeddings"}),
        header_options={"appid": "appid"},
        notes="The OpenAI-compatible v2 API with a bce-v3/ALTAK-... API key (not the v1 access-token flow).",
    ),
    compat(
        "minimax",
        "MiniMax",
        "https://api.minimax.io/v1",
        ("MINIMAX_API_KEY",),
        "https://platform.minimax.io/docs/api-reference/text-openai-api",
        capabilities=REASONING,
        regions={"intl": "https://api.minimax.io/v1", "cn": "https://api.minimaxi.com/v1"},
        default_region="intl",
        body_options={"reasoning_split": "reasoning_split"},
        quirks=OpenAIQuirks(
            in_body_status=_minimax.in_body_status,
            error_fields=_minimax.error_fields_of,
            content_filter_codes=DEFAULT_QUIRKS.content_filter_codes | _minimax.CONTENT_CODES,
            no_retry_codes=DEFAULT_QUIRKS.no_retry_codes | _minimax.NO_RETRY_CODES,
        ),
        notes=(
            "Without reasoning_split=True the model's thinking arrives inline in <think> tags. "
            "Failures can come as HTTP 200 with a non-zero base_resp.status_code (for a stream: "
            "one JSON object instead of events); llmkit raises them as the typed error the code "
            "stands for (1002 rate limit: RateLimitError, retried; 1004/2049: AuthenticationError; "
            "1008 balance, 2056 usage window: RateLimitError, not retried; 1026/1027: "
            "ContentFilteredError; 2013: BadRequestError; 1000/1024: ServerError, retried)."
        ),
    ),
    compat(
        "siliconflow",
        "SiliconFlow",
        "https://api.siliconflow.cn/v1",
        ("SILICONFLOW_API_KEY",),
        "https://docs.siliconflow.cn/en/api-reference/chat-completions/chat-completions",
        capabilities=FULL,
        regions={"cn": "https://api.siliconflow.cn/v1", "intl": "https://api.siliconflow.com/v1"},
        default_region="cn",
        body_options={n: n for n in ("top_k", "min_p", "enable_thinking", "thinking_budget")},
        notes="Errors are {code: <int>, message, data}.",
    ),
    compat(
        "modelscope",
        "ModelScope API-Inference",
        "https://api-inference.modelscope.cn/v1",
        ("MODELSCOPE_API_KEY",),
        "https://modelscope.cn/docs/model-service/API-Inference/intro",
        capabilities=REASONING,
        body_options={"enable_thinking": "enable_thinking"},
    ),
    compat(
        "upstage",
        "Upstage (Solar)",
        "https://api.upstage.ai/v1",
        ("UPSTAGE_API_KEY",),
        "https://console.upstage.ai/docs/capabilities/generate/chat",
        capabilities=caps(REASONING, {"embeddings"}),
        notes="reasoning_effort= turns on Solar's reasoning, returned as message.reasoning.",
    ),
)
