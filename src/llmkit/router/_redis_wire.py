"""A connection per thread for the sync Redis state backend's own client.

redis-py's ``Redis.execute_command`` takes a connection from its pool and gives it back on every
command, with its locks, event hooks and metrics: about 40 µs of CPU a command on a slow
machine, more than the loopback round trip and the Lua script together (a command on a held
connection costs about 15). The router sends one or two commands per routed call, so a thread
of a router keeps one connection, made with the pool's own settings (address, password,
timeouts, TLS), and sends on it directly. Only for a client the backend made itself: a client
passed in (``client=``) is the caller's, and is used through its pool as usual.

A connection the server dropped while it sat idle (a restart, an idle timeout) is replaced and
the command sent once more, as redis-py's default retry does; any other failure is raised.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from llmkit.cache._redis import require

__all__ = ["HeldLines"]


class HeldLines:
    """One connection per thread (and per process: a forked child makes its own)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool  # only for its connection class and settings
        self._local = threading.local()
        self._made: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._errors = require().exceptions

    def _conn(self) -> Any:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid():
            conn = self._pool.connection_class(**self._pool.connection_kwargs)
            local.conn, local.pid = conn, os.getpid()
            with self._lock:
                self._made.add(conn)
        return conn

    def one(self, words: Sequence[Any]) -> Any:
        """Send one command and read its reply (an error reply is raised, typed by redis-py)."""
        conn = self._conn()
        try:
            conn.send_command(*words)
            return conn.read_response()
        except self._errors.ConnectionError:
            conn.disconnect()  # the next send connects afresh
        conn.send_command(*words)
        return conn.read_response()

    def many(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Send the commands in one write and read their replies in order (one round trip); an
        error reply is its place's value, as a pipeline's ``execute(raise_on_error=False)``."""
        conn = self._conn()
        try:
            return self._exchange(conn, commands)
        except _NothingRead:
            conn.disconnect()
        try:
            return self._exchange(conn, commands)
        except _NothingRead as failed:
            raise failed.__cause__ from None  # type: ignore[misc]

    def _exchange(self, conn: Any, commands: Sequence[Sequence[Any]]) -> list[Any]:
        replies: list[Any] = []
        try:
            conn.send_packed_command(conn.pack_commands(commands))
            for _ in commands:
                try:
                    replies.append(conn.read_response())
                except self._errors.ResponseError as exc:
                    replies.append(exc)
        except self._errors.ConnectionError as exc:
            if replies:  # some ran: sending them again would run them twice
                raise
            raise _NothingRead() from exc
        return replies

    def close(self) -> None:
        with self._lock:
            made = list(self._made)
        for conn in made:
            conn.disconnect()


class _NothingRead(Exception):
    """The connection failed before any reply came back (its ``__cause__`` says how)."""
