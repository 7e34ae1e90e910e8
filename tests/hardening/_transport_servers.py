"""Tiny hostile HTTP/1.1 servers on 127.0.0.1 for the transport tests (raw sockets, one thread each).

Imported by name (``import _transport_servers as ts``): tests/hardening/conftest.py puts this folder on
sys.path, as the importlib import mode does not.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import llmkit

MODEL = "openai/gpt-4o-mini"
KEY = "sk-test-transport-0000000000"

COMPLETION = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
).encode()


def sse_chunk(text: str) -> bytes:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


class Request:
    def __init__(self, line: str, headers: dict[str, str], body: bytes) -> None:
        self.line = line
        self.headers = headers
        self.body = body


def read_request(f: Any) -> Request | None:
    line = f.readline()
    if not line:
        return None
    headers: dict[str, str] = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return Request(line.decode("latin-1").strip(), headers, body)


def head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(sock: socket.socket, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    h = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
    sock.sendall(head(status, h) + body)


Handler = Callable[["Server", socket.socket, Any], None]


class Server:
    """Accepts connections; ``handler(server, sock, file)`` serves each one (it may loop over
    keep-alive requests with ``read_request``). ``requests`` records every request read."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def read(self, f: Any) -> Request | None:
        req = read_request(f)
        if req is not None:
            self.requests.append(req)
        return req

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn, conn.makefile("rb") as f:
                self.handler(self, conn, f)
        except OSError:
            pass

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass


def complete(mode: str, server: Server, **kw: Any) -> Any:
    """One ``complete`` call through a fresh Client or AsyncClient (closed afterwards)."""
    call = {k: kw.pop(k) for k in ("timeout", "extra_headers", "max_retries") if k in kw}
    kw.setdefault("api_key", KEY)
    kw.setdefault("base_url", server.url)
    if mode == "sync":
        with llmkit.Client(**kw) as c:
            return c.complete(MODEL, "hi", **call)

    async def main() -> Any:
        async with llmkit.AsyncClient(**kw) as c:
            return await c.complete(MODEL, "hi", **call)

    return asyncio.run(main())


def stream(mode: str, server: Server, events: list[Any] | None = None, **kw: Any) -> Any:
    """Iterate one whole stream; events land in ``events`` as they arrive."""
    out = [] if events is None else events
    kw.setdefault("api_key", KEY)
    kw.setdefault("base_url", server.url)
    if mode == "sync":
        with llmkit.Client(**kw) as c, c.stream(MODEL, "hi") as s:
            for ev in s:
                out.append(ev)
            return s.completion

    async def main() -> Any:
        async with llmkit.AsyncClient(**kw) as c, c.stream(MODEL, "hi") as s:
            async for ev in s:
                out.append(ev)
            return s.completion

    return asyncio.run(main())
