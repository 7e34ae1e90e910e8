"""One call's way through the cache: its key, and its entry read and written (pure but for the
wall clock that dates an entry; the drivers do the store's I/O)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from llmkit.cache._codec import EntryError, decode, encode
from llmkit.cache._key import request_key
from llmkit.cache._policy import CacheBackend, CachePolicy
from llmkit.wire import HttpRequest

log = logging.getLogger("llmkit")


@dataclass(slots=True)
class Lookup:
    backend: CacheBackend
    key: str
    ttl: float | None
    max_age: float | None
    read: bool
    write: bool

    def found(self, data: bytes | None) -> Any:
        """The cached value in a stored entry, or None (none, too old, or unreadable)."""
        if data is None:
            return None
        try:
            entry = decode(data)
            written, value = entry["at"], entry["value"]
        except (EntryError, TypeError, KeyError) as exc:
            # Another version's entry, or not one of ours: a miss, overwritten by this call's answer.
            log.debug("llmkit cache: entry %s unreadable (%s); treated as a miss", self.key, exc)
            return None
        if self.max_age is not None and time.time() - float(written) > self.max_age:
            return None
        return value

    def entry(self, value: Any) -> bytes | None:
        """``value`` as an entry to store, or None when it cannot be (its raw payload is not JSON)."""
        try:
            return encode({"at": time.time(), "value": value})
        except (TypeError, ValueError) as exc:
            log.debug("llmkit cache: answer for %s not cached (%s)", self.key, exc)
            return None


def lookup(policy: CachePolicy, operation: str, provider: str, requests: Sequence[HttpRequest]) -> Lookup:
    backend = policy.backend
    assert backend is not None  # the policy resolution always names one
    namespace = policy.namespace if policy.namespace is not None else backend.namespace
    ttl = policy.ttl if policy.ttl is not None else backend.ttl
    key = f"{namespace}:{request_key(operation, provider, requests)}"
    return Lookup(backend, key, ttl, policy.max_age, policy.read, policy.write)
