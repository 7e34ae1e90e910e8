"""The public entry points: ``Client``, ``AsyncClient`` and the module-level functions.

Everything that is not I/O (resolving the provider, building the request,
the retry policy, decoding) is shared; the two clients differ only in the
lines that send, sleep and read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmkit import _constants as C
from llmkit._inputs import parse_structured, to_messages, to_response_format, to_tool_choice, to_tools
from llmkit._redact import mask, register_secret
from llmkit._resolve import Resolved, resolve
from llmkit._retry import Flow, RetryPolicy, Send, Sleep, Timeout, send_flow
from llmkit._stream import AsyncStream, Stream, _StreamCore
from llmkit.dialects.base import ChatRequest, EmbedRequest
from llmkit.errors import LLMKitError, NotSupportedError, StructuredOutputError
from llmkit.types import Completion, Embeddings, Message, TokenCount
from llmkit.wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from llmkit.transport.async_http import AsyncTransport
    from llmkit.transport.sync_http import SyncTransport

log = logging.getLogger("llmkit")

Messages = str | Sequence[Message | Mapping[str, Any]]


@dataclass(slots=True)
class _Call:
    resolved: Resolved
    request: HttpRequest
    policy: RetryPolicy
    timeout: Timeout


class _Base:
    """Client configuration and every pure step of a call."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_keys: Mapping[str, str] | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
        retry_read_timeouts: bool = False,
        max_connections: int = C.MAX_CONNECTIONS,
    ) -> None:
        self._keys: dict[str, str] = dict(api_keys or {})
        if api_key is not None:
            self._keys["*"] = api_key
        for k in self._keys.values():
            register_secret(k)
        self._base_url = base_url
        self._timeout = Timeout.of(timeout)
        self._max_retries = C.DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        self._headers = dict(headers or {})
        self._retry_read_timeouts = retry_read_timeouts
        self._max_connections = max_connections
        # Resolution is pure but not free (~30 µs); calls without per-call options reuse it.
        self._resolved: dict[tuple[str, str | None, str | None], Resolved] = {}

    def __repr__(self) -> str:
        keys = {k: mask(v) for k, v in self._keys.items()}
        name = type(self).__name__
        return f"{name}(keys={keys}, base_url={self._base_url!r}, max_retries={self._max_retries})"

    def _resolve(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None,
        extra_headers: Mapping[str, str] | None,
        options: dict[str, Any],
    ) -> Resolved:
        cacheable = not options and extra_headers is None
        if cacheable:
            hit = self._resolved.get((model, api_key, base_url))
            if hit is not None and hit.still_valid():
                return hit
        r = resolve(
            model,
            api_key=api_key,
            base_url=base_url or self._base_url,
            extra_headers=extra_headers,
            options=options,
            default_keys=self._keys,
            default_headers=self._headers,
        )
        if cacheable and len(self._resolved) < 256:
            self._resolved[(model, api_key, base_url)] = r
        return r

    def _finish(self, r: Resolved, request: HttpRequest, timeout: Any, max_retries: int | None) -> _Call:
        if r.query:
            request.url += ("&" if "?" in request.url else "?") + r.query
        headers = request.headers
        for k, v in r.ctx.headers.items():
            headers.setdefault(k, v)
        policy = RetryPolicy(
            max_retries=self._max_retries if max_retries is None else max_retries,
            retry_read_timeouts=self._retry_read_timeouts,
        )
        return _Call(r, request, policy, Timeout.of(timeout, self._timeout))

    def _prep_chat(
        self,
        model: str,
        messages: Messages,
        stream: bool,
        tools: Iterable[Any] | None,
        tool_choice: Any,
        response_format: Any,
        temperature: float | None,
        max_tokens: int | None,
        stop: str | Sequence[str] | None,
        api_key: str | None,
        base_url: str | None,
        timeout: Any,
        max_retries: int | None,
        extra_headers: Mapping[str, str] | None,
        extra_body: Mapping[str, Any] | None,
        options: dict[str, Any],
    ) -> tuple[_Call, ChatRequest, Any]:
        r = self._resolve(model, api_key, base_url, extra_headers, options)
        fmt, validator = to_response_format(response_format)
        req = ChatRequest(
            model=r.ctx.model,
            messages=to_messages(messages),
            tools=to_tools(tools),
            tool_choice=to_tool_choice(tool_choice),
            response_format=fmt,
            temperature=temperature,
            max_tokens=max_tokens,
            stop=[stop] if isinstance(stop, str) else list(stop or ()),
            stream=stream,
            options=r.options,
            extra_body=extra_body,
        )
        if req.tools and not r.spec.supports("tools"):
            raise NotSupportedError(f"{r.spec.name} does not support tool calling")
        call = self._finish(r, r.dialect.build_chat(req, r.ctx), timeout, max_retries)
        # With structured output asked for, the text is decoded (and validated with a pydantic class).
        check = validator if validator is not None else (True if fmt is not None else None)
        return call, req, check

    def _flow(self, call: _Call, stream: bool) -> Flow:
        r = call.resolved
        return send_flow(
            call.request,
            r.auth,
            call.policy,
            call.timeout,
            stream,
            lambda resp: r.dialect.parse_error(resp, r.ctx),
        )

    @staticmethod
    def _structured(completion: Completion, validator: Any) -> Completion:
        if validator is None:
            return completion
        try:
            completion.parsed = parse_structured(completion.text, None if validator is True else validator)
        except StructuredOutputError as exc:
            exc.completion = completion
            raise
        return completion

    def _stream_core(self, call: _Call, req: ChatRequest, validator: Any) -> _StreamCore:
        r = call.resolved
        deadline = None if call.timeout.total is None else call.policy.clock() + call.timeout.total

        def finalize(c: Completion) -> None:
            self._structured(c, validator)

        return _StreamCore(
            r.dialect.stream_decoder(req, r.ctx),
            r.spec.name,
            req.model,
            finalize if validator is not None else None,
            deadline,
            call.policy.clock,
        )

    def _prep_embed(
        self, model: str, inputs: str | Sequence[str], dimensions: int | None, api_key: str | None,
        base_url: str | None, timeout: Any, max_retries: int | None, extra_headers: Mapping[str, str] | None,
        extra_body: Mapping[str, Any] | None, options: dict[str, Any],
    ) -> tuple[_Call, EmbedRequest]:  # fmt: skip
        r = self._resolve(model, api_key, base_url, extra_headers, options)
        if not r.spec.supports("embeddings"):
            raise NotSupportedError(f"{r.spec.name} does not offer embeddings through llmkit")
        items = [inputs] if isinstance(inputs, str) else list(inputs)
        req = EmbedRequest(r.ctx.model, items, dimensions, r.options, extra_body)
        return self._finish(r, r.dialect.build_embed(req, r.ctx), timeout, max_retries), req

    def _prep_count(
        self, model: str, messages: Messages, tools: Iterable[Any] | None, api_key: str | None,
        base_url: str | None, options: dict[str, Any],
    ) -> tuple[_Call, ChatRequest]:  # fmt: skip
        r = self._resolve(model, api_key, base_url, None, options)
        req = ChatRequest(r.ctx.model, to_messages(messages), to_tools(tools), options=r.options)
        http = r.dialect.build_count_tokens(req, r.ctx)
        if http is None:
            raise NotSupportedError(
                f"{r.spec.name} has no exact token-counting endpoint in llmkit yet; no estimate is given"
            )
        return self._finish(r, http, None, None), req


