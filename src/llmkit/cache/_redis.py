"""One Redis address, its sync client and its async clients (one per event loop), made lazily.

Shared by the response cache (``RedisCache``) and the router's shared state
(``llmkit.router.redis_state``). redis-py is the optional ``llmkit[redis]`` extra: it is imported
on first use, so ``import llmkit`` and a client with no Redis never load it.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

from llmkit._redact import register_secret
from llmkit.errors import ConfigurationError, StateBackendError

# The address when neither url= nor an environment variable gives one.
DEFAULT_URL = "redis://127.0.0.1:6379/0"
URL_ENV = ("LLMKIT_REDIS_URL", "REDIS_URL")


def require() -> Any:
    try:
        import redis
    except ImportError:
        raise ConfigurationError(
            "the Redis backends need redis-py: pip install 'llmkit[redis]' (or pass client= / async_client=)"
        ) from None
    return redis


def check_prefix(prefix: Any, where: str) -> str:
    # A prefix goes into every key; Redis keys may hold anything, but ':' is the separator here
    # and a space or control character would make keys hard to inspect with redis-cli.
    if (
        type(prefix) is not str
        or not prefix
        or len(prefix) > 100
        or not all(c.isalnum() or c in "-_.:" for c in prefix)
    ):
        raise ConfigurationError(
            f"{where} must be 1-100 characters of letters, digits and -_.: (not {prefix!r})"
        )
    return prefix


class RedisConnection:
    """Where a Redis is, and clients for it. ``url`` (else ``LLMKIT_REDIS_URL``, ``REDIS_URL``,
    else ``redis://127.0.0.1:6379/0``) or ready-made clients (``client=`` a ``redis.Redis``,
    ``async_client=`` a ``redis.asyncio.Redis``). ``socket_timeout`` bounds every command, so a
    stalled Redis fails a call's cache or state step instead of hanging it."""

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        async_client: Any = None,
        socket_timeout: float = 2.0,
    ) -> None:
        if url is None:
            url = next((os.environ[n] for n in URL_ENV if os.environ.get(n)), None)
        if url is None:
            url = DEFAULT_URL
        if type(url) is not str:
            raise ConfigurationError(f"url must be a redis:// URL string, not {type(url).__name__}")
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ConfigurationError(
                "url must start redis://, rediss:// or unix:// (LLMKIT_REDIS_URL, REDIS_URL)"
            )
        if parts.password:
            register_secret(parts.password)
        self.url = url
        # For messages: never the password.
        self.where = (
            f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
        )
        self.socket_timeout = socket_timeout
        self._client = client
        self._given_async = async_client
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RedisConnection({self.where!r})"

    def sync(self) -> Any:
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    redis = require()
                    self._client = redis.Redis.from_url(
                        self.url,
                        socket_timeout=self.socket_timeout,
                        socket_connect_timeout=self.socket_timeout,
                    )
                client = self._client
        return client

    def async_(self) -> Any:
        if self._given_async is not None:
            return self._given_async
        # An asyncio Redis client's connections belong to the loop that opened them.
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            require()
            import redis.asyncio

            client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=self.socket_timeout, socket_connect_timeout=self.socket_timeout
            )
            self._async[loop] = client
        return client

    def failed(self, exc: BaseException, doing: str) -> StateBackendError:
        # The library's exception text may quote the URL (and its password): only its type here.
        return StateBackendError(f"Redis at {self.where} failed while {doing}: {type(exc).__name__}")

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._given_async is None:
            client.close()

    async def aclose(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._async.pop(loop, None)
        if client is not None:
            await client.aclose()
