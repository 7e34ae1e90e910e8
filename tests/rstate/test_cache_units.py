"""The cache's pure parts: the key, the entry codec, the LRU, the policy rules."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from llmkit.cache import CachePolicy, MemoryCache, RedisCache
from llmkit.cache._codec import EntryError, decode, encode
from llmkit.cache._key import request_key
from llmkit.cache._lookup import lookup
from llmkit.cache._policy import call_policy, client_policy, default_backend
from llmkit.ranking import RankedDocument, Ranking
from llmkit.types import (
    Citation,
    CitationsUpdate,
    Completion,
    Embeddings,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    ReasoningDelta,
    ReasoningPart,
    RefusalDelta,
    TextDelta,
    TextPart,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from llmkit.wire import HttpRequest


def req(body: Any, **headers: str) -> HttpRequest:
    return HttpRequest(
        "POST", "https://api.example.com/v1/chat/completions", dict(headers), json.dumps(body).encode()
    )


def test_the_key_is_over_the_normalised_request_without_credentials() -> None:
    a = req({"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0})
    b = req({"temperature": 0, "messages": [{"content": "hi", "role": "user"}], "model": "m"})
    k = request_key("chat", "openai", [a])
    assert k == request_key("chat", "openai", [b])  # key order in the JSON does not matter
    keyed = req(
        {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0},
        Authorization="Bearer sk-aaaaaaaaaaaa",
        **{"x-api-key": "k1", "User-Agent": "llmkit/0"},
    )
    assert request_key("chat", "openai", [keyed]) == k
    assert request_key("stream", "openai", [a]) != k
    assert request_key("chat", "groq", [a]) != k
    assert request_key("chat", "openai", [req({"model": "m", "messages": [], "temperature": 0})]) != k
    assert request_key("chat", "openai", [req({"model": "m"}, **{"anthropic-beta": "x"})]) != request_key(
        "chat", "openai", [req({"model": "m"})]
    )
    other_url = HttpRequest("POST", "https://eu.example.com/v1/chat/completions", {}, a.body)
    assert request_key("chat", "openai", [other_url]) != k
    assert request_key("embed", "openai", [a, b]) != request_key("embed", "openai", [a])
    binary = HttpRequest("POST", "https://x.example.com/up", {}, b"\x00\x01 not json")
    assert len(request_key("images", "openai", [binary])) == 64


def test_lookup_names_the_namespace_and_the_ttl() -> None:
    store = MemoryCache(namespace="team-a", ttl=60)
    look = lookup(CachePolicy(store), "chat", "openai", [req({"model": "m"})])
    assert look.key.startswith("team-a:") and look.ttl == 60
    look = lookup(CachePolicy(store, ttl=5, namespace="b"), "chat", "openai", [req({"model": "m"})])
    assert look.key.startswith("b:") and look.ttl == 5


def _completion() -> Completion:
    return Completion(
        message=Message(
            "assistant",
            (
                ReasoningPart("hm", signature="sig"),
                TextPart("hi", cache_control={"type": "ephemeral"}),
                ImagePart(url="https://i.example.com/x.png"),
            ),
            (ToolCall("c1", "f", '{"a": [1, 2.5, null]}'), ToolCall("c2", "g", "not json")),
        ),
        finish_reason=FinishReason.TOOL_CALLS,
        usage=Usage(10, 5, cached_input_tokens=2),
        model="m",
        provider="openai",
        id="x",
        raw_finish_reason="tool_calls",
        raw={"$weird": 1, "nested": {"list": [1, {"$t": 2}]}, "t": (1, 2)},
        citations=[Citation("https://c.example.com", "T", sources=("d1",))],
        refusal=None,
    )


def test_every_result_type_round_trips_exactly() -> None:
    values: list[Any] = [
        _completion(),
        Embeddings([[0.1, -2.5e-7], [1.0]], Usage(3), "e", "openai", raw=None),
        Ranking(
            [RankedDocument(1, 0.9, {"title": "t"}), RankedDocument(0, 0.1)], "r", "cohere", Usage(), 1.0
        ),
        [
            TextDelta("a"),
            ToolCallDelta(0, "c1", "f", '{"'),
            ReasoningDelta("r", "s"),
            RefusalDelta(""),
            UsageUpdate(Usage(1, 2)),
            Finish(FinishReason.STOP, "stop"),
            CitationsUpdate((Citation("u"),)),
        ],
    ]
    for v in values:
        back = decode(encode(v))
        assert back == v and type(back) is type(v)
    c = decode(encode(_completion()))
    assert c.raw == _completion().raw and isinstance(c.raw["t"], tuple)
    assert isinstance(c.message.content, tuple) and isinstance(c.finish_reason, FinishReason)
    assert c.tool_calls[1].parse_error is not None  # a malformed call stays malformed


def test_parsed_and_cached_are_not_stored() -> None:
    c = _completion()
    c.parsed, c.cached = {"x": 1}, True
    back = decode(encode(c))
    assert back.parsed is None and back.cached is False


def test_foreign_entries_are_refused_not_run() -> None:
    with pytest.raises(EntryError):
        decode(b'{"$": "os.system", "command": "true"}')
    with pytest.raises(EntryError):
        decode(b'{"$": "Usage", "evil": 1}')
    with pytest.raises(EntryError):
        decode(b"\x80\x04 a pickle")
    with pytest.raises(TypeError):
        encode(Completion(Message("assistant", "x"), FinishReason.STOP, Usage(), "m", "p", raw=b"bytes"))


def test_a_lookup_treats_unreadable_and_old_entries_as_misses() -> None:
    look = lookup(CachePolicy(MemoryCache(), max_age=10), "chat", "openai", [req({"m": 1})])
    assert look.found(None) is None
    assert look.found(b"garbage") is None
    assert look.found(encode({"at": 0.0, "value": 1})) is None  # written long ago
    data = look.entry(Usage(1))
    assert data is not None and look.found(data) == Usage(1)


def test_memory_cache_is_a_bounded_lru_with_expiry() -> None:
    now = [0.0]
    m = MemoryCache(3, max_bytes=100, clock=lambda: now[0])
    for k in "abc":
        m.set(k, b"x", None)
    assert m.get("a") == b"x"  # a is now the most recent
    m.set("d", b"x", None)
    assert m.get("b") is None and len(m) == 3  # b was the least recently used
    m.set("t", b"y", ttl=5)
    now[0] = 4.9
    assert m.get("t") == b"y"
    now[0] = 5.0
    assert m.get("t") is None
    m.set("big", b"z" * 99, None)
    assert m.get("big") is not None and len(m) <= 2  # bytes bound: older entries dropped
    m.set("huge", b"z" * 101, None)
    assert m.get("huge") is None and m.get("big") is not None  # never kept, nothing emptied
    assert asyncio.run(m.aget("big")) == b"z" * 99
    m.clear()
    assert len(m) == 0


def test_policy_resolution() -> None:
    store = MemoryCache()
    assert client_policy(None) is None and client_policy(False) is None
    assert isinstance(client_policy(True).backend, MemoryCache)  # type: ignore[union-attr]
    assert client_policy(store) == CachePolicy(store)
    own = client_policy(CachePolicy(ttl=9))
    assert own is not None and own.ttl == 9 and isinstance(own.backend, MemoryCache)
    client = CachePolicy(store, ttl=60, namespace="n")
    assert call_policy(None, client) is client
    assert call_policy(False, client) is None
    assert call_policy(True, client) is client
    assert call_policy(True, None) == CachePolicy(default_backend())
    merged = call_policy(CachePolicy(ttl=5, read=False), client)
    assert merged == CachePolicy(store, 5, "n", None, False, True)


def test_reprs_hold_no_password() -> None:
    r = RedisCache("redis://user:sekret-pass-77@cache.internal:6380/3")
    assert "sekret" not in repr(r) and "cache.internal:6380/3" in repr(r)


def test_redis_entries_carry_their_ttl_under_the_prefix(redis_url: str, prefix: str, rdb: Any) -> None:
    cache = RedisCache(redis_url, prefix=prefix, namespace="ns", ttl=30)
    look = lookup(CachePolicy(cache), "chat", "openai", [req({"m": 1})])
    cache.set(look.key, b"v", look.ttl)
    cache.set("ns:forever", b"w", None)
    (name,) = [k.decode() for k in rdb.scan_iter(match=f"{prefix}:cache:ns:*") if b"forever" not in k]
    assert name == f"{prefix}:cache:{look.key}" and 0 < rdb.pttl(name) <= 30_000
    assert rdb.pttl(f"{prefix}:cache:ns:forever") == -1  # ttl=None: until Redis evicts it
    assert cache.get(look.key) == b"v"
    assert cache.clear() == 2 and cache.get(look.key) is None
    cache.close()
