"""OCI Generative AI answers: GenericChatResponse, CohereChatResponse, EmbedTextResult, errors.

Field names from oracle/oci-python-sdk@474b72d ``generative_ai_inference/models``; held to the
live answers in ``tests/fixtures/oci`` (openllmetry cassettes). Errors are OCI's
``{"code", "message"}`` with the request id in ``opc-request-id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.dialects._errors import class_for_status, count, float_vector, make_error, reason
from llmkit.dialects.base import CallContext
from llmkit.dialects.oci import _cohere_v2
from llmkit.errors import (
    AuthenticationError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    ResponseDecodeError,
)
from llmkit.types import Completion, Embeddings, FinishReason, Message, Part, TextPart, ToolCall, Usage
from llmkit.wire import HttpResponse

FINISH_REASONS = {
    # GENERIC (OpenAI-style) values
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "content_filter": FinishReason.CONTENT_FILTER,
    # COHERE values
    "COMPLETE": FinishReason.STOP,
    "MAX_TOKENS": FinishReason.LENGTH,
    "ERROR_TOXIC": FinishReason.CONTENT_FILTER,
    "ERROR_LIMIT": FinishReason.LENGTH,
    "ERROR": FinishReason.ERROR,
    "USER_CANCEL": FinishReason.OTHER,
    # COHEREV2 values (CohereChatResponseV2.finish_reason)
    "STOP_SEQUENCE": FinishReason.STOP,
    "TOOL_CALL": FinishReason.TOOL_CALLS,
}
# OCI's error codes that say more than the status does.
_BY_CODE: dict[str, type[ProviderError]] = {
    "NotAuthenticated": AuthenticationError,
    "NotAuthorizedOrNotFound": NotFoundError,
    "TooManyRequests": RateLimitError,
}


def finish_reason(raw: str | None, has_calls: bool = False) -> FinishReason:
    """COHERE says COMPLETE (or, live, null) when it answers with tool calls: that is TOOL_CALLS."""
    if has_calls and raw in (None, "COMPLETE"):
        return FinishReason.TOOL_CALLS
    if raw is None:
        return FinishReason.STOP
    return FINISH_REASONS.get(raw, FinishReason.OTHER)


def usage_from(u: Any) -> Usage:
    if not isinstance(u, Mapping):
        return Usage()
    prompt = count(u.get("promptTokens"), "usage.promptTokens")
    output = count(u.get("completionTokens"), "usage.completionTokens")
    details = u.get("completionTokensDetails")
    cached = u.get("promptTokensDetails")
    return Usage(
        input_tokens=prompt,
        output_tokens=output,
        total_tokens=count(u.get("totalTokens"), "usage.totalTokens") or prompt + output,
        reasoning_tokens=count(details.get("reasoningTokens"), "reasoningTokens")
        if isinstance(details, Mapping)
        else 0,
        cached_input_tokens=count(cached.get("cachedTokens"), "cachedTokens")
        if isinstance(cached, Mapping)
        else 0,
    )


def text_of(content: Any, where: str) -> str:
    """The text of a GENERIC message's content list (a drifted part is an error, not an empty string)."""
    if content is None:
        return ""
    if not isinstance(content, list):
        raise ResponseDecodeError(f"{where}.content is {type(content).__name__}, not a list")
    out = []
    for part in content:
        if not isinstance(part, Mapping):
            raise ResponseDecodeError(f"a {where} content part is {type(part).__name__}, not an object")
        if part.get("type") == "TEXT":
            text = part.get("text")
            if not isinstance(text, str):
                raise ResponseDecodeError(f"a {where} TEXT part holds {type(text).__name__}, not a string")
            out.append(text)
    return "".join(out)


def generic_call(c: Any, i: int) -> ToolCall:
    if not isinstance(c, Mapping):
        raise ResponseDecodeError(f"a tool call is {type(c).__name__}, not an object")
    args = c.get("arguments")
    return ToolCall(
        str(c.get("id") or f"call_{i}"), str(c.get("name") or ""), args if isinstance(args, str) else ""
    )


