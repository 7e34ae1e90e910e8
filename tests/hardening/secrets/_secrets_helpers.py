"""Helpers of the secrets tests (imported by name: conftest puts this folder on sys.path): the
walker that looks for a secret everywhere an exception can carry it (``assert_no_secret``, from
``tests/hardening/_walk.py``, shared with the transport tests), and a tiny hostile HTTP server on
127.0.0.1 whose answers the test scripts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _walk import assert_no_secret as assert_no_secret  # tests/hardening/conftest.py: on sys.path

# An access key id of AWS's shape that is plainly fake (assembled here so that no literal in the
# repository looks like a real one to a secret scanner).
FAKE_ACCESS_KEY = "AKIA" + "FAKE" * 3 + "0000"

# ------------------------------------------------------------------ the hostile server


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds between bytes of the body (a trickle); 0 sends it at once.
    drip: float = 0.0
    # Seconds to wait before answering at all.
    delay: float = 0.0


Handler = Callable[[Seen], Answer]


class Hostile:
    """A threaded HTTP/1.1 server answering each request with ``handler(request)``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[Seen] = []
        self.stop = threading.Event()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                req = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                           self.rfile.read(length) if length else b"")  # fmt: skip
                outer.seen.append(req)
                answer = outer.handler(req)
                body = answer.body
                if isinstance(body, (dict, list)):
                    body = json.dumps(body)
                data = body.encode() if isinstance(body, str) else body
                if answer.delay and outer.stop.wait(answer.delay):
                    return
                try:
                    self.send_response(answer.status)
                    headers = {"content-type": "application/json", **answer.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    if not answer.drip:
                        self.wfile.write(data)
                        return
                    for i in range(len(data)):
                        if outer.stop.wait(answer.drip):
                            return
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                except OSError:
                    pass  # the client gave up: that is what a deadline test wants

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def openai_ok(text: str = "ok") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def gemini_ok(text: str = "ok") -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
    }
