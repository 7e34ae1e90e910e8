"""The pure half of every call: configuration, resolution, request building, decoding.

``Client`` and ``AsyncClient`` (in ``api.py``) add only the I/O.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmkit import _args as A
from llmkit import _constants as C
from llmkit import _guard
from llmkit._inputs import (
    check_tool_choice,
    parse_structured,
    to_messages,
    to_response_format,
    to_tool_choice,
    to_tools,
)
from llmkit._proxy import check_proxy_url
from llmkit._redact import mask, register_secret
from llmkit._resolve import Resolved, resolve
from llmkit._retry import Flow, RetryPolicy, Timeout, send_flow
from llmkit._stream import _StreamCore
from llmkit.dialects.base import ChatRequest, EmbedRequest
from llmkit.errors import ConfigurationError, NotSupportedError, RefusalError, StructuredOutputError
from llmkit.types import Completion, Message
from llmkit.wire import HttpRequest, HttpResponse

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
        retry_sent_requests: bool | None = None,
        max_connections: int = C.MAX_CONNECTIONS,
        max_response_bytes: int = C.MAX_RESPONSE_BYTES,
        proxy: str | None = None,
    ) -> None:
        A.check_api_key(api_key)
        if api_keys is not None:
            if not isinstance(api_keys, Mapping):
                raise ConfigurationError(
                    f"api_keys must be a dict of provider name to key, not {type(api_keys).__name__}"
                )
            for name, key in api_keys.items():
                if type(name) is not str or key is None:
                    raise ConfigurationError("api_keys must map provider names to keys (strings)")
                A.check_api_key(key, f"api_keys[{name!r}]")
        A.check_max_retries(max_retries)
        A.check_str_map(headers, "headers")
        self._keys: dict[str, str] = dict(api_keys or {})
        if api_key is not None:
            self._keys["*"] = api_key
        for k in self._keys.values():
            register_secret(k)
        self._base_url = base_url
        self._timeout = Timeout.of(timeout)
        self._max_retries = C.DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        self._headers = dict(headers or {})
        # retry_sent_requests is the general name; retry_read_timeouts (older) sets the same switch.
        if retry_sent_requests is not None:
            retry_read_timeouts = retry_sent_requests
        self._retry_read_timeouts = retry_read_timeouts
        self._max_connections = max_connections
        if type(max_response_bytes) is not int or max_response_bytes <= 0:
            raise ConfigurationError(
                f"max_response_bytes must be a positive int (bytes), not {max_response_bytes!r}"
            )
        self._max_response_bytes = max_response_bytes
        self._proxy = check_proxy_url(proxy) if proxy is not None else None
        # Built on first use; the lock makes concurrent first calls share one pool.
        self._transport_lock = threading.Lock()
        # The policy holds no per-call state, so one serves every call that keeps the defaults.
        self._policy = RetryPolicy(max_retries=self._max_retries, retry_read_timeouts=retry_read_timeouts)
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
        policy = self._policy
        if max_retries is not None and max_retries != policy.max_retries:
            policy = RetryPolicy(max_retries=max_retries, retry_read_timeouts=self._retry_read_timeouts)
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
        A.check_model(model)
        if api_key is not None or max_retries is not None:
            A.check_api_key(api_key)
            A.check_max_retries(max_retries)
        if temperature is not None or max_tokens is not None or stop is not None:
            A.check_sampling(temperature, max_tokens, stop)
        if extra_headers is not None or extra_body is not None:
            A.check_extra(extra_headers, extra_body)
        r = self._resolve(model, api_key, base_url, extra_headers, options)
        if stream and not r.spec.supports("stream"):
            raise NotSupportedError(f"{r.spec.name} does not support streaming through llmkit")
        # The None checks keep the plain call (no tools, no schema, no stop) free of conversions.
        fmt, validator = to_response_format(response_format) if response_format is not None else (None, None)
        req = ChatRequest(
            r.ctx.model,
            to_messages(messages),
            to_tools(tools) if tools is not None else (),
            to_tool_choice(tool_choice) if tool_choice is not None else None,
            fmt,
            temperature,
            max_tokens,
            () if stop is None else [stop] if isinstance(stop, str) else list(stop),
            stream,
            r.options,
            extra_body,
        )
        if req.tool_choice is not None:
            check_tool_choice(req.tool_choice, req.tools)
        if req.tools and not r.spec.supports("tools"):
            raise NotSupportedError(f"{r.spec.name} does not support tool calling")
        call = self._finish(r, _guard.build(r.dialect.build_chat, req, r.ctx), timeout, max_retries)
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
            lambda resp: _guard.parse_error(r.dialect, resp, r.ctx),
            r.spec.name,
        )

    @staticmethod
    def _structured(completion: Completion, validator: Any) -> Completion:
        if validator is None:
            return completion
        if completion.refusal is not None:
            # A refusal is the model's answer, not malformed JSON: say so, with its words.
            refused = RefusalError(
                f"the model refused instead of answering in the requested format: {completion.refusal!r}"
                if completion.refusal
                else "the model refused instead of answering in the requested format",
                refusal=completion.refusal,
            )
            refused.completion = completion
            raise refused
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
            lambda: r.dialect.stream_decoder(req, r.ctx),
            r.spec.name,
            req.model,
            finalize if validator is not None else None,
            deadline,
            call.policy.clock,
            max_event_bytes=self._max_response_bytes,
            resend_after_cut=call.policy.retry_read_timeouts,
        )

    def _prep_embed(
        self, model: str, inputs: str | Sequence[str], dimensions: int | None, api_key: str | None,
        base_url: str | None, timeout: Any, max_retries: int | None, extra_headers: Mapping[str, str] | None,
        extra_body: Mapping[str, Any] | None, options: dict[str, Any],
    ) -> tuple[_Call, EmbedRequest]:  # fmt: skip
        A.check_model(model)
        A.check_embed(inputs, dimensions)
        A.check_api_key(api_key)
        A.check_max_retries(max_retries)
        A.check_extra(extra_headers, extra_body)
        r = self._resolve(model, api_key, base_url, extra_headers, options)
        if not r.spec.supports("embeddings"):
            raise NotSupportedError(f"{r.spec.name} does not offer embeddings through llmkit")
        items = [inputs] if isinstance(inputs, str) else list(inputs)
        req = EmbedRequest(r.ctx.model, items, dimensions, r.options, extra_body)
        return self._finish(r, _guard.build(r.dialect.build_embed, req, r.ctx), timeout, max_retries), req

    def _prep_count(
        self, model: str, messages: Messages, tools: Iterable[Any] | None, api_key: str | None,
        base_url: str | None, options: dict[str, Any],
    ) -> tuple[_Call, ChatRequest]:  # fmt: skip
        A.check_model(model)
        A.check_api_key(api_key)
        r = self._resolve(model, api_key, base_url, None, options)
        req = ChatRequest(r.ctx.model, to_messages(messages), to_tools(tools), options=r.options)
        http = _guard.build(r.dialect.build_count_tokens, req, r.ctx)
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