def _log_response(req: HttpRequest, resp: HttpResponse, started: float) -> None:
    # Metadata only: never URLs with queries, headers or bodies.
    log.debug(
        "%s %s -> %s in %.1f ms (request id %s)",
        req.method,
        req.url.split("?", 1)[0],
        resp.status,
        (time.perf_counter() - started) * 1000,
        resp.request_id,
    )


class Client(_Base):
    """A sync client holding defaults and a connection pool."""

    def __init__(self, *, http_client: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._http_client = http_client
        self._transport: SyncTransport | None = None

    def _get_transport(self) -> SyncTransport:
        if self._transport is None:
            from llmkit.transport.sync_http import SyncTransport

            self._transport = SyncTransport(
                max_connections=self._max_connections, http_client=self._http_client
            )
        return self._transport

    def _drive(self, flow: Flow) -> HttpResponse:
        transport = self._get_transport()
        action: Any = next(flow)
        while True:
            try:
                if type(action) is Send:
                    started = time.perf_counter()
                    result: Any = transport.send(action.request, action.stream, action.timeout)
                    if log.isEnabledFor(logging.DEBUG):
                        _log_response(action.request, result, started)
                elif type(action) is Sleep:
                    time.sleep(action.seconds)
                    result = None
                else:  # a token request from an auth flow
                    result = transport.send(action, False, Timeout())
            except LLMKitError as exc:
                try:
                    action = flow.throw(exc)
                except StopIteration as done:
                    response: HttpResponse = done.value
                    return response
                continue
            try:
                action = flow.send(result)
            except StopIteration as done:
                response = done.value
                return response

    def complete(
        self,
        model: str,
        messages: Messages,
        *,
        tools: Iterable[Any] | None = None,
        tool_choice: Any = None,
        response_format: Any = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop: str | Sequence[str] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **provider_options: Any,
    ) -> Completion:
        call, req, validator = self._prep_chat(
            model, messages, False, tools, tool_choice, response_format, temperature, max_tokens, stop,
            api_key, base_url, timeout, max_retries, extra_headers, extra_body, provider_options,
        )  # fmt: skip
        resp = self._drive(self._flow(call, False))
        r = call.resolved
        return self._structured(r.dialect.parse_chat(resp, req, r.ctx), validator)

    def stream(
        self,
        model: str,
        messages: Messages,
        *,
        tools: Iterable[Any] | None = None,
        tool_choice: Any = None,
        response_format: Any = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        stop: str | Sequence[str] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **provider_options: Any,
    ) -> Stream:
        call, req, validator = self._prep_chat(
            model, messages, True, tools, tool_choice, response_format, temperature, max_tokens, stop,
            api_key, base_url, timeout, max_retries, extra_headers, extra_body, provider_options,
        )  # fmt: skip
        core = self._stream_core(call, req, validator)
        return Stream(self._drive(self._flow(call, True)), core)

    def embed(
        self,
        model: str,
        inputs: str | Sequence[str],
        *,
        dimensions: int | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        **provider_options: Any,
    ) -> Embeddings:
        call, req = self._prep_embed(
            model, inputs, dimensions, api_key, base_url, timeout, max_retries, extra_headers, extra_body,
            provider_options,
        )  # fmt: skip
        resp = self._drive(self._flow(call, False))
        return call.resolved.dialect.parse_embed(resp, req, call.resolved.ctx)

    def count_tokens(
        self,
        model: str,
        messages: Messages,
        *,
        tools: Iterable[Any] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        **provider_options: Any,
    ) -> TokenCount:
        call, _ = self._prep_count(model, messages, tools, api_key, base_url, provider_options)
        resp = self._drive(self._flow(call, False))
        return call.resolved.dialect.parse_count_tokens(resp, call.resolved.ctx)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_Base):
    """The async twin of ``Client``: the same methods, awaited."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._transport: AsyncTransport | None = None

    def _get_transport(self) -> AsyncTransport:
        if self._transport is None:
            from llmkit.transport.async_http import AsyncTransport

            self._transport = AsyncTransport(max_connections=self._max_connections)
        return self._transport

    async def _drive(self, flow: Flow) -> HttpResponse:
        transport = self._get_transport()
        action: Any = next(flow)
        while True:
            try:
                if type(action) is Send:
                    started = time.perf_counter()
                    result: Any = await transport.send(action.request, action.stream, action.timeout)
                    if log.isEnabledFor(logging.DEBUG):
                        _log_response(action.request, result, started)
                elif type(action) is Sleep:
                    await asyncio.sleep(action.seconds)
                    result = None
                else:
                    result = await transport.send(action, False, Timeout())
            except LLMKitError as exc:
                try:
                    action = flow.throw(exc)
                except StopIteration as done:
                    response: HttpResponse = done.value
                    return response
                continue
            try:
                action = flow.send(result)
            except StopIteration as done:
                response = done.value
                return response

    async def complete(self, model: str, messages: Messages, **kwargs: Any) -> Completion:
        """Same parameters as :meth:`Client.complete`."""
        call, req, validator = self._prep_chat(model, messages, False, *_chat_args(kwargs))
        resp = await self._drive(self._flow(call, False))
        r = call.resolved
        return self._structured(r.dialect.parse_chat(resp, req, r.ctx), validator)

    def stream(self, model: str, messages: Messages, **kwargs: Any) -> AsyncStream:
        """Same parameters as :meth:`Client.stream`; configuration errors raise here, the request is
        sent when the stream is first awaited, entered or iterated."""
        call, req, validator = self._prep_chat(model, messages, True, *_chat_args(kwargs))

        async def start() -> tuple[HttpResponse, _StreamCore]:
            core = self._stream_core(call, req, validator)
            return await self._drive(self._flow(call, True)), core

        return AsyncStream(start)

    async def embed(self, model: str, inputs: str | Sequence[str], **kwargs: Any) -> Embeddings:
        """Same parameters as :meth:`Client.embed`."""
        keys = ("dimensions", "api_key", "base_url", "timeout", "max_retries", "extra_headers", "extra_body")
        d, key, url, timeout, retries, headers, body = (kwargs.pop(k, None) for k in keys)
        call, req = self._prep_embed(model, inputs, d, key, url, timeout, retries, headers, body, kwargs)
        resp = await self._drive(self._flow(call, False))
        return call.resolved.dialect.parse_embed(resp, req, call.resolved.ctx)

    async def count_tokens(
        self, model: str, messages: Messages, *, tools: Iterable[Any] | None = None,
        api_key: str | None = None, base_url: str | None = None, **provider_options: Any,
    ) -> TokenCount:  # fmt: skip
        call, _ = self._prep_count(model, messages, tools, api_key, base_url, provider_options)
        resp = await self._drive(self._flow(call, False))
        return call.resolved.dialect.parse_count_tokens(resp, call.resolved.ctx)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


_CHAT_KEYS = (
    "tools", "tool_choice", "response_format", "temperature", "max_tokens", "stop", "api_key", "base_url",
    "timeout", "max_retries", "extra_headers", "extra_body",
)  # fmt: skip


def _chat_args(kwargs: dict[str, Any]) -> list[Any]:
    """Positional arguments for ``_prep_chat`` from the async methods' keywords."""
    fixed = [kwargs.pop(k, None) for k in _CHAT_KEYS]
    return [*fixed, kwargs]
