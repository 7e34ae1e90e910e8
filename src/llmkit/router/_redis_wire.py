"""A connection per thread for the sync Redis state backend's own client, spoken to directly.

redis-py's ``Redis.execute_command`` takes a connection from its pool and gives it back on every
command, with its locks, event hooks and metrics: about 40 µs of CPU a command on a slow
machine, more than the loopback round trip and the Lua script together. Its parser, on a held
connection, still costs about 20 µs a reply (a socket buffer object, per-line reads, callbacks),
and its packer as much again for a pick's few dozen arguments. So a thread of a router keeps
one connection, made and handshaken by redis-py with the pool's own settings (address,
password, timeouts, TLS, protocol), and then writes the commands' bytes to its socket and reads
the replies itself (``pack``, ``_parse``): the replies the state's commands get are a handful of
RESP2/RESP3 types, answered as redis-py's own parser answers them (bytes, ints, floats, None,
lists; an error reply typed by redis-py's ``parse_error``). Only for a client the backend made
itself: a client passed in (``client=``) is the caller's, and is used through its pool as usual.

A connection the server dropped while it sat idle (a restart, an idle timeout) is replaced and
the command sent once more, as redis-py's default retry does; any other failure is raised, and
a connection that failed mid-reply is dropped (a late reply must not be read as the next one's).

``defer`` writes commands whose replies the caller does not wait for (the router's record of an
answer): they are on the socket, so the server runs them at once, and their replies are read,
and handed to the caller's ``settle``, before the next command on that connection reads its
own. A connection lost with such replies unread settles them as its error.

A socket with a timeout makes CPython poll() before every send and receive: twice the system
calls of the exchange itself. On Linux a held socket is made blocking with the same timeout
set in the kernel (``SO_RCVTIMEO``/``SO_SNDTIMEO``), where a timed-out call fails with EAGAIN,
read here as redis-py's TimeoutError as before.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from llmkit.cache._redis import require

__all__ = ["HeldLines", "Settle", "pack"]

# What takes a deferred write's replies once they are read: each a value, or the error reply
# (or the connection's failure, for a reply lost with the connection) as an exception.
Settle = Callable[[list[Any]], None]
# A thread that only defers (no command of its own reads) would let replies pile up in the
# socket: past this many deferred writes, the next one reads the earlier ones' replies first.
_MOST_OWED = 64


def _word(value: Any) -> bytes:
    # As redis-py's Encoder: bytes as they are, numbers by repr, text as UTF-8, nothing else.
    kind = type(value)
    if kind is str:
        return value.encode()  # type: ignore[no-any-return]
    if kind is bytes:
        return value  # type: ignore[no-any-return]
    if kind is int or kind is float:
        return repr(value).encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value).encode()
    raise require().exceptions.DataError(
        f"Invalid input of type: '{type(value).__name__}'. Convert to a bytes, string, int or float first."
    )


def pack(words: Sequence[Any]) -> bytes:
    """One command in RESP, as redis-py's ``pack_command`` writes it."""
    parts = [b"*%d\r\n" % len(words)]
    for value in words:
        data = _word(value)
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


# A RESP3 push message (say a server's maintenance notice, which redis-py 8 asks for) answers
# no command: it is read and passed over.
_PUSH = object()


class _Short(Exception):
    """The buffer ends before the reply does: read more."""


