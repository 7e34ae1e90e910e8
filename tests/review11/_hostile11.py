"""A hostile loopback server for the five issue-11 providers: token endpoints answer a valid token
(so the property reaches the decoder under test), every other request gets the queued reply.
Built on tests/hardening/test_typed_decode.py's strategies and checks."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOKEN_PATHS = ("/oauth/token", "/identity/token", "/api/v2/oauth")


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class Routed:
    replies: deque[Reply] = field(default_factory=deque)
    token_reply: Reply | None = None
    paths: list[str] = field(default_factory=list)
    # (path, headers, body) of each request, for the configuration tests
    seen: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    token_delay: float = 0.0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve(self, reply: Reply) -> None:
        self.replies.clear()
        self.replies.append(reply)


def good_token() -> Reply:
    now = time.time()
    body = {
        "access_token": "tok-hostile-0000",
        "token_type": "bearer",
        "expires_in": 3600,
        "expiration": int(now + 3600),
        "expires_at": int((now + 3600) * 1000),
    }
    return Reply(200, json.dumps(body).encode())


def _handler(state: Routed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            state.paths.append(self.path)
            state.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if self.path.split("?")[0].endswith(TOKEN_PATHS):
                if state.token_delay:
                    time.sleep(state.token_delay)
                reply = state.token_reply or good_token()
            else:
                reply = state.replies.popleft() if state.replies else Reply(599, b"no reply queued")
            self.send_response(reply.status)
            self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
            self.close_connection = True

        do_GET = do_POST

    return Handler


def start() -> Iterator[Routed]:
    state = Routed()
    state.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.server.daemon_threads = True
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()


# ---------------------------------------------------------------- recorded streams, as events


def sse_text_events(text: str) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        data = [ln.partition(":")[2].removeprefix(" ") for ln in block.splitlines() if ln.startswith("data:")]
        event = [ln.partition(":")[2].strip() for ln in block.splitlines() if ln.startswith("event:")]
        if data:
            joined = "\n".join(data)
            try:
                out.append((event[0] if event else None, json.loads(joined)))
            except ValueError:
                out.append((event[0] if event else None, joined))
    return out


def cassette(rel: str, *, stream: bool) -> list[Any]:
    """The API answers in a vcrpy cassette (token exchanges skipped): SSE event lists or JSON."""
    doc = yaml.safe_load((FIXTURES / rel).read_text())
    out: list[Any] = []
    for it in doc["interactions"]:
        if it["request"]["uri"].endswith(("/oauth", "/token")):
            continue
        body = it["response"]["body"]["string"]
        if stream and "data:" in body:
            out.append(sse_text_events(body))
        elif not stream and "data:" not in body:
            try:
                out.append(json.loads(body))
            except ValueError:
                pass
    return out


def load(rel: str) -> Any:
    return json.loads((FIXTURES / rel).read_text())


def sse_file(rel: str) -> list[tuple[str | None, Any]]:
    return sse_text_events((FIXTURES / rel).read_text())


SNOWFLAKE_NATIVE: list[tuple[str | None, Any]] = [
    (
        None,
        {
            "id": "r1",
            "model": "claude-3-5-sonnet",
            "choices": [{"delta": {"type": "text", "content": "Hi", "text": "Hi"}}],
        },
    ),
    (
        None,
        {
            "id": "r1",
            "choices": [{"delta": {"type": "tool_use", "tool_use_id": "tooluse_1", "name": "get_weather"}}],
        },
    ),
    (None, {"choices": [{"delta": {"type": "tool_use", "input": '{"location'}}]}),
    (None, {"choices": [{"delta": {"type": "tool_use", "input": '": "Oslo"}'}}]}),
    (
        None,
        {
            "choices": [],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12, "guard_tokens": 0},
        },
    ),
]
