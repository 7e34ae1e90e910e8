"""Module-level shortcuts (``llmkit.complete`` and friends) on shared default clients."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from llmkit._base import Messages
from llmkit._retry import Timeout
from llmkit._stream import AsyncStream, Stream
from llmkit.api import AsyncClient, Client
from llmkit.types import Completion, Embeddings, TokenCount

_client: Client | None = None
_aclient: AsyncClient | None = None
# Threads making their first call at once must share one default client (and so one pool).
_lock = threading.Lock()


def default_client() -> Client:
    global _client
    client = _client
    if client is None:
        with _lock:
            client = _client
            if client is None:
                client = _client = Client()
    return client


def default_async_client() -> AsyncClient:
    """The shared AsyncClient. It may serve many ``asyncio.run`` calls: its session is closed as
    each event loop shuts down, and a new one is made in the next loop."""
    global _aclient
    client = _aclient
    if client is None:
        with _lock:
            client = _aclient
            if client is None:
                client = _aclient = AsyncClient()
    return client


def complete(
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
    """Send a chat completion and wait for the whole answer."""
    return default_client().complete(
        model, messages, tools=tools, tool_choice=tool_choice, response_format=response_format,
        temperature=temperature, max_tokens=max_tokens, stop=stop, api_key=api_key, base_url=base_url,
        timeout=timeout, max_retries=max_retries, extra_headers=extra_headers, extra_body=extra_body,
        **provider_options,
    )  # fmt: skip


async def acomplete(
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
    """Async :func:`complete`."""
    return await default_async_client().complete(
        model, messages, tools=tools, tool_choice=tool_choice, response_format=response_format,
        temperature=temperature, max_tokens=max_tokens, stop=stop, api_key=api_key, base_url=base_url,
        timeout=timeout, max_retries=max_retries, extra_headers=extra_headers, extra_body=extra_body,
        **provider_options,
    )  # fmt: skip


def stream(
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
    """Stream a chat completion: iterate the result for events; ``.completion`` at the end."""
    return default_client().stream(
        model, messages, tools=tools, tool_choice=tool_choice, response_format=response_format,
        temperature=temperature, max_tokens=max_tokens, stop=stop, api_key=api_key, base_url=base_url,
        timeout=timeout, max_retries=max_retries, extra_headers=extra_headers, extra_body=extra_body,
        **provider_options,
    )  # fmt: skip


def astream(
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
    """Async :func:`stream`: ``async for``/``async with`` the result (or ``await`` it to start)."""
    return default_async_client().stream(
        model, messages, tools=tools, tool_choice=tool_choice, response_format=response_format,
        temperature=temperature, max_tokens=max_tokens, stop=stop, api_key=api_key, base_url=base_url,
        timeout=timeout, max_retries=max_retries, extra_headers=extra_headers, extra_body=extra_body,
        **provider_options,
    )  # fmt: skip


def embed(model: str, inputs: str | Sequence[str], **kwargs: Any) -> Embeddings:
    """Embed one or more texts (``dimensions=``, ``api_key=``, ``base_url=``, ... as for Client.embed)."""
    return default_client().embed(model, inputs, **kwargs)


async def aembed(model: str, inputs: str | Sequence[str], **kwargs: Any) -> Embeddings:
    return await default_async_client().embed(model, inputs, **kwargs)


def count_tokens(
    model: str, messages: Messages, *, tools: Iterable[Any] | None = None, **kwargs: Any
) -> TokenCount:
    """Exact input-token count from the provider's own counting endpoint (where it has one)."""
    return default_client().count_tokens(model, messages, tools=tools, **kwargs)


async def acount_tokens(
    model: str, messages: Messages, *, tools: Iterable[Any] | None = None, **kwargs: Any
) -> TokenCount:
    return await default_async_client().count_tokens(model, messages, tools=tools, **kwargs)
