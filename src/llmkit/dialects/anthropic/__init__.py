"""Anthropic Messages: the wire format of Claude and of the endpoints that copy it.

``POST {base}/v1/messages`` (and ``/v1/messages/count_tokens``), system prompt
top-level, strictly ``user``/``assistant`` turns, content as typed blocks,
streams as SSE with named events and no ``[DONE]`` sentinel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.anthropic._errors import classify
from llmkit.dialects.anthropic._request import beta_header, build_body, count_tokens_body
from llmkit.dialects.anthropic._response import completion_from
from llmkit.dialects.anthropic._stream import AnthropicStreamDecoder
from llmkit.dialects.anthropic.options import OPTION_NAMES, AnthropicOptions
from llmkit.dialects.anthropic.quirks import AnthropicQuirks, quirks_of, url_for
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.errors import ProviderError, ResponseDecodeError
from llmkit.types import Completion, TokenCount
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = [
    "DIALECT",
    "AnthropicMessagesDialect",
    "AnthropicOptions",
    "AnthropicQuirks",
    "AnthropicStreamDecoder",
]


def _apply_quirks(body: dict[str, Any], q: AnthropicQuirks, model_in_body: bool) -> dict[str, Any]:
    """The body as the endpoint wants it: version field added, model dropped where the URL names it."""
    if q.body_version is not None:
        # A version the caller put in extra_body wins.
        body.setdefault("anthropic_version", q.body_version)
    if not model_in_body:
        body.pop("model", None)
    return body


def _headers(req: ChatRequest, ctx: CallContext) -> dict[str, str]:
    headers = {"content-type": "application/json"}
    if req.stream:
        headers["accept"] = "text/event-stream"
    beta = beta_header(req.options.get("anthropic_beta"))
    if beta:
        # Betas given as a header too (extra_headers=, a client default) are kept alongside.
        given = next((v for k, v in ctx.headers.items() if k.lower() == "anthropic-beta"), "")
        names = [b.strip() for b in f"{given},{beta}".split(",") if b.strip()]
        headers["anthropic-beta"] = ",".join(dict.fromkeys(names))
    return headers


class AnthropicMessagesDialect:
    name = "anthropic_messages"
    options = OPTION_NAMES
    quirks_type = AnthropicQuirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        q = quirks_of(ctx)
        body = _apply_quirks(build_body(req, ctx), q, q.model_in_body)
        path = q.stream_messages_path if req.stream and q.stream_messages_path else q.messages_path
        return HttpRequest("POST", url_for(ctx, path), _headers(req, ctx), dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        return completion_from(json_or_raise(resp.body, "message", ctx.provider), ctx.model, ctx.provider)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> AnthropicStreamDecoder:
        return AnthropicStreamDecoder(ctx.provider, ctx.model)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx.provider, ctx.model)

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        plain = ChatRequest(
            model=req.model,
            messages=req.messages,
            tools=req.tools,
            tool_choice=req.tool_choice,
            response_format=req.response_format,
            max_tokens=req.max_tokens,
            options=req.options,
            extra_body=req.extra_body,
        )
        q = quirks_of(ctx)
        body = _apply_quirks(count_tokens_body(build_body(plain, ctx)), q, q.count_tokens_model_in_body)
        return HttpRequest("POST", url_for(ctx, q.count_tokens_path), _headers(plain, ctx), dumps(body), body)

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount:
        obj = json_or_raise(resp.body, "count_tokens", ctx.provider)
        count = obj.get("input_tokens") if isinstance(obj, dict) else None
        if not isinstance(count, int) or isinstance(count, bool):
            raise ResponseDecodeError(
                "count_tokens answer without input_tokens", provider=ctx.provider, snippet=resp.body
            )
        return TokenCount(input_tokens=count, exact=True)


DIALECT = AnthropicMessagesDialect()

if TYPE_CHECKING:  # mypy holds the dialect to each protocol its specs declare
    from llmkit.dialects.base import ChatDialect, CountTokensDialect

    _chat: ChatDialect = DIALECT
    _count_tokens: CountTokensDialect = DIALECT
