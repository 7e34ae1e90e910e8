"""No secret in what the Redis backends show or store: the URL's password stays out of reprs and
errors (and is scrubbed if a message ever quotes it); the API key never reaches a cache entry."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit.cache import RedisCache
from llmkit.emulator import Emulator, Script
from llmkit.errors import LLMKitError, StateBackendError
from llmkit.router.redis_state import AsyncRedisState, RedisState

PASSWORD = "redis-pw-canary-4242"
URL = f"redis://default:{PASSWORD}@127.0.0.1:1/0"


def test_reprs_and_errors_hold_no_redis_password() -> None:
    objects: list[Any] = [RedisCache(URL), RedisState(URL), AsyncRedisState(URL)]
    for o in objects:
        assert PASSWORD not in repr(o) + str(o)
        assert PASSWORD not in repr(o.redis)
    with pytest.raises(StateBackendError) as info:
        RedisState(URL, socket_timeout=0.3).incr_window("k", 1, 60, 0.0)
    exc = info.value
    for text in (str(exc), repr(exc), repr(pickle.dumps(exc))):
        assert PASSWORD not in text
    # Registered as a secret: any llmkit error quoting it is scrubbed.
    assert PASSWORD not in str(LLMKitError(f"oops {PASSWORD}"))


def test_cache_entries_hold_no_api_key(emu: Emulator, redis_url: str, prefix: str, rdb: Any) -> None:
    cache = RedisCache(redis_url, prefix=prefix)
    emu.script(Script(text="plain"), Script(text="streamed answer"))
    with llmkit.Client(api_key=CANARY_KEY, base_url=emu.base_url(), cache=cache) as c:
        c.complete("openai/gpt-4o-mini", "hi")
        with c.stream("openai/gpt-4o-mini", "hi") as s:
            list(s)
    names = list(rdb.scan_iter(match=f"{prefix}:*"))
    assert len(names) == 2
    for name in names:
        assert CANARY_KEY.encode() not in name + rdb.get(name)
    cache.close()
