"""A real HTTP/1.1 server on 127.0.0.1 that dispatches to per-dialect handlers.

Requests are routed by their first path segment, the *profile* (a provider's
name: ``/openai/v1/chat/completions``); a path without a known profile goes to
the ``openai`` profile. Each profile names the handler for its wire format and
the provider's own auth scheme and error shape. Tests queue ``Script``\\ s to
shape the next answers (text, tool calls, errors, faults); every request is
recorded for inspection.
"""

from __future__ import annotations

import importlib
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.script import Script
from llmkit.errors import ConfigurationError


class UnknownProfileError(ConfigurationError):
    """``Emulator.base_url`` was asked for a provider the emulator has no profile for."""


@dataclass(slots=True)
class EmuRequest:
    method: str
    path: str  # with the profile prefix removed
    full_path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    profile: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(slots=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # When set, sent with chunked transfer encoding, one chunk per item.
    chunks: Iterable[bytes] | None = None
    delay: float = 0.0  # before the status line
    chunk_delay: float = 0.0
    cut_after: int | None = None  # drop the connection after this many chunks
    disconnect: bool = False  # drop the connection without answering


Handler = Callable[[EmuRequest, "Emulator", Profile], Reply]


def json_reply(status: int, obj: Any, headers: dict[str, str] | None = None) -> Reply:
    h = {"content-type": "application/json"}
    h.update(headers or {})
    return Reply(status, h, json.dumps(obj).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 overflows when a client opens dozens of connections at
    # once (32 threads on a fresh pool): the kernel then drops handshakes and resets connections
    # that already carry a request, which a client must not re-send.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request (a timeout, a cancelled stream) is normal traffic,
        # not an emulator failure: no traceback on stderr for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Emulator:
    """``with Emulator() as emu: llmkit.complete(..., base_url=emu.base_url("openai"))``."""

    def __init__(
        self,
        *,
        port: int = 0,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        log: Callable[[str], None] | None = None,
    ) -> None:
        """``log``, when given, receives one line per request answered: method, path, status, time.

        Raises ``OSError`` when the address cannot be bound (a busy port)."""
        self.api_key = api_key
        self.log = log
        self.requests: list[EmuRequest] = []
        self._scripts: deque[Script] = deque()
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        emulator = self

        class _Handler(_RequestHandler):
            emu = emulator

        self._server = _Server((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def base_url(self, profile: str = "openai") -> str:
        """The base URL a client should pass as ``base_url=`` to reach ``profile`` on this emulator.

        Every provider in llmkit's registry has a profile of the same name."""
        p = PROFILES.get(profile)
        if p is None:
            raise UnknownProfileError(
                f"the emulator has no profile {profile!r}; it serves: {', '.join(sorted(PROFILES))}"
            )
        return f"{self.url}/{profile}{p.base_path}"

    def script(self, *scripts: Script) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._scripts.extend(scripts)

    def take_script(self, path: str) -> Script | None:
        with self._lock:
            for i, s in enumerate(self._scripts):
                if s.match is None or s.match in path:
                    del self._scripts[i]
                    return s
        return None

    def pending_scripts(self) -> int:
        with self._lock:
            return len(self._scripts)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()

    def handler_for(self, profile: Profile) -> Handler:
        h = self._handlers.get(profile.handler)
        if h is None:
            module, _, attr = profile.handler.partition(":")
            h = getattr(importlib.import_module(module), attr)
            self._handlers[profile.handler] = h
        return h

    def start(self) -> Emulator:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="llmkit-emulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle + delayed ACK add 40 ms.
    disable_nagle_algorithm = True
    emu: Emulator

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read emu.requests instead
        pass

    def _dispatch(self) -> None:
        started = time.perf_counter()
        status = self._answer()
        if self.emu.log is not None:
            # Path only: a query may hold a key (Gemini takes ?key=).
            path = urlsplit(self.path).path
            ms = (time.perf_counter() - started) * 1000
            self.emu.log(f"{self.command} {path} {status if status else 'dropped'} {ms:.1f} ms")

    def _answer(self) -> int:
        """Answers the request; returns the status sent (0 for a dropped connection)."""
        split = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        segments = split.path.lstrip("/").split("/", 1)
        if segments[0] in PROFILES:
            profile_name, rest = segments[0], "/" + (segments[1] if len(segments) > 1 else "")
        else:
            profile_name, rest = "openai", split.path
        req = EmuRequest(
            self.command,
            rest,
            split.path,
            dict(parse_qsl(split.query)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            profile_name,
        )
        self.emu.requests.append(req)
        profile = PROFILES[profile_name]
        try:
            reply = self.emu.handler_for(profile)(req, self.emu, profile)
        except Exception as exc:  # an emulator bug must still answer, loudly
            reply = json_reply(500, {"error": {"message": f"emulator failure: {exc!r}", "type": "emulator"}})
        self._send(reply)
        return 0 if reply.disconnect else reply.status

    do_POST = _dispatch
    do_GET = _dispatch
    do_DELETE = _dispatch

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        if reply.disconnect:
            self._abort()
            return
        self.send_response(reply.status)
        for k, v in reply.headers.items():
            self.send_header(k, v)
        if reply.chunks is None:
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for i, chunk in enumerate(reply.chunks):
            if reply.cut_after is not None and i >= reply.cut_after:
                self.wfile.flush()
                self._abort()
                return
            if not chunk:
                continue
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
            if reply.chunk_delay:
                time.sleep(reply.chunk_delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _abort(self) -> None:
        # Close mid-message: the client gets what was sent, then an early EOF.
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
