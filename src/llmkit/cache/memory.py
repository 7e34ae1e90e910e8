"""The in-process response cache: a bounded LRU of encoded entries."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from llmkit.cache._policy import check_namespace
from llmkit.errors import ConfigurationError


class MemoryCache:
    """An in-memory LRU: at most ``max_entries`` entries and ``max_bytes`` bytes, the least
    recently used dropped first; ``ttl`` seconds (None: no expiry) unless a call says otherwise.

    Entries are stored encoded (as a RedisCache stores them), so every hit is a fresh object a
    caller may change without changing the cache. Thread-safe; one instance may serve sync and
    async clients alike.
    """

    def __init__(
        self,
        max_entries: int = 1024,
        *,
        max_bytes: int = 256 * 1024 * 1024,
        ttl: float | None = None,
        namespace: str = "default",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, value in (("max_entries", max_entries), ("max_bytes", max_bytes)):
            if type(value) is not int or value <= 0:
                raise ConfigurationError(f"MemoryCache({name}=...) must be a positive int, not {value!r}")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0):
            raise ConfigurationError(
                f"MemoryCache(ttl=...) must be a positive number of seconds, not {ttl!r}"
            )
        check_namespace(namespace, "MemoryCache(namespace=...)")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.namespace = namespace
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float | None, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"MemoryCache(entries={len(self._entries)}, max_entries={self.max_entries}, "
            f"namespace={self.namespace!r})"
        )

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, value = found
            if expires is not None and self._clock() >= expires:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, ttl: float | None) -> None:
        if len(value) > self.max_bytes:
            return  # larger than the whole cache: not kept, rather than emptying it
        expires = None if ttl is None else self._clock() + ttl
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (expires, value)
            self._bytes += len(value)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    async def aget(self, key: str) -> bytes | None:
        return self.get(key)

    async def aset(self, key: str, value: bytes, ttl: float | None) -> None:
        self.set(key, value, ttl)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        _, value = self._entries.pop(key)
        self._bytes -= len(value)
