"""refs_g (issue 14): rows held against bodies their vendors printed. Each fixture's ``.source.md``
names the repo@commit:path it was copied from.

github_copilot: the auth half (GitHub's device flow) against the JSON bodies GitHub's own docs print,
once through the sans-I/O flow and once through ``llmkit.login_copilot`` over loopback HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.test_fixtures import FIXTURES

import llmkit
from llmkit.auth import copilot as auth
from llmkit.errors import AuthenticationError
from llmkit.wire import HttpRequest, HttpResponse

_GH = FIXTURES / "github_copilot"
_JSON = {"content-type": "application/json; charset=utf-8"}


def _docs(name: str) -> bytes:
    return (_GH / name).read_bytes()


def _pending(interval: int | None = None) -> bytes:
    # The docs name the error codes but print no error body; RFC 8628 section 3.5's shape.
    body: dict[str, Any] = {"error": "slow_down" if interval else "authorization_pending"}
    if interval:
        body["interval"] = interval
    return json.dumps(body).encode()


def _run_flow(replies: list[bytes]) -> tuple[str, list[Any], list[HttpRequest], list[float]]:
    shown: list[Any] = []
    sent: list[HttpRequest] = []
    waits: list[float] = []
    flow = auth.device_flow(shown.append, github_url="https://github.com")
    step: Any = next(flow)
    answers = iter(replies)
    try:
        while True:
            if isinstance(step, auth.Wait):
                waits.append(step.seconds)
                step = flow.send(None)
                continue
            sent.append(step)
            step = flow.send(HttpResponse(200, _JSON, next(answers)))
    except StopIteration as done:
        return str(done.value), shown, sent, waits


def test_device_flow_reads_githubs_documented_bodies() -> None:
    token, shown, sent, waits = _run_flow(
        [_docs("device_code_response.json"), _pending(), _docs("access_token_response.json")]
    )
    assert token == "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    assert [(c.user_code, c.verification_uri, c.expires_in) for c in shown] == [
        ("WDJB-MJHT", "https://github.com/login/device", 900.0)
    ]
    assert waits == [5.0, 5.0]  # the documented interval, before each poll
    assert [r.url for r in sent] == [
        "https://github.com/login/device/code",
        "https://github.com/login/oauth/access_token",
        "https://github.com/login/oauth/access_token",
    ]
    # The docs: without Accept: application/json the answer is form-encoded; llmkit asks for JSON.
    assert all(r.headers["accept"] == "application/json" for r in sent)
    poll = json.loads(sent[1].body)
    assert poll["device_code"] == "3584d83530557fdd1f46af8289938c8ef79f9dc5"
    assert poll["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"


def test_device_flow_slow_down_adds_five_seconds_as_documented() -> None:
    replies = [_docs("device_code_response.json"), _pending(10), _docs("access_token_response.json")]
    _, _, _, waits = _run_flow(replies)
    assert waits == [5.0, 10.0]


class _GitHub(BaseHTTPRequestHandler):
    replies: list[bytes] = []
    paths: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).paths.append(self.path)
        body = type(self).replies.pop(0)
        self.send_response(200)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_login_copilot_over_loopback_saves_the_documented_token(
    github: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_COPILOT_TOKEN_DIR", str(tmp_path / "copilot"))
    monkeypatch.delenv("GITHUB_COPILOT_ACCESS_TOKEN_FILE", raising=False)
    _GitHub.paths = []
    _GitHub.replies = [_docs("device_code_response.json"), _docs("access_token_response.json")]
    shown: list[Any] = []
    path = llmkit.login_copilot(on_code=shown.append, github_url=github, sleep=lambda s: None)
    assert path.read_text() == "gho_16C7e42F292c6912E7710c838347Ae178B4a"
    assert shown[0].user_code == "WDJB-MJHT"
    assert _GitHub.paths == ["/login/device/code", "/login/oauth/access_token"]


def test_login_copilot_documented_refusal_is_typed(
    github: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_COPILOT_TOKEN_DIR", str(tmp_path / "copilot"))
    _GitHub.paths = []
    _GitHub.replies = [_docs("device_code_response.json"), b'{"error": "access_denied"}']
    with pytest.raises(AuthenticationError, match="access_denied"):
        llmkit.login_copilot(on_code=lambda c: None, github_url=github, sleep=lambda s: None)
    assert not (tmp_path / "copilot" / "access-token").exists()
