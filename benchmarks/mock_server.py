"""A small OpenAI-compatible chat server for benchmarks (standard library only).

It speaks HTTP/1.1 with keep-alive (and pipelining) over asyncio protocols, and
answers ``POST /v1/chat/completions``:

* without ``"stream": true``: one fixed ``chat.completion`` JSON body;
* with ``"stream": true``: an SSE stream of N ``chat.completion.chunk`` events
  whose token text varies, then a finish event and ``data: [DONE]``. N comes from
  the ``X-Bench-Chunks`` header if present, else from ``max_tokens`` (or
  ``max_completion_tokens``), else 16. The stream uses chunked transfer encoding
  with one SSE event per HTTP chunk, as a real provider that flushes every
  token does; its bytes are built once per N and cached.

Every other wire format the benchmark covers (Anthropic, Gemini and Vertex, Bedrock Converse and
ConverseStream, SageMaker, Cohere v2, Ollama) is answered from ``wire_formats.py``, whose bytes
are also built once and cached.

Run: ``python mock_server.py --port 0`` prints ``PORT <n>`` on stdout once it
listens. It binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

# Beside this file (the script's directory is on sys.path): the other formats' bytes.
import wire_formats

MODEL = "bench-model"
COMPLETION_TEXT = "Hello from the benchmark mock."
MAX_CHUNKS = 1_000_000
MAX_BODY = 8 * 1024 * 1024
MAX_HEAD = 64 * 1024
DEFAULT_CHUNKS = 16

_COMPLETION_BODY = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": COMPLETION_TEXT},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 8, "completion_tokens": 7, "total_tokens": 15},
    },
    separators=(",", ":"),
).encode()

_JSON_RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: application/json\r\n"
    b"x-request-id: req-bench\r\n"
    b"content-length: " + str(len(_COMPLETION_BODY)).encode() + b"\r\n\r\n" + _COMPLETION_BODY
)

_STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: text/event-stream\r\n"
    b"cache-control: no-cache\r\n"
    b"x-request-id: req-bench\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)

_stream_cache: dict[tuple[int, bool], bytes] = {}


def stream_token(i: int) -> str:
    """The text of content chunk ``i``: varies, so no client sees repeats."""
    return f" t{i}"


def _chunk_event(delta: dict[str, object], finish: str | None, usage: dict[str, int] | None = None) -> bytes:
    obj: dict[str, object] = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}] if usage is None else [],
    }
    if usage is not None:
        obj["usage"] = usage
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def _http_chunk(payload: bytes) -> bytes:
    return format(len(payload), "x").encode() + b"\r\n" + payload + b"\r\n"


def stream_body(n: int, include_usage: bool) -> bytes:
    """Head plus chunked body of an SSE stream with ``n`` content events (cached)."""
    key = (n, include_usage)
    cached = _stream_cache.get(key)
    if cached is not None:
        return cached
    parts = [_STREAM_HEAD]
    for i in range(n):
        delta: dict[str, object] = {"content": stream_token(i)}
        if i == 0:
            delta = {"role": "assistant", "content": stream_token(i)}
        parts.append(_http_chunk(_chunk_event(delta, None)))
    parts.append(_http_chunk(_chunk_event({}, "stop")))
    if include_usage:
        usage = {"prompt_tokens": 8, "completion_tokens": n, "total_tokens": 8 + n}
        parts.append(_http_chunk(_chunk_event({}, None, usage)))
    parts.append(_http_chunk(b"data: [DONE]\n\n"))
    parts.append(b"0\r\n\r\n")
    data = b"".join(parts)
    if len(_stream_cache) > 64:
        _stream_cache.clear()
    _stream_cache[key] = data
    return data


def _simple(status: str, message: str) -> bytes:
    body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        + body
    )


def respond(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """The full HTTP response bytes for one request."""
    if method != "POST":
        return _simple("404 Not Found", f"no route {method} {path}")
    try:
        req = json.loads(body)
    except ValueError:
        return _simple("400 Bad Request", "body is not JSON")
    if not isinstance(req, dict):
        return _simple("400 Bad Request", "body is not an object")
    if path.split("?", 1)[0].rstrip("/") != "/v1/chat/completions":
        other = wire_formats.respond(path, headers, req)
        return other if other is not None else _simple("404 Not Found", f"no route {method} {path}")
    if not req.get("stream"):
        return _JSON_RESPONSE
    n_raw = headers.get("x-bench-chunks") or req.get("max_tokens") or req.get("max_completion_tokens")
    try:
        n = int(n_raw) if n_raw is not None else DEFAULT_CHUNKS
    except (TypeError, ValueError):
        return _simple("400 Bad Request", "bad chunk count")
    n = max(1, min(n, MAX_CHUNKS))
    opts = req.get("stream_options")
    include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
    return stream_body(n, include_usage)


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 server side of one connection: keep-alive, pipelining, chunked request bodies."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.transport is not None and self._handle_one():
            pass

    def _fail(self, status: str, message: str) -> bool:
        assert self.transport is not None
        self.transport.write(_simple(status, message))
        self.transport.close()
        self.transport = None
        return False

    def _handle_one(self) -> bool:
        """Serve one complete request from the buffer; False if more bytes are needed."""
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > MAX_HEAD:
                return self._fail("431 Request Header Fields Too Large", "head too large")
            return False
        head = bytes(self.buf[:end]).decode("latin-1")
        lines = head.split("\r\n")
        try:
            method, path, _version = lines[0].split(" ", 2)
        except ValueError:
            return self._fail("400 Bad Request", "bad request line")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        start = end + 4
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parsed = self._chunked_body(start)
            if parsed is None:
                return False
            body, consumed = parsed
        else:
            length = int(headers.get("content-length", "0") or 0)
            if length > MAX_BODY:
                return self._fail("413 Content Too Large", "body too large")
            if len(self.buf) - start < length:
                return False
            body = bytes(self.buf[start : start + length])
            consumed = start + length
        del self.buf[:consumed]
        assert self.transport is not None
        self.transport.write(respond(method, path, headers, body))
        if headers.get("connection", "").lower() == "close":
            self.transport.close()
            self.transport = None
            return False
        return True

    def _chunked_body(self, pos: int) -> tuple[bytes, int] | None:
        out = bytearray()
        buf = self.buf
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
            pos = eol + 2
            if size == 0:
                trailer_end = buf.find(b"\r\n", pos)
                if trailer_end < 0:
                    return None
                return bytes(out), trailer_end + 2
            if len(buf) < pos + size + 2:
                return None
            out += buf[pos : pos + size]
            if len(out) > MAX_BODY:
                return None
            pos += size + 2

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, "127.0.0.1", port, backlog=1024, reuse_address=True)
    sock_port = server.sockets[0].getsockname()[1]
    print(f"PORT {sock_port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
