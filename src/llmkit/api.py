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
from typing import TYPE_CHECKING, Any

from llmkit import _guard
from llmkit._base import Messages, _Base, _log_response, log
from llmkit._retry import Flow, Send, Sleep, Timeout
from llmkit._stream import AsyncStream, Stream
from llmkit.auth.base import Blocking
from llmkit.errors import APITimeoutError, ConfigurationError, LLMKitError
from llmkit.types import Completion, Embeddings, TokenCount
from llmkit.wire import HttpResponse

if TYPE_CHECKING:
    from llmkit.transport.async_http import AsyncTransport
    from llmkit.transport.sync_http import SyncTransport

__all__ = ["AsyncClient", "Client", "Messages"]


async def _off_loop(action: Blocking) -> Any:
    try:
        return await asyncio.wait_for(asyncio.to_thread(action.fn), action.timeout)
    except TimeoutError:
        pass
    # (The thread runs on to its end; a blocking library call cannot be interrupted.)
    raise APITimeoutError("total timeout reached while refreshing credentials")


def _check_http_client(http_client: object) -> None:
    import httpx2  # only when one is passed: whoever passes an httpx2.Client has imported it already

    if not isinstance(http_client, httpx2.Client):
        hint = (
            " (AsyncClient runs on aiohttp and takes no http_client)"
            if isinstance(http_client, httpx2.AsyncClient)
            else ""
        )
        raise ConfigurationError(
            f"http_client must be an httpx2.Client, not {type(http_client).__name__}{hint}; "
            "leave it out and llmkit makes its own pool"
        )


class Client(_Base):
    """A sync client holding defaults and a connection pool."""

    def __init__(self, *, http_client: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if http_client is not None:
            _check_http_client(http_client)
        self._http_client = http_client
        self._transport: SyncTransport | None = None

    def _get_transport(self) -> SyncTransport:
        transport = self._transport
        if transport is None:
            # Threads making their first call at once must share one pool, not race to build one.
            with self._transport_lock:
                transport = self._transport
                if transport is None:
                    from llmkit.transport.sync_http import SyncTransport

                    transport = self._transport = SyncTransport(
                        max_connections=self._max_connections,
                        http_client=self._http_client,
                        proxy=self._proxy,
                        max_response_bytes=self._max_response_bytes,
                    )
        return transport

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
                else:  # a credential library's blocking refresh
                    result = action.fn()
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
        return self._structured(_guard.parse_chat(r.dialect, resp, req, r.ctx), validator)

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

        def send() -> HttpResponse:
            return self._drive(self._flow(call, True))

        return Stream(send(), core, send, call.policy.max_retries)

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
        return _guard.parse_embed(call.resolved.dialect, resp, req, call.resolved.ctx)

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
        return _guard.parse_count_tokens(call.resolved.dialect, resp, call.resolved.ctx)

    def close(self) -> None:
        with self._transport_lock:
            transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

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
        transport = self._transport
        if transport is None:
            # Clients shared by event loops in several threads still get one transport.
            with self._transport_lock:
                transport = self._transport
                if transport is None:
                    from llmkit.transport.async_http import AsyncTransport

                    transport = self._transport = AsyncTransport(
                        max_connections=self._max_connections,
                        proxy=self._proxy,
                        max_response_bytes=self._max_response_bytes,
                    )
        return transport

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
                else:  # a credential library's blocking refresh: off the event loop
                    result = await _off_loop(action)
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

    async def complete(
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
        """Same as :meth:`Client.complete`, awaited."""
        call, req, validator = self._prep_chat(
            model, messages, False, tools, tool_choice, response_format, temperature, max_tokens, stop,
            api_key, base_url, timeout, max_retries, extra_headers, extra_body, provider_options,
        )  # fmt: skip
        resp = await self._drive(self._flow(call, False))
        r = call.resolved
        return self._structured(_guard.parse_chat(r.dialect, resp, req, r.ctx), validator)

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
    ) -> AsyncStream:
        """Same as :meth:`Client.stream`. Configuration errors raise here; the request is sent
        when the stream is first awaited, entered or iterated."""
        call, req, validator = self._prep_chat(
            model, messages, True, tools, tool_choice, response_format, temperature, max_tokens, stop,
            api_key, base_url, timeout, max_retries, extra_headers, extra_body, provider_options,
        )  # fmt: skip

        async def send() -> HttpResponse:
            return await self._drive(self._flow(call, True))

        return AsyncStream(send, self._stream_core(call, req, validator), call.policy.max_retries)

    async def embed(
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
        """Same as :meth:`Client.embed`, awaited."""
        call, req = self._prep_embed(
            model, inputs, dimensions, api_key, base_url, timeout, max_retries, extra_headers, extra_body,
            provider_options,
        )  # fmt: skip
        resp = await self._drive(self._flow(call, False))
        return _guard.parse_embed(call.resolved.dialect, resp, req, call.resolved.ctx)

    async def count_tokens(
        self, model: str, messages: Messages, *, tools: Iterable[Any] | None = None,
        api_key: str | None = None, base_url: str | None = None, **provider_options: Any,
    ) -> TokenCount:  # fmt: skip
        call, _ = self._prep_count(model, messages, tools, api_key, base_url, provider_options)
        resp = await self._drive(self._flow(call, False))
        return _guard.parse_count_tokens(call.resolved.dialect, resp, call.resolved.ctx)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