def _parse(buf: bytes, pos: int, errors: Any) -> tuple[Any, int]:
    """The reply at ``pos`` and where the next one starts (an error reply is its exception)."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise _Short
    kind, line, after = buf[pos], buf[pos + 1 : end], end + 2
    if kind == 36 or kind == 33 or kind == 61:  # $ bulk, ! blob error, = verbatim text
        size = int(line)
        if size < 0:
            return None, after
        stop = after + size
        if len(buf) < stop + 2:
            raise _Short
        data = buf[after:stop]
        if kind == 33:
            return errors(data.decode(errors="replace")), stop + 2
        return (data[4:] if kind == 61 else data), stop + 2
    if kind == 58 or kind == 40:  # : integer, ( big number
        return int(line), after
    if kind == 43:  # + simple string
        return line, after
    if kind == 45:  # - error
        return errors(line.decode(errors="replace")), after
    if kind == 95:  # _ null
        return None, after
    if kind == 44:  # , double
        return float(line), after
    if kind == 35:  # # boolean
        return line == b"t", after
    if kind == 42 or kind == 126 or kind == 37 or kind == 62:  # * array, ~ set, % map, > push
        count = int(line)
        if count < 0:
            return None, after
        items = []
        for _ in range(count * 2 if kind == 37 else count):
            item, after = _parse(buf, after, errors)
            items.append(item)
        if kind == 37:
            return dict(zip(items[::2], items[1::2], strict=True)), after
        return (_PUSH if kind == 62 else items), after
    raise require().exceptions.InvalidResponse(f"unexpected reply type {bytes([kind])!r}")


def _timeout_in_kernel(sock: Any) -> None:
    """The socket's timeout kept by the kernel, not by CPython's poll() before each call."""
    if type(sock) is not socket.socket or not sys.platform.startswith("linux"):
        return  # TLS sockets (their EAGAIN is an SSL error) and other systems keep Python's
    timeout = sock.gettimeout()
    if not timeout:  # None: blocking already; 0 would be non-blocking, left as it is
        return
    seconds = int(timeout)
    # A zero timeval is no timeout at all: the smallest one instead.
    micros = max(0 if seconds else 1, round((timeout - seconds) * 1_000_000))
    value = struct.pack("@ll", seconds, micros)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
    sock.settimeout(None)


class _Line:
    """One held connection: redis-py's (for the handshake), what came back unread, and the
    deferred writes whose replies are still to come (how many each, and who takes them)."""

    __slots__ = ("buf", "conn", "owed", "pid")

    def __init__(self, conn: Any) -> None:
        self.conn, self.pid, self.buf = conn, os.getpid(), b""
        self.owed: list[tuple[int, Settle]] = []


class HeldLines:
    """One connection per thread (and per process: a forked child makes its own)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool  # only for its connection class and settings
        self._local = threading.local()
        self._made: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        redis = require()
        self._errors = redis.exceptions
        self._error = redis._parsers.BaseParser.parse_error

    def _line(self) -> _Line:
        line: _Line | None = getattr(self._local, "line", None)
        if line is None or line.pid != os.getpid():
            conn = self._pool.connection_class(**self._pool.connection_kwargs)
            line = self._local.line = _Line(conn)
            with self._lock:
                self._made.add(conn)
        if line.conn._sock is None:  # redis-py connects, authenticates and picks the db
            line.buf = b""
            line.conn.connect()
            _timeout_in_kernel(line.conn._sock)
        return line

    def _drop(self, line: _Line) -> None:
        line.buf = b""
        line.conn.disconnect()

    def _replies(self, line: _Line, data: bytes, count: int) -> list[Any]:
        """Write ``data`` and read ``count`` replies, after those owed to deferred writes (each
        write's replies go to its ``settle``). Any failure drops the connection and comes back
        as ``_Failed``: the error as redis-py types it, and this command's replies read before
        it (``many`` sends again only when none came back)."""
        owed, line.owed = line.owed, []
        first = sum(n for n, _ in owed) if owed else 0
        expected = first + count
        sock = line.conn._sock
        replies: list[Any] = []
        failure: Exception | None = None
        try:
            if data:
                sock.sendall(data)
            buf, pos = line.buf, 0
            if not buf and expected:  # the usual case: wait for the reply, not for a _Short first
                buf = sock.recv(65536)
                if not buf:
                    raise self._errors.ConnectionError("Connection closed by server.")
            while len(replies) < expected:
                try:
                    reply, pos = _parse(buf, pos, self._error)
                except _Short:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise self._errors.ConnectionError("Connection closed by server.") from None
                    buf += chunk
                    continue
                if reply is not _PUSH:
                    replies.append(reply)
            line.buf = buf[pos:]
        except (TimeoutError, BlockingIOError):  # the socket's timeout (socket_timeout=)
            failure = self._errors.TimeoutError("Timeout reading from socket")
        except OSError as exc:
            failure = self._errors.ConnectionError(f"Error {exc.errno} with the socket")
        except Exception as exc:
            failure = exc
        if failure is not None:
            self._drop(line)
        if owed:
            _settle(owed, replies, failure)
        if failure is not None:
            raise _Failed(failure, replies[first:]) from None
        return replies[first:] if first else replies

    def defer(self, data: bytes, count: int, settle: Settle) -> None:
        """Write commands (``count`` of them) without waiting for their replies: ``settle``
        gets them when the connection's next command reads its own (or ``catch_up`` runs).
        A connection found dropped is replaced and the write made once more."""
        line = self._line()
        if len(line.owed) >= _MOST_OWED:
            self._catch_up(line)
            line = self._line()  # made again if reading them found the connection lost
        for attempt in (0, 1):
            try:
                line.conn._sock.sendall(data)
            except OSError as exc:
                self._catch_up(line, dropped=True)
                if attempt:
                    raise self._errors.ConnectionError(f"Error {exc.errno} with the socket") from None
                line = self._line()
            else:
                line.owed.append((count, settle))
                return

    def catch_up(self) -> None:
        """Read (and settle) this thread's deferred replies now."""
        line: _Line | None = getattr(self._local, "line", None)
        if line is not None and line.owed and line.pid == os.getpid() and line.conn._sock is not None:
            self._catch_up(line)

    def _catch_up(self, line: _Line, dropped: bool = False) -> None:
        if dropped:
            owed, line.owed = line.owed, []
            self._drop(line)
            _settle(owed, [], self._errors.ConnectionError("Connection lost before the replies"))
            return
        try:
            self._replies(line, b"", 0)
        except _Failed:
            pass  # settled as failed, and the connection dropped: the next command makes another

    def packed(self, data: bytes) -> Any:
        """Send one command's bytes (``pack``) and read its reply (an error reply is raised)."""
        line = self._line()
        try:
            reply = self._replies(line, data, 1)[0]
        except _Failed as failed:
            if not isinstance(failed.error, self._errors.ConnectionError):
                raise failed.error from None
            # Dropped while idle (a restart, an idle timeout): once more on a new connection.
            line = self._line()
            try:
                reply = self._replies(line, data, 1)[0]
            except _Failed as again:
                raise again.error from None
        if isinstance(reply, self._errors.ResponseError):
            raise reply
        return reply

    def one(self, words: Sequence[Any]) -> Any:
        """Send one command and read its reply (an error reply is raised, typed by redis-py)."""
        return self.packed(pack(words))

    def many(self, commands: Sequence[Sequence[Any]]) -> list[Any]:
        """Send the commands in one write and read their replies in order (one round trip); an
        error reply is its place's value, as a pipeline's ``execute(raise_on_error=False)``."""
        data = b"".join(pack(words) for words in commands)
        for attempt in (0, 1):
            line = self._line()
            try:
                return self._replies(line, data, len(commands))
            except _Failed as failed:
                # Sent again only when nothing came back and the connection was dropped:
                # once some ran, sending them again would run them twice.
                retry = not failed.replies and isinstance(failed.error, self._errors.ConnectionError)
                if attempt or not retry:
                    raise failed.error from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.catch_up()  # this thread's deferred replies are checked; other threads' go unread
        with self._lock:
            made = list(self._made)
        for conn in made:
            conn.disconnect()


def _settle(owed: list[tuple[int, Settle]], replies: list[Any], failure: Exception | None) -> None:
    """Hand each deferred write its replies; those the connection lost are its failure."""
    at = 0
    for count, settle in owed:
        got = replies[at : at + count]
        at += count
        if len(got) < count:
            got += [failure] * (count - len(got))
        settle(got)


class _Failed(Exception):
    """A socket's failure (``error``, typed as redis-py types it) and the replies read before."""

    def __init__(self, error: Exception, replies: list[Any]) -> None:
        super().__init__(error)
        self.error, self.replies = error, replies
