"""The sync state backend's held lines write RESP and read replies themselves: the same bytes
as redis-py's packer, the same values as its parser, and a reply that came too late is never
read as the next command's."""

from __future__ import annotations

import socket
import struct
import sys
import time
from typing import Any

import pytest

from llmkit.router._redis_wire import pack
from llmkit.router.redis_state import RedisState

redis = pytest.importorskip("redis")


@pytest.mark.parametrize(
    "words",
    [
        ("GET", "k"),
        ("EVALSHA", "a" * 40, 0, "1796317600.93884", "", "héllo", b"\x00\r\n", 12, -3, 0.1, 1e300),
        ("SET", "x" * 70_000, "v", "PX", 1000),
    ],
)
def test_pack_writes_what_redis_py_writes(words: tuple[Any, ...]) -> None:
    theirs = b"".join(redis.connection.Connection().pack_command(*words))
    assert pack(words) == theirs


def test_pack_refuses_what_redis_py_refuses() -> None:
    with pytest.raises(redis.exceptions.DataError):
        pack(("SET", "k", True))
    with pytest.raises(redis.exceptions.DataError):
        pack(("SET", "k", None))


def _replies(redis_url: str, commands: list[tuple[Any, ...]]) -> list[Any]:
    """redis-py's own answers on a plain connection (errors as values)."""
    client = redis.Redis.from_url(redis_url)
    conn = client.connection_pool.get_connection()
    out: list[Any] = []
    try:
        for words in commands:
            conn.send_command(*words)
            try:
                out.append(conn.read_response())
            except redis.exceptions.ResponseError as exc:
                out.append(exc)
    finally:
        client.connection_pool.release(conn)
        client.close()
    return out


def test_replies_read_as_redis_py_reads_them(redis_url: str, prefix: str) -> None:
    key = f"{prefix}:wire"
    table = "return {1, 'two', {3, false}, redis.status_reply('OK'), redis.error_reply('ERR nested')}"
    commands: list[tuple[Any, ...]] = [
        ("DEL", key),
        ("GET", key),
        ("SET", key, "x" * 200_000),  # a reply bigger than one read
        ("GET", key),
        ("HSET", f"{key}:h", "s", "7", "n", "3"),
        ("HMGET", f"{key}:h", "s", "n", "missing"),
        ("HGETALL", f"{key}:h"),
        ("INCRBY", f"{key}:n", -5),
        ("EVAL", table, 0),
        ("EVAL", "return 1.5", 0),
        ("EVALSHA", "0" * 40, 0),
        ("INCRBY", key, 1),  # not an integer: an error reply
        ("DEL", key, f"{key}:h", f"{key}:n"),
    ]
    state = RedisState(redis_url, prefix=prefix)
    held = state._lines()
    assert held is not None
    ours = held.many(commands)

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, Exception) or isinstance(b, Exception):
            return type(a) is type(b) and str(a) == str(b)
        if isinstance(a, list):
            return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
        return bool(a == b)

    theirs = _replies(redis_url, commands)
    assert all(same(a, b) for a, b in zip(ours, theirs, strict=True)), (ours, theirs)
    assert isinstance(ours[10], redis.exceptions.NoScriptError)
    with pytest.raises(redis.exceptions.NoScriptError):
        held.one(("EVALSHA", "0" * 40, 0))
    assert held.one(("ECHO", "still in step")) == b"still in step"
    state.close()


def test_a_reply_that_came_too_late_is_never_read_as_the_next_one(redis_url: str, prefix: str) -> None:
    state = RedisState(redis_url, prefix=prefix, socket_timeout=0.2)
    held = state._lines()
    assert held is not None
    with pytest.raises(redis.exceptions.TimeoutError):
        held.one(("BLPOP", f"{prefix}:never", 1))  # answers after a second: past the timeout
    # The connection was dropped with its unread reply: the next command gets its own.
    assert held.one(("ECHO", "mine")) == b"mine"
    state.close()


def test_a_push_message_answers_no_command() -> None:
    from llmkit.router._redis_wire import _PUSH, _parse

    def error(text: str) -> Exception:
        return Exception(text)

    data = b">2\r\n$7\r\nmessage\r\n:1\r\n$2\r\nok\r\n"
    first, at = _parse(data, 0, error)
    assert first is _PUSH and _parse(data, at, error) == (b"ok", len(data))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel-held timeout is Linux's")
def test_a_held_socket_keeps_its_timeout_in_the_kernel(redis_url: str, prefix: str) -> None:
    # No poll() before each send and receive (CPython's timeout), the same bound on each.
    state = RedisState(redis_url, prefix=prefix, socket_timeout=0.25)
    held = state._lines()
    assert held is not None
    held.one(("PING",))
    sock = held._local.line.conn._sock
    assert sock.gettimeout() is None
    seconds, micros = struct.unpack("@ll", sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16))
    assert seconds == 0 and 250_000 <= micros < 260_000  # the kernel rounds to its tick
    started = time.monotonic()
    with pytest.raises(redis.exceptions.TimeoutError):
        held.one(("BLPOP", f"{prefix}:never", 2))
    assert time.monotonic() - started < 1.5
    assert held.one(("ECHO", "mine")) == b"mine"  # on a new connection
    state.close()
