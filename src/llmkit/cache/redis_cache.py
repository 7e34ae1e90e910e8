"""The response cache in Redis: shared by every process that points at the same server."""

from __future__ import annotations

import logging
from typing import Any

from llmkit.cache._policy import check_namespace
from llmkit.cache._redis import RedisConnection, check_prefix
from llmkit.errors import ConfigurationError

log = logging.getLogger("llmkit")


class RedisCache:
    """Entries as Redis strings under ``{prefix}:cache:{namespace}:{digest}``, each with its TTL
    (``ttl`` seconds, None: kept until Redis evicts it; a call's ``CachePolicy(ttl=...)`` wins).

    ``url`` (else ``LLMKIT_REDIS_URL``, ``REDIS_URL``, else ``redis://127.0.0.1:6379/0``), or
    ready-made ``client=`` (``redis.Redis``) / ``async_client=`` (``redis.asyncio.Redis``).
    With ``fail_open=True`` (the default) a Redis that cannot be reached makes a call a miss
    (logged as a warning) rather than a failure; ``fail_open=False`` raises StateBackendError.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        async_client: Any = None,
        prefix: str = "llmkit",
        namespace: str = "default",
        ttl: float | None = None,
        fail_open: bool = True,
        socket_timeout: float = 2.0,
    ) -> None:
        check_namespace(namespace, "RedisCache(namespace=...)")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0):
            raise ConfigurationError(f"RedisCache(ttl=...) must be a positive number of seconds, not {ttl!r}")
        self.prefix = check_prefix(prefix, "RedisCache(prefix=...)")
        self.namespace = namespace
        self.ttl = ttl
        self.fail_open = fail_open
        self.redis = RedisConnection(
            url, client=client, async_client=async_client, socket_timeout=socket_timeout
        )

    def __repr__(self) -> str:
        return f"RedisCache({self.redis.where!r}, prefix={self.prefix!r}, namespace={self.namespace!r})"

    def _name(self, key: str) -> str:
        return f"{self.prefix}:cache:{key}"

    def _failed(self, exc: Exception, doing: str) -> None:
        err = self.redis.failed(exc, doing)
        if not self.fail_open:
            raise err
        log.warning("llmkit cache: %s; the call goes on without the cache", err.message)

    def get(self, key: str) -> bytes | None:
        try:
            value: bytes | None = self.redis.sync().get(self._name(key))
        except Exception as exc:  # redis-py's errors, and a client that is not one
            self._failed(exc, "reading a cache entry")
            return None
        return value

    def set(self, key: str, value: bytes, ttl: float | None) -> None:
        try:
            self.redis.sync().set(self._name(key), value, px=_ms(ttl))
        except Exception as exc:
            self._failed(exc, "writing a cache entry")

    async def aget(self, key: str) -> bytes | None:
        try:
            value: bytes | None = await self.redis.async_().get(self._name(key))
        except Exception as exc:
            self._failed(exc, "reading a cache entry")
            return None
        return value

    async def aset(self, key: str, value: bytes, ttl: float | None) -> None:
        try:
            await self.redis.async_().set(self._name(key), value, px=_ms(ttl))
        except Exception as exc:
            self._failed(exc, "writing a cache entry")

    def clear(self) -> int:
        """Delete this prefix's entries in this cache's namespace; how many were deleted."""
        client = self.redis.sync()
        pattern = self._name(f"{_glob_escape(self.namespace)}:*")
        names = list(client.scan_iter(match=pattern, count=500))
        return int(client.delete(*names)) if names else 0

    def close(self) -> None:
        self.redis.close()

    async def aclose(self) -> None:
        await self.redis.aclose()


def _ms(ttl: float | None) -> int | None:
    return None if ttl is None else max(1, int(ttl * 1000))


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
