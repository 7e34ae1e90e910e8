"""redis-py loads only when a Redis backend sends its first command; ready-made clients are used
as given."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import redis
import redis.asyncio

from llmkit.cache import RedisCache
from llmkit.router.redis_state import AsyncRedisState, RedisState

PROBE = """
import sys
import llmkit
from llmkit.cache import MemoryCache, RedisCache
from llmkit.router.redis_state import RedisState
c = llmkit.Client(api_key="sk-probe-000000", cache=MemoryCache())
RedisCache("redis://127.0.0.1:1/0"); RedisState("redis://127.0.0.1:1/0")
print("redis" in sys.modules)
"""


def test_redis_is_not_imported_until_used() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_given_clients_are_used(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    RedisState(client=client, prefix=prefix).incr_window("k", 3, 60, 0.0)
    assert RedisCache(client=client).redis.sync() is client
    assert int(client.hget(f"{prefix}:state:router:win:k", "n")) == 3

    async def go() -> Any:
        aclient = redis.asyncio.Redis.from_url(redis_url)
        try:
            return await AsyncRedisState(async_client=aclient, prefix=prefix).get_window("k", 60, 0.0)
        finally:
            await aclient.aclose()

    assert asyncio.run(go()) == 3
    client.close()
