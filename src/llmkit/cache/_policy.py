"""What a cache is to a call: the store (``CacheBackend``) and the rules (``CachePolicy``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from llmkit.errors import ConfigurationError


@runtime_checkable
class CacheBackend(Protocol):
    """A byte store with expiry, sync and async. ``namespace`` and ``ttl`` are its defaults."""

    namespace: str
    ttl: float | None

    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: float | None) -> None: ...
    async def aget(self, key: str) -> bytes | None: ...
    async def aset(self, key: str, value: bytes, ttl: float | None) -> None: ...


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """How one call (``cache=CachePolicy(...)``) or every call of a client
    (``Client(cache=CachePolicy(...))``) uses the response cache.

    ``backend`` is the store (a ``MemoryCache`` or ``RedisCache``; None: the client's, else a
    process-wide in-memory LRU). ``ttl`` (seconds) is how long a new entry lives (None: the
    backend's ``ttl``, which defaults to no expiry); ``namespace`` separates tenants or
    experiments sharing one store (None: the backend's). ``max_age`` (seconds) accepts only
    entries written at most that long ago. ``read=False`` skips the lookup (the call is sent and
    its answer stored: a refresh); ``write=False`` keeps the answer out of the cache.
    """

    backend: CacheBackend | None = None
    ttl: float | None = None
    namespace: str | None = None
    max_age: float | None = None
    read: bool = True
    write: bool = True

    def __post_init__(self) -> None:
        if self.backend is not None and not isinstance(self.backend, CacheBackend):
            raise ConfigurationError(
                f"CachePolicy(backend=...) must be a MemoryCache, a RedisCache or another CacheBackend, "
                f"not {type(self.backend).__name__}"
            )
        for name in ("ttl", "max_age"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            ):
                raise ConfigurationError(
                    f"CachePolicy({name}=...) must be a positive number of seconds, not {value!r}"
                )
        check_namespace(self.namespace, "CachePolicy(namespace=...)")


def check_namespace(namespace: Any, where: str) -> None:
    if namespace is None:
        return
    if type(namespace) is not str or not namespace or len(namespace) > 200 or not namespace.isprintable():
        raise ConfigurationError(f"{where} must be a non-empty printable string of at most 200 characters")


_default: CacheBackend | None = None
_default_lock = threading.Lock()


def default_backend() -> CacheBackend:
    """The process-wide in-memory LRU behind ``cache=True`` on a client that names no store."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from llmkit.cache.memory import MemoryCache

                _default = MemoryCache()
    return _default


def client_policy(value: Any) -> CachePolicy | None:
    """``Client(cache=...)``: a backend, a policy, True (a private in-memory LRU), or off."""
    if value is None or value is False:
        return None
    if value is True:
        from llmkit.cache.memory import MemoryCache

        return CachePolicy(MemoryCache())
    if isinstance(value, CachePolicy):
        if value.backend is None:
            from llmkit.cache.memory import MemoryCache

            return CachePolicy(
                MemoryCache(), value.ttl, value.namespace, value.max_age, value.read, value.write
            )
        return value
    if isinstance(value, CacheBackend):
        return CachePolicy(value)
    raise ConfigurationError(
        f"cache must be True, False, a CachePolicy or a cache backend (MemoryCache, RedisCache), "
        f"not {type(value).__name__}"
    )


def call_policy(value: Any, client: CachePolicy | None) -> CachePolicy | None:
    """A call's ``cache=`` over its client's: None keeps the client's, False turns it off, True
    turns it on, a policy overrides the client's field by field (its unset fields inherit)."""
    if value is None:
        return client
    if value is False:
        return None
    if value is True:
        return client if client is not None else CachePolicy(default_backend())
    if not isinstance(value, CachePolicy):
        raise ConfigurationError(f"cache= must be True, False or a CachePolicy, not {type(value).__name__}")
    base = client if client is not None else CachePolicy(default_backend())
    return CachePolicy(
        value.backend if value.backend is not None else base.backend,  # (an empty MemoryCache is falsy)
        value.ttl if value.ttl is not None else base.ttl,
        value.namespace if value.namespace is not None else base.namespace,
        value.max_age if value.max_age is not None else base.max_age,
        value.read,
        value.write,
    )
