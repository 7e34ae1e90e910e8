"""refs_g (issue 14): rows held against bodies their vendors printed. Each fixture's ``.source.md``
names the repo@commit:path it was copied from.

github_copilot: the auth half (GitHub's device flow) against the JSON bodies GitHub's own docs print,
once through the sans-I/O flow and once through ``llmkit.login_copilot`` over loopback HTTP.

chutes: the error bodies Chutes' own API server (chutesai/chutes-api) raises, through the OpenAI
dialect with chutes' spec and through ``llmkit.complete`` over loopback HTTP. The 402 quota body
nests its message in ``detail`` (FastAPI's ``HTTPException(detail={...})``): llmkit used to report
the dict's repr as the message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.test_fixtures import FIXTURES, decode_error

import llmkit
from llmkit import errors
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
    """A loopback server answering each POST with the next (status, body) planned."""

    replies: list[bytes | tuple[int, bytes]] = []
    paths: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        type(self).paths.append(self.path)
        reply = type(self).replies.pop(0)
        status, body = reply if isinstance(reply, tuple) else (200, reply)
        self.send_response(status)
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


# ---------------------------------------------------------------- Chutes (chutesai/chutes-api)

_CHUTES = [
    ("error_429_infra_overload.json", 429, errors.RateLimitError,
     "Infrastructure is at maximum capacity, try again later"),
    ("error_402_quota_exceeded.json", 402, errors.BadRequestError,
     "Quota exceeded and account balance is $0.0, please pay with fiat or send tao to "
     "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"),
    ("error_400_bad_request.json", 400, errors.BadRequestError, "Invalid request: prompt is too long"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "status", "cls", "message"), _CHUTES)
def test_chutes_server_error_bodies_decode_typed(
    name: str, status: int, cls: type[errors.ProviderError], message: str
) -> None:
    err = decode_error("chutes", name, status, "application/json")
    assert type(err) is cls
    assert err.status_code == status
    assert err.message == f"[chutes] HTTP {status}: {message}"


@pytest.mark.parametrize(("name", "status", "cls", "message"), _CHUTES)
def test_chutes_server_error_bodies_through_the_public_api(
    github: str, name: str, status: int, cls: type[errors.ProviderError], message: str
) -> None:
    _GitHub.paths = []
    _GitHub.replies = [(status, (FIXTURES / "chutes" / name).read_bytes())]
    with pytest.raises(cls) as raised:
        llmkit.complete(
            "chutes/m", "Hi", base_url=github + "/v1", api_key="cpk_test_key_000000", max_retries=0
        )
    assert raised.value.message == f"[chutes] HTTP {status}: {message}"
    assert raised.value.provider == "chutes"
    assert "cpk_test_key_000000" not in str(raised.value)
    assert _GitHub.paths == ["/v1/chat/completions"]
