"""Snowflake Cortex: three chat routes behind one account host, chosen per call.

* ``/api/v2/cortex/v1/chat/completions``: OpenAI Chat Completions (every model; the default);
* ``/api/v2/cortex/v1/messages``: Anthropic Messages (the default for ``claude-*`` models);
* ``/api/v2/cortex/inference:complete``: Cortex's own format (``cortex_api="native"``), always SSE.

``cortex_api=`` (``auto``, ``openai``, ``messages``, ``native``) picks the route. The first two are
the OpenAI and Anthropic dialects, handed a context whose spec carries their path quirks: their
translation is not copied here. Embeddings go to ``/api/v2/cortex/inference:embed``. Errors are
Snowflake's ``{"code", "message"}`` (``ErrorResponse`` in common.yaml) on every route; a body in
Anthropic's shape is read as Anthropic's.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llmkit._redact import redact_text
from llmkit._urls import alias_host
from llmkit.dialects import anthropic as _anthropic
from llmkit.dialects import openai_chat as _openai
from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.anthropic.options import OPTION_NAMES as _ANTHROPIC_OPTIONS
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, Quirks, StreamDecoder
from llmkit.dialects.snowflake_cortex._native import (
    COMPLETE_PATH,
    EMBED_PATH,
    NativeStreamDecoder,
    complete_body,
    embed_body,
    embeddings_from,
)
from llmkit.errors import AuthenticationError, ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.types import (
    Completion,
    Embeddings,
    Finish,
    FinishReason,
    Message,
    ReasoningDelta,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "OPTIONS", "SnowflakeCortexDialect"]

CHAT_PATH = "/api/v2/cortex/v1/chat/completions"
MESSAGES_PATH = "/api/v2/cortex/v1/messages"
ROUTES = {"openai": "openai", "chat_completions": "openai", "messages": "messages", "anthropic": "messages"}
ROUTES.update({"native": "native", "complete": "native"})
# Native request fields a caller may pass by keyword (cortex-inference.yaml CompleteRequest).
NATIVE_OPTIONS = frozenset(
    {"top_p", "guardrails", "provisioned_throughput_id", "anthropic", "openai", "max_output_tokens"}
)
OPTIONS = frozenset({"cortex_api"}) | _openai.OPTIONS | _ANTHROPIC_OPTIONS | NATIVE_OPTIONS
_AUTH_HINT = (
    " (Snowflake refused the credentials: check account= / SNOWFLAKE_ACCOUNT and user= / SNOWFLAKE_USER, "
    "that the user's RSA_PUBLIC_KEY matches private_key_path= / SNOWFLAKE_PRIVATE_KEY_PATH, or that "
    "token= / SNOWFLAKE_PAT is a live token of the kind authenticator= names)"
)


def route_of(req: ChatRequest) -> str:
    chosen = req.options.get("cortex_api") or "auto"
    if chosen == "auto":
        return "messages" if req.model.startswith("claude") else "openai"
    found = ROUTES.get(str(chosen))
    if found is None:
        raise ConfigurationError(
            f"cortex_api must be auto, openai, messages or native, not {str(chosen)[:30]!r}"
        )
    return found


def _account_host(base_url: str) -> str:
    """Snowflake hosts spell an account's underscores as hyphens (``my_acct`` -> ``my-acct``);
    the JWT keeps the name as given. Only the account's own host is touched."""
    if "_" not in base_url:  # the common case, with no URL parsing
        return base_url
    host = urlsplit(base_url).hostname or ""
    if "_" not in host or not host.endswith(".snowflakecomputing.com"):
        return base_url
    return alias_host(base_url, {host: host.replace("_", "-")})


# (spec id, route) -> (spec, the spec with that route's quirks): made once per spec.
_DERIVED: dict[tuple[int, str], tuple[Any, Any]] = {}
_LOCK = threading.Lock()


def _quirks(route: str) -> Quirks:
    if route == "messages":
        return _anthropic.AnthropicQuirks(messages_path=MESSAGES_PATH)
    return _openai.OpenAIQuirks(chat_path=CHAT_PATH, embeddings_path=EMBED_PATH)


def routed(ctx: CallContext, route: str) -> CallContext:
    """``ctx`` as the delegate dialect must see it: its quirks, the account host spelled right."""
    key = (id(ctx.spec), route)
    with _LOCK:
        entry = _DERIVED.get(key)
        if entry is None or entry[0] is not ctx.spec:
            entry = _DERIVED[key] = (ctx.spec, dataclasses.replace(ctx.spec, quirks=_quirks(route)))
    return dataclasses.replace(ctx, spec=entry[1], base_url=_account_host(ctx.base_url))


def _without_route(req: ChatRequest) -> ChatRequest:
    if "cortex_api" not in req.options:
        return req
    return dataclasses.replace(req, options={k: v for k, v in req.options.items() if k != "cortex_api"})