def cohere_call(c: Any, i: int) -> ToolCall:
    if not isinstance(c, Mapping):
        raise ResponseDecodeError(f"a tool call is {type(c).__name__}, not an object")
    params = c.get("parameters")
    # Cohere's calls carry no id: llmkit numbers them, and finds the call by it when sending results.
    return ToolCall(
        f"cohere_call_{i}", str(c.get("name") or ""), json.dumps(params if params is not None else {})
    )


def _generic(chat: Mapping[str, Any]) -> tuple[list[Part], list[ToolCall], str | None]:
    choices = chat.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise ResponseDecodeError("GENERIC chat answer without choices")
    choice = choices[0]
    message = choice.get("message") or {}
    if not isinstance(message, Mapping):
        raise ResponseDecodeError("GENERIC choice.message is not an object")
    text = text_of(message.get("content"), "message")
    calls = [generic_call(c, i) for i, c in enumerate(message.get("toolCalls") or ())]
    return ([TextPart(text)] if text else []), calls, reason(choice.get("finishReason"), "finishReason")


def _cohere(chat: Mapping[str, Any]) -> tuple[list[Part], list[ToolCall], str | None]:
    text = chat.get("text")
    if text is not None and not isinstance(text, str):
        raise ResponseDecodeError(f"COHERE text is {type(text).__name__}, not a string")
    calls = [cohere_call(c, i) for i, c in enumerate(chat.get("toolCalls") or ())]
    return ([TextPart(text)] if text else []), calls, reason(chat.get("finishReason"), "finishReason")


def completion_from(obj: Any, resp: HttpResponse, ctx: CallContext) -> Completion:
    chat = obj.get("chatResponse") if isinstance(obj, Mapping) else None
    if not isinstance(chat, Mapping):
        raise ResponseDecodeError(
            "chat answer without chatResponse", provider=ctx.provider, snippet=resp.body
        )
    fmt = chat.get("apiFormat")
    if fmt == "COHEREV2":
        parts, calls, raw = _cohere_v2.answer(chat)
    else:
        parts, calls, raw = _cohere(chat) if fmt == "COHERE" else _generic(chat)
    return Completion(
        message=Message("assistant", tuple(parts), tuple(calls)),
        finish_reason=finish_reason(raw, bool(calls)),
        usage=usage_from(chat.get("usage")),
        model=str(obj.get("modelId") or ctx.model),
        provider=ctx.provider,
        id=resp.request_id,
        raw_finish_reason=raw,
        raw=obj,
    )


def embeddings_from(obj: Any, ctx: CallContext) -> Embeddings:
    vectors = obj.get("embeddings") if isinstance(obj, Mapping) else None
    if not isinstance(vectors, list):
        raise ResponseDecodeError("embedText answer without embeddings", provider=ctx.provider)
    return Embeddings(
        vectors=[float_vector(v) for v in vectors],
        usage=usage_from(obj.get("usage")),
        model=str(obj.get("modelId") or ctx.model),
        provider=ctx.provider,
        raw=obj,
    )


def error_from(resp: HttpResponse, body: Any, ctx: CallContext) -> ProviderError:
    code = body.get("code") if isinstance(body, Mapping) else None
    message = body.get("message") if isinstance(body, Mapping) else None
    code = code if isinstance(code, str) else None
    cls = (_BY_CODE.get(code or "") if resp.status >= 400 else None) or class_for_status(resp.status)
    text = message if isinstance(message, str) and message else f"HTTP {resp.status}"
    if code:
        text = f"{code}: {text}"
    if cls is AuthenticationError:
        text += (
            " (check tenancy, user, fingerprint and key_file in the ~/.oci/config profile, or that the "
            "API key is uploaded to the user)"
        )
    return make_error(cls, text, resp, provider=ctx.provider, model=ctx.model, body=body, error_code=code)
