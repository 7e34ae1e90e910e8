"""The shared default clients behind the module functions (``llmkit.complete`` and friends)."""

from __future__ import annotations

import threading

from llmkit.api import AsyncClient, Client

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