class SnowflakeCortexDialect:
    name = "snowflake_cortex"
    options = OPTIONS
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        route = route_of(req)
        inner = _without_route(req)
        if route == "openai":
            return _openai.DIALECT.build_chat(inner, routed(ctx, route))
        if route == "messages":
            built = _anthropic.DIALECT.build_chat(inner, routed(ctx, route))
            # Cortex's Messages route takes Anthropic's version header (litellm sends it too).
            built.headers.setdefault("anthropic-version", "2023-06-01")
            return built
        body = complete_body(inner)
        headers = {"content-type": "application/json", "accept": "text/event-stream, application/json"}
        url = _account_host(ctx.base_url.rstrip("/")) + COMPLETE_PATH
        return HttpRequest("POST", url, headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        route = route_of(req)
        if route == "openai":
            return _openai.DIALECT.parse_chat(resp, req, routed(ctx, route))
        if route == "messages":
            return _anthropic.DIALECT.parse_chat(resp, req, routed(ctx, route))
        return _fold(resp, ctx)

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> StreamDecoder:
        route = route_of(req)
        if route == "openai":
            return _openai.DIALECT.stream_decoder(req, routed(ctx, route))
        if route == "messages":
            return _anthropic.DIALECT.stream_decoder(req, routed(ctx, route))
        return NativeStreamDecoder(ctx.provider, ctx.model)

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        body = decode_body(resp)
        if isinstance(body, dict) and body.get("type") == "error" and isinstance(body.get("error"), dict):
            err = _anthropic.DIALECT.parse_error(resp, ctx)
        else:  # {"code", "message"} and OpenAI's envelope alike
            err = _openai.classify(resp.status, body, ctx, resp, _openai.DEFAULT_QUIRKS)
        if isinstance(err, AuthenticationError) and _AUTH_HINT not in err.message:
            err.message += _AUTH_HINT
            err.args = (err.message,)
        if err.request_id is None:  # Snowflake names its request id header its own way
            # Set after the error was built (and scrubbed), so scrubbed here: a server may echo.
            found = resp.headers.get("x-snowflake-request-id")
            err.request_id = None if found is None else redact_text(found)[:200]
        return err

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body = embed_body(req)
        url = _account_host(ctx.base_url.rstrip("/")) + EMBED_PATH
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        obj = json_or_raise(resp.body, "embeddings", ctx.provider)
        try:
            vectors, usage, model = embeddings_from(obj, ctx.provider)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ResponseDecodeError(
                f"Cortex embeddings body not understood: {exc}", provider=ctx.provider, snippet=resp.body
            ) from None
        return Embeddings(vectors, usage, model or req.model, ctx.provider, obj)


def _fold(resp: HttpResponse, ctx: CallContext) -> Completion:
    """A whole ``inference:complete`` answer (events, or one JSON object) as a Completion."""
    decoder = NativeStreamDecoder(ctx.provider, ctx.model)
    events: list[StreamEvent] = []
    if resp.body.lstrip()[:1] == b"{":
        obj = json_or_raise(resp.body, "completion", ctx.provider)
        decoder.raw_events.append(obj)
        decoder.chunk(obj, events)
    else:
        events = decoder.feed(resp.body + b"\n\n")  # the last event may lack its blank line
        if decoder.error is not None:
            raise decoder.error
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, list[Any]] = {}  # index -> [id, name, argument fragments]
    usage, finish = Usage(), None
    for ev in events:
        if isinstance(ev, TextDelta):
            text.append(ev.text)
        elif isinstance(ev, ToolCallDelta):
            slot = calls.setdefault(ev.index, [ev.id, ev.name, []])
            slot[0], slot[1] = slot[0] or ev.id, slot[1] or ev.name
            slot[2].append(ev.arguments_delta)
        elif isinstance(ev, ReasoningDelta):
            reasoning.append(ev.text)
        elif isinstance(ev, UsageUpdate):
            usage = ev.usage
        elif isinstance(ev, Finish):
            finish = ev
    tool_calls = tuple(
        ToolCall(c[0] or f"call_{i}", c[1] or "", "".join(c[2])) for i, c in sorted(calls.items())
    )
    content: str | tuple[ReasoningPart, TextPart] = "".join(text)
    if reasoning:
        content = (ReasoningPart("".join(reasoning)), TextPart("".join(text)))
    reason = finish.reason if finish else (FinishReason.TOOL_CALLS if tool_calls else FinishReason.STOP)
    raw = decoder.raw_events[0] if decoder.raw_events else None
    if decoder.usage_raw is not None and isinstance(raw, dict):
        raw = {**raw, "usage": decoder.usage_raw}  # guard_tokens and the cache counts stay readable
    return Completion(
        message=Message("assistant", content, tool_calls),
        finish_reason=reason,
        usage=usage,
        model=decoder.response_model or ctx.model,
        provider=ctx.provider,
        id=decoder.response_id,
        raw_finish_reason=finish.raw_reason if finish else None,
        raw=raw,
    )


DIALECT = SnowflakeCortexDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import ChatDialect, EmbedDialect

    _chat: ChatDialect = DIALECT
    _embed: EmbedDialect = DIALECT
