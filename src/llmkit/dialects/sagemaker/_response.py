"""Decode InvokeEndpoint answers of the TGI and raw formats (the messages format is OpenAI chat's)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import count, reason
from llmkit.dialects.base import CallContext
from llmkit.dialects.sagemaker._errors import container_error
from llmkit.errors import ResponseDecodeError
from llmkit.types import Completion, FinishReason, Message, Part, TextPart, Usage
from llmkit.wire import HttpResponse

TGI_FINISH = {
    "eos_token": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "error": FinishReason.ERROR,
}


def tgi_details(details: Any) -> tuple[FinishReason, str | None, Usage]:
    if not isinstance(details, Mapping):
        return FinishReason.STOP, None, Usage()
    raw = reason(details.get("finish_reason"), "details.finish_reason")
    generated = details.get("generated_tokens")
    prefill = details.get("prefill")
    usage = Usage(
        input_tokens=len(prefill) if isinstance(prefill, list) else 0,
        output_tokens=count(generated, "details.generated_tokens"),
    )
    return TGI_FINISH.get(raw or "", FinishReason.OTHER), raw, usage


def tgi_completion(obj: Any, resp: HttpResponse, ctx: CallContext) -> Completion:
    first = obj[0] if isinstance(obj, list) and obj else obj
    if not isinstance(first, Mapping):
        raise ResponseDecodeError("TGI answer is not an object", provider=ctx.provider, snippet=str(obj))
    if isinstance(first.get("error"), str):
        raise container_error(first, ctx)
    text = first.get("generated_text")
    if not isinstance(text, str):
        raise ResponseDecodeError(
            "TGI answer without generated_text", provider=ctx.provider, snippet=str(obj)
        )
    reason, raw_reason, usage = tgi_details(first.get("details"))
    return Completion(
        message=Message("assistant", (TextPart(text),) if text else ()),
        finish_reason=reason,
        usage=usage,
        model=ctx.model,
        provider=ctx.provider,
        id=resp.request_id,
        raw_finish_reason=raw_reason,
        raw=obj,
    )


def raw_completion(resp: HttpResponse, ctx: CallContext) -> Completion:
    text = resp.body.decode("utf-8", "replace")
    raw: Any = resp.body
    content_type = resp.headers.get("content-type") or ""
    if "json" in content_type:
        try:
            raw = json.loads(resp.body)
        except ValueError:
            pass
    parts: tuple[Part, ...] = (TextPart(text),) if text else ()
    return Completion(
        message=Message("assistant", parts),
        finish_reason=FinishReason.STOP,
        usage=Usage(),
        model=ctx.model,
        provider=ctx.provider,
        id=resp.request_id,
        raw=raw,
    )
