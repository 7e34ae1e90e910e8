"""The response cache: an exact-match cache of answers, keyed on the request as it is sent.

Opt in per call (``complete(..., cache=True)`` or ``cache=CachePolicy(ttl=600)``) or per client
(``Client(cache=MemoryCache())``, ``Client(cache=RedisCache("redis://..."))``). The key is a
SHA-256 over the operation, the provider and the request (URL, normalised JSON body, headers
other than credentials): never the API key. Streams are stored as their events and replayed as
the same events; every hit has ``.cached`` set. See docs/caching.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmkit.cache._policy import CacheBackend, CachePolicy
from llmkit.cache.memory import MemoryCache

__all__ = ["CacheBackend", "CachePolicy", "MemoryCache", "RedisCache"]


def __getattr__(name: str) -> Any:
    if name == "RedisCache":  # redis-py loads only with it (and only on its first command)
        from llmkit.cache.redis_cache import RedisCache

        return RedisCache
    raise AttributeError(f"module 'llmkit.cache' has no attribute {name!r}")


if TYPE_CHECKING:
    from llmkit.cache.redis_cache import RedisCache as RedisCache
