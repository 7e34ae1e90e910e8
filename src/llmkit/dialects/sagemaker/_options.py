"""SageMaker keyword options: the container formats, the request headers and TGI's parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmkit.dialects import openai_chat
from llmkit.errors import ConfigurationError

FORMATS = ("messages", "tgi", "raw")

# Typed options sent as SageMaker request headers (botocore member -> header name).
HEADER_OPTIONS: dict[str, str] = {
    "custom_attributes": "X-Amzn-SageMaker-Custom-Attributes",
    "target_variant": "X-Amzn-SageMaker-Target-Variant",
    "target_model": "X-Amzn-SageMaker-Target-Model",
    "target_container_hostname": "X-Amzn-SageMaker-Target-Container-Hostname",
    "inference_component": "X-Amzn-SageMaker-Inference-Component",
    "session_id": "X-Amzn-SageMaker-Session-Id",
    "inference_id": "X-Amzn-SageMaker-Inference-Id",
    "enable_explanations": "X-Amzn-SageMaker-Enable-Explanations",
}
# Only InvokeEndpoint takes these two.
SYNC_ONLY = frozenset({"target_model", "enable_explanations"})

# TGI ``parameters`` a caller may set by keyword (besides max_tokens, temperature, stop).
TGI_PARAMETERS = frozenset(
    {
        "top_p",
        "top_k",
        "typical_p",
        "do_sample",
        "seed",
        "repetition_penalty",
        "frequency_penalty",
        "truncate",
        "watermark",
        "return_full_text",
        "decoder_input_details",
        "best_of",
    }
)

TGI_ONLY = TGI_PARAMETERS - openai_chat.OPTIONS

OWN_OPTIONS = frozenset(
    {"sagemaker_format", "content_type", "accept", "raw_body", "container_model"}
) | frozenset(HEADER_OPTIONS)

OPTIONS = OWN_OPTIONS | openai_chat.OPTIONS | TGI_PARAMETERS

# A messages-format container speaks OpenAI chat; usage in the last chunk is asked for.
QUIRKS = openai_chat.OpenAIQuirks()


def sagemaker_format(req_options: Mapping[str, Any]) -> str:
    fmt = req_options.get("sagemaker_format") or "messages"
    if fmt not in FORMATS:
        raise ConfigurationError(f"sagemaker_format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return str(fmt)
