"""OpenAI Chat Completions (and Embeddings): the wire format most providers speak.

Providers that reuse it differ only in ``OpenAIQuirks`` on their spec: a path,
the name of the max-tokens field, an error code that means "bad key", a hook
that lifts extra response fields (citations) onto the Completion.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmkit.dialects._errors import class_for_status, decode_body, make_error
from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.errors import (
    AuthenticationError,
    ContentFilteredError,
    ContextWindowExceededError,
    NotSupportedError,
    ProviderError,
    ResponseDecodeError,
)
from llmkit.transport.sse import SSEDecoder
from llmkit.types import (
    AudioPart,
    Citation,
    Completion,
    DocumentPart,
    Embeddings,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    Part,
    ReasoningDelta,
    ReasoningPart,
    StreamEvent,
    TextDelta,
    TextPart,
    TokenCount,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpRequest, HttpResponse, dumps

# Standard request options every OpenAI-compatible provider may be given by keyword.
OPTIONS = frozenset(
    {
        "top_p",
        "seed",
        "n",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "parallel_tool_calls",
        "user",
        "reasoning_effort",
        "service_tier",
        "store",
        "metadata",
        "prediction",
        "verbosity",
        "modalities",
        "audio",
        "prompt_cache_key",
        "safety_identifier",
    }
)

FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
    "content_filter": FinishReason.CONTENT_FILTER,
    "eos": FinishReason.STOP,
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_length": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "error": FinishReason.ERROR,
}

ErrorFields = tuple[str, str | None, str | None]  # message, type, code


@dataclass(frozen=True, slots=True)
class OpenAIQuirks:
    # Appended to the base URL; ``{model}`` and ``{param}`` placeholders are filled per call
    # (Azure OpenAI: ``/deployments/{model}/chat/completions``).
    chat_path: str = "/chat/completions"
    embeddings_path: str = "/embeddings"
    # Path for streamed chat when it differs (Vertex AI partners: ``…:streamRawPredict``); None: chat_path.
    stream_chat_path: str | None = None
    # OpenAI itself wants max_completion_tokens; most compatible servers want max_tokens.
    max_tokens_field: str = "max_tokens"
    # Send stream_options.include_usage so the last chunk carries usage.
    stream_usage: bool = True
    # Error codes that mean "bad credentials" whatever the status (xAI answers 400 for a bad key).
    auth_error_codes: frozenset[str] = frozenset()
    content_filter_codes: frozenset[str] = frozenset({"content_filter", "content_policy_violation"})
    context_codes: frozenset[str] = frozenset({"context_length_exceeded", "string_above_max_length"})
    # 429s that will not clear by waiting (billing), so are never retried.
    no_retry_codes: frozenset[str] = frozenset({"insufficient_quota"})
    # Reads (message, type, code) from a non-standard error body; None for the OpenAI shape.
    error_fields: Callable[[Any], ErrorFields] | None = None
    # Adds provider extras (citations, ...) to a finished Completion from the raw body.
    response_hook: Callable[[Mapping[str, Any], Completion], None] | None = None
    # Turns provider extras in a stream chunk into events (e.g. CitationsUpdate).
    chunk_hook: Callable[[Mapping[str, Any]], list[StreamEvent]] | None = None
    # Last word on the request body (rename or drop a field the provider rejects).
    body_hook: Callable[[dict[str, Any], ChatRequest, CallContext], None] | None = None
    extra_options: frozenset[str] = field(default_factory=frozenset)


DEFAULT_QUIRKS = OpenAIQuirks()


def quirks_of(ctx: CallContext) -> OpenAIQuirks:
    q = ctx.spec.quirks
    return q if isinstance(q, OpenAIQuirks) else DEFAULT_QUIRKS


def _path(template: str, ctx: CallContext) -> str:
    if "{" not in template:
        return template
    return template.format_map({**ctx.params, "model": ctx.model})


# ---------------------------------------------------------------- request


def _part(p: Part) -> dict[str, Any] | None:
    if isinstance(p, TextPart):
        return {"type": "text", "text": p.text}
    if isinstance(p, ImagePart):
        url = p.url if p.url is not None else f"data:{p.media_type or 'image/png'};base64,{p.data}"
        image: dict[str, Any] = {"url": url}
        if p.detail:
            image["detail"] = p.detail
        return {"type": "image_url", "image_url": image}
    if isinstance(p, AudioPart):
        return {"type": "input_audio", "input_audio": {"data": p.data, "format": p.format}}
    if isinstance(p, DocumentPart):
        if p.data is None:
            raise NotSupportedError("OpenAI chat takes documents inline (base64), not by URL")
        doc: dict[str, Any] = {"file_data": f"data:{p.media_type};base64,{p.data}"}
        if p.title:
            doc["filename"] = p.title
        return {"type": "file", "file": doc}
    return None  # reasoning is not sent back in this format


def message_to_wire(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role}
    if isinstance(m.content, str):
        content: Any = m.content
    else:
        parts = [w for w in map(_part, m.content) if w is not None]
        content = (
            parts[0]["text"] if m.role != "user" and len(parts) == 1 and parts[0]["type"] == "text" else parts
        )
    if m.role == "assistant" and m.tool_calls:
        out["content"] = content or None
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.raw_arguments or "{}"},
            }
            for c in m.tool_calls
        ]
    else:
        out["content"] = content
    if m.tool_call_id is not None:
        out["tool_call_id"] = m.tool_call_id
    if m.name:
        out["name"] = m.name
    return out


def build_chat_body(req: ChatRequest, ctx: CallContext, q: OpenAIQuirks) -> dict[str, Any]:
    body: dict[str, Any] = {"model": req.model, "messages": [message_to_wire(m) for m in req.messages]}
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.max_tokens is not None:
        body[q.max_tokens_field] = req.max_tokens
    if req.stop:
        body["stop"] = list(req.stop)
    if req.tools:
        tools = []
        for t in req.tools:
            fn: dict[str, Any] = {"name": t.name, "parameters": dict(t.parameters)}
            if t.description:
                fn["description"] = t.description
            if t.strict is not None:
                fn["strict"] = t.strict
            tools.append({"type": "function", "function": fn})
        body["tools"] = tools
    tc = req.tool_choice
    if tc is not None:
        if isinstance(tc, ForcedTool):
            body["tool_choice"] = {"type": "function", "function": {"name": tc.name}}
        else:
            body["tool_choice"] = "required" if tc == "any" else tc
    rf = req.response_format
    if rf is not None:
        if rf.type == "json_object":
            body["response_format"] = {"type": "json_object"}
        else:
            js: dict[str, Any] = {"name": rf.name, "schema": dict(rf.schema or {})}
            if rf.strict:
                js["strict"] = True
            body["response_format"] = {"type": "json_schema", "json_schema": js}
    if req.stream:
        body["stream"] = True
        if q.stream_usage:
            body["stream_options"] = {"include_usage": True}
    body_names = ctx.spec.body_options
    for key, value in req.options.items():
        body[body_names.get(key, key)] = value
    if req.extra_body:
        body.update(req.extra_body)
    if q.body_hook is not None:
        q.body_hook(body, req, ctx)
    return body


# ---------------------------------------------------------------- response


def parse_usage(u: Mapping[str, Any] | None) -> Usage:
    if not u:
        return Usage()
    prompt = u.get("prompt_tokens") or 0
    completion = u.get("completion_tokens") or 0
    pd = u.get("prompt_tokens_details") or {}
    cd = u.get("completion_tokens_details") or {}
    cached = pd.get("cached_tokens") or u.get("prompt_cache_hit_tokens") or 0
    return Usage(
        input_tokens=prompt,
        output_tokens=completion,
        total_tokens=u.get("total_tokens") or prompt + completion,
        cached_input_tokens=cached,
        reasoning_tokens=cd.get("reasoning_tokens") or 0,
    )


def finish_reason(raw: str | None) -> FinishReason:
    if raw is None:
        return FinishReason.OTHER
    return FINISH_REASONS.get(raw, FinishReason.OTHER)


def _reasoning_of(obj: Mapping[str, Any]) -> str | None:
    r = obj.get("reasoning_content")
    if r is None:
        r = obj.get("reasoning")
    return r if isinstance(r, str) else None


def parse_chat_body(obj: Any, ctx: CallContext, q: OpenAIQuirks) -> Completion:
    if not isinstance(obj, dict) or not isinstance(obj.get("choices"), list):
        raise ResponseDecodeError(
            "chat completion without a choices list", provider=ctx.provider, snippet=str(obj)
        )
    choices = obj["choices"]
    choice = choices[0] if choices else {}
    msg = choice.get("message") or {}
    parts: list[Part] = []
    reasoning = _reasoning_of(msg)
    if reasoning:
        parts.append(ReasoningPart(reasoning))
    content = msg.get("content")
    if isinstance(content, list):  # some servers (Mistral) return typed parts, thinking included
        for ev in _delta_parts(content):
            parts.append(TextPart(ev.text) if isinstance(ev, TextDelta) else ReasoningPart(ev.text))  # type: ignore[union-attr]
    elif content:
        parts.append(TextPart(content))
    calls = tuple(
        ToolCall(
            c.get("id") or f"call_{i}",
            (c.get("function") or {}).get("name", ""),
            (c.get("function") or {}).get("arguments"),
        )
        for i, c in enumerate(msg.get("tool_calls") or ())
    )
    raw_reason = choice.get("finish_reason")
    completion = Completion(
        message=Message("assistant", tuple(parts), calls),
        finish_reason=finish_reason(raw_reason),
        usage=parse_usage(obj.get("usage")),
        model=obj.get("model") or ctx.model,
        provider=ctx.provider,
        id=obj.get("id"),
        raw_finish_reason=raw_reason,
        raw=obj,
    )
    if q.response_hook is not None:
        q.response_hook(obj, completion)
    return completion


def error_fields(body: Any) -> ErrorFields:
    """(message, type, code) from the common shapes of OpenAI-style error bodies."""
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("msg") or err.get("detail") or json.dumps(err)[:500]
            code = err.get("code")
            return str(msg), _opt_str(err.get("type")), _opt_str(code)
        if isinstance(err, str):
            return err, _opt_str(body.get("type")), _opt_str(body.get("code"))
        if "detail" in body:
            return str(body["detail"]), None, None
        return json.dumps(body)[:500], None, None
    if isinstance(body, str) and body:
        return body[:500], None, None
    return "no error details in the response body", None, None


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def classify(status: int, body: Any, ctx: CallContext, resp: HttpResponse, q: OpenAIQuirks) -> ProviderError:
    message, etype, code = (q.error_fields or error_fields)(body)
    cls = class_for_status(status)
    codes = {c for c in (etype, code) if c}
    if codes & q.auth_error_codes:
        cls = AuthenticationError
    elif status in (400, 413, 422) and codes & q.context_codes:
        cls = ContextWindowExceededError
    elif 400 <= status < 500 and codes & q.content_filter_codes:
        cls = ContentFilteredError
    err = make_error(
        cls,
        message,
        resp,
        provider=ctx.provider,
        model=ctx.model,
        body=body,
        error_type=etype,
        error_code=code,
    )
    if codes & q.no_retry_codes:
        err.retryable = False
    return err


class OpenAIStreamDecoder:
    __slots__ = (
        "_ctx",
        "_q",
        "_saw_done",
        "_saw_finish",
        "_sse",
        "citations",
        "error",
        "raw_events",
        "response_id",
        "response_model",
    )

    def __init__(self, ctx: CallContext, q: OpenAIQuirks) -> None:
        self._sse = SSEDecoder()
        self._ctx = ctx
        self._q = q
        self._saw_done = False
        self._saw_finish = False
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.citations: list[Citation] = []
        self.raw_events: list[Any] = []
        self.error: ProviderError | None = None

    @property
    def done(self) -> bool:
        # Some compatible servers close after the finish chunk without "[DONE]".
        return self._saw_done or self._saw_finish

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for ev in self._sse.feed(data):
            text = ev.data
            if text == "[DONE]":
                self._saw_done = True
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                raise ResponseDecodeError(
                    f"stream event {len(self.raw_events)} is not JSON",
                    provider=self._ctx.provider,
                    snippet=text,
                ) from None
            if not isinstance(obj, dict):
                raise ResponseDecodeError(
                    "stream event is not a JSON object", provider=self._ctx.provider, snippet=text
                )
            if obj.get("error"):
                # Hand back what came before the error first; the stream raises it right after.
                self.error = _stream_error(obj, self._ctx, self._q)
                return out
            if not self.raw_events or _not_plain_delta(obj):
                # Keep the first chunk and any carrying more than a delta (finish, usage, extras);
                # a long stream's content chunks would otherwise pile up in memory.
                self.raw_events.append(obj)
            self._chunk(obj, out)
        return out

    def _chunk(self, obj: dict[str, Any], out: list[StreamEvent]) -> None:
        # Azure OpenAI opens with a filter-results chunk whose id and model are empty strings.
        if not self.response_id and obj.get("id"):
            self.response_id = obj.get("id")
        if not self.response_model and obj.get("model"):
            self.response_model = obj.get("model")
        for choice in obj.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = _reasoning_of(delta)
            if reasoning:
                out.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if content:
                if isinstance(content, str):
                    out.append(TextDelta(content))
                else:  # Mistral may stream a list of typed parts, thinking included
                    out.extend(_delta_parts(content))
            for tc in delta.get("tool_calls") or ():
                fn = tc.get("function") or {}
                args = fn.get("arguments") or ""
                if not isinstance(args, str):  # some servers send the arguments as an object
                    args = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
                out.append(ToolCallDelta(tc.get("index", 0), tc.get("id"), fn.get("name"), args))
            raw = choice.get("finish_reason")
            if raw:
                self._saw_finish = True
                out.append(Finish(finish_reason(raw), raw))
        usage = obj.get("usage")
        if usage:
            out.append(UsageUpdate(parse_usage(usage)))
        if self._q.chunk_hook is not None:
            out.extend(self._q.chunk_hook(obj))


# An error inside a 200 stream has no status of its own: infer one from its type or code.
_STATUS_OF_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "invalid_api_key": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "tokens": 429,
    "requests": 429,
    "insufficient_quota": 429,
    "overloaded_error": 529,
    "server_error": 500,
    "api_error": 500,
}


_PLAIN_CHUNK_KEYS = frozenset(
    {"id", "object", "created", "model", "system_fingerprint", "choices", "service_tier"}
)


def _not_plain_delta(obj: dict[str, Any]) -> bool:
    if not obj.keys() <= _PLAIN_CHUNK_KEYS:
        return True
    choices: list[Any] = obj.get("choices") or []
    return len(choices) != 1 or choices[0].get("finish_reason") is not None


def _delta_parts(parts: Any) -> list[StreamEvent]:
    out: list[StreamEvent] = []
    for p in parts if isinstance(parts, list) else ():
        if not isinstance(p, dict):
            continue
        if p.get("type") == "text" and p.get("text"):
            out.append(TextDelta(str(p["text"])))
        elif p.get("type") == "thinking":
            inner = p.get("thinking")
            text = (
                "".join(t.get("text", "") for t in inner if isinstance(t, dict))
                if isinstance(inner, list)
                else inner
            )
            if text:
                out.append(ReasoningDelta(str(text)))
    return out


def _stream_error(obj: dict[str, Any], ctx: CallContext, q: OpenAIQuirks) -> ProviderError:
    err = obj["error"]
    status: Any = None
    if isinstance(err, dict):
        status = err.get("status_code") or err.get("status")
        if not isinstance(status, int):
            status = _STATUS_OF_TYPE.get(str(err.get("type"))) or _STATUS_OF_TYPE.get(str(err.get("code")))
    status_code = status if isinstance(status, int) and 400 <= status < 600 else 500
    return classify(status_code, obj, ctx, HttpResponse(status_code, {}), q)


class OpenAIChatDialect:
    name = "openai_chat"
    options = OPTIONS

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        q = quirks_of(ctx)
        body = build_chat_body(req, ctx, q)
        headers = {"content-type": "application/json"}
        if req.stream:
            headers["accept"] = "text/event-stream"
        path = q.stream_chat_path if req.stream and q.stream_chat_path is not None else q.chat_path
        return HttpRequest("POST", ctx.base_url + _path(path, ctx), headers, dumps(body), body)

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Completion:
        try:
            obj = json.loads(resp.body)
        except ValueError:
            raise ResponseDecodeError(
                "chat completion body is not JSON", provider=ctx.provider, snippet=resp.body
            ) from None
        return parse_chat_body(obj, ctx, quirks_of(ctx))

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> OpenAIStreamDecoder:
        return OpenAIStreamDecoder(ctx, quirks_of(ctx))

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp.status, decode_body(resp), ctx, resp, quirks_of(ctx))

    def build_embed(self, req: EmbedRequest, ctx: CallContext) -> HttpRequest:
        body: dict[str, Any] = {"model": req.model, "input": list(req.inputs), "encoding_format": "float"}
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        body.update(req.options)
        if req.extra_body:
            body.update(req.extra_body)
        url = ctx.base_url + _path(quirks_of(ctx).embeddings_path, ctx)
        return HttpRequest("POST", url, {"content-type": "application/json"}, dumps(body), body)

    def parse_embed(self, resp: HttpResponse, req: EmbedRequest, ctx: CallContext) -> Embeddings:
        try:
            obj = json.loads(resp.body)
            rows = sorted(obj["data"], key=lambda d: d.get("index", 0))
            vectors = [list(map(float, d["embedding"])) for d in rows]
        except (ValueError, KeyError, TypeError) as exc:
            raise ResponseDecodeError(
                f"embeddings body not understood: {exc}", provider=ctx.provider, snippet=resp.body
            ) from None
        return Embeddings(
            vectors, parse_usage(obj.get("usage")), obj.get("model") or req.model, ctx.provider, obj
        )

    def build_count_tokens(self, req: ChatRequest, ctx: CallContext) -> HttpRequest | None:
        return None

    def parse_count_tokens(self, resp: HttpResponse, ctx: CallContext) -> TokenCount:
        raise NotSupportedError(f"{ctx.provider} has no token-counting endpoint")


DIALECT = OpenAIChatDialect()
