"""GitHub Copilot end to end against loopback handlers: the device flow (authorization_pending,
slow_down, refusals), the GitHub token saved 0600, the Copilot token exchange on the token manager
(cached, refreshed before expires_at, one re-exchange after a 401), the endpoint the token names
(checked), and chat through the public API, sync and async."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from _regional_helpers import CANARY_KEY, run, sent

import llmkit
from llmkit.auth import copilot as auth
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator import copilot as emulated
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.types import TextDelta, Tool
from llmkit.wire import HttpRequest, HttpResponse

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
MODEL = "github_copilot/gpt-4o"


def login(emu: Emulator, polls: list[str] | None = None, **kw: Any) -> tuple[Path, list[float], list[Any]]:
    waits: list[float] = []
    shown: list[Any] = []
    emu.script(Script(extra={"polls": polls or []}))
    path = llmkit.login_copilot(on_code=shown.append, github_url=emu.base_url("github_oauth"),
                                sleep=waits.append, **kw)  # fmt: skip
    return path, waits, shown


def chat_options(emu: Emulator, **extra: Any) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "base_url": emu.base_url("github_copilot"),
        "github_api_url": emu.base_url("github_oauth"),
        "max_retries": 0,
    }
    kw.update(extra)
    return kw


def test_device_flow_waits_on_pending_slows_down_and_saves_the_token_0600(
    emu: Emulator, _copilot_home: Path
) -> None:
    path, waits, shown = login(emu, ["authorization_pending", "slow_down", "authorization_pending"])
    assert waits == [5, 5, 10, 10]  # the interval, then 5 s more after slow_down (RFC 8628 3.5)
    assert [(c.user_code, c.verification_uri) for c in shown] == [
        ("WDJB-MJHT", "https://github.com/login/device")
    ]
    assert path == _copilot_home / "access-token" and path.read_text().startswith("gho_")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    requests = sent(emu, "github_oauth")
    assert [r.path for r in requests] == ["/login/device/code"] + ["/login/oauth/access_token"] * 4
    first = json.loads(requests[0].body)
    assert first == {"client_id": auth.CLIENT_ID, "scope": "read:user"}
    assert json.loads(requests[1].body)["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code"
    assert requests[0].headers["editor-version"] and requests[0].headers["accept"] == "application/json"


@pytest.mark.parametrize("error", ["access_denied", "expired_token"])
def test_device_flow_refusals_are_typed_and_save_nothing(
    emu: Emulator, error: str, _copilot_home: Path
) -> None:
    with pytest.raises(AuthenticationError, match=error) as refused:
        login(emu, ["authorization_pending", error])
    assert "llmkit login copilot" in str(refused.value)
    assert not (_copilot_home / "access-token").exists()


@MODES
def test_chat_after_login_sends_the_copilot_token_and_editor_headers(mode: str, emu: Emulator) -> None:
    login(emu)
    before = len(emulated.exchanges)
    emu.script(Script(text="Hello from Copilot"))
    c = run(mode, "complete", MODEL, "hi", **chat_options(emu))
    assert (c.text, c.provider) == ("Hello from Copilot", "github_copilot")
    events, s = run(mode, "stream", MODEL, "hi", **chat_options(emu))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == s.text
    weather = Tool("w", "weather", {"type": "object", "properties": {"city": {"type": "string"}}})
    emu.script(Script(tool_calls=[ScriptedCall("w", {"city": "Oslo"})]))
    t = run(mode, "complete", MODEL, "w?", tools=[weather], **chat_options(emu))
    assert t.tool_calls[0].arguments == {"city": "Oslo"}
    chats = sent(emu, "github_copilot")
    assert {r.headers["authorization"] for r in chats} == {f"Bearer {CANARY_KEY}"}
    assert {r.headers["copilot-integration-id"] for r in chats} == {"vscode-chat"}
    assert all(r.path == "/chat/completions" for r in chats)
    exchange = [r for r in sent(emu, "github_oauth") if r.path == "/copilot_internal/v2/token"]
    assert exchange[0].headers["authorization"].startswith("token gho_")
    # One exchange served every call: the Copilot token is cached (it lives 30 minutes).
    assert len(emulated.exchanges) - before == 1


def test_no_login_is_a_typed_error_naming_the_command(emu: Emulator) -> None:
    with pytest.raises(
        AuthenticationError, match=r"llmkit login copilot.*github_token=.*COPILOT_GITHUB_TOKEN"
    ):
        llmkit.complete(MODEL, "hi", **chat_options(emu))
    assert sent(emu, "github_copilot") == []


@MODES
def test_a_401_from_chat_re_exchanges_once(mode: str, emu: Emulator) -> None:
    login(emu)
    run(mode, "complete", MODEL, "warm", **chat_options(emu))
    before = len(emulated.exchanges)
    emu.script(
        Script(error=ScriptedError(401, "token expired", code="unauthorized"), match="/chat/completions")
    )
    c = run(mode, "complete", MODEL, "hi", **chat_options(emu))
    assert c.text and len(emulated.exchanges) - before == 1
    emu.script(*[Script(error=ScriptedError(401, "no", code="unauthorized"), match="/chat/completions")] * 2)
    with pytest.raises(AuthenticationError):
        run(mode, "complete", MODEL, "hi", **chat_options(emu))


def test_a_revoked_github_token_names_the_login(emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match=r"HTTP 401.*Bad credentials.*llmkit login copilot") as bad:
        llmkit.complete(MODEL, "hi", **chat_options(emu, github_token="gho_revoked0000"))
    assert "gho_revoked0000" not in str(bad.value) + repr(bad.value)


def test_github_token_from_the_environment(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_GITHUB_TOKEN", CANARY_KEY)  # the emulator takes its own key as one
    monkeypatch.setenv("GITHUB_COPILOT_API_URL", emu.base_url("github_oauth"))
    c = llmkit.complete(MODEL, "hi", base_url=emu.base_url("github_copilot"), max_retries=0)
    assert c.text
    with pytest.raises(ConfigurationError, match="github_api_url"):
        llmkit.complete(MODEL, "hi", **chat_options(emu, github_api_url="ftp://evil.example"))


# ---------------------------------------------------------------- sans-I/O: expiry and endpoint


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def exchange_reply(
    expires_at: float, api: str | None = "https://api.business.githubcopilot.com"
) -> HttpResponse:
    body: dict[str, Any] = {"token": "tid=abc;exp=1", "expires_at": expires_at, "refresh_in": 1500}
    if api is not None:
        body["endpoints"] = {"api": api}
    return HttpResponse(200, {}, json.dumps(body).encode())


def drive(a: auth.CopilotAuth, reply: HttpResponse | None) -> tuple[HttpRequest, int]:
    """One request through the auth flow; the exchange (if it asks) answered with ``reply``."""
    flow = a.auth_flow(HttpRequest("POST", auth.API_SLOT + "/chat/completions", {}, b"{}"))
    asked = 0
    try:
        step = next(flow)
        while True:
            asked += 1
            assert isinstance(step, HttpRequest) and reply is not None
            step = flow.send(reply)
    except StopIteration as done:
        return done.value, asked


def test_the_token_is_refreshed_before_expires_at_and_chat_goes_to_endpoints_api() -> None:
    clock = Clock()
    a = auth.CopilotAuth("gho_x", "https://api.github.com/copilot_internal/v2/token", clock)
    sent_req, asked = drive(a, exchange_reply(clock.now + 1800))
    assert asked == 1 and sent_req.url == "https://api.business.githubcopilot.com/chat/completions"
    assert sent_req.headers["authorization"] == "Bearer tid=abc;exp=1"
    clock.now += 1800 - 301  # still outside the 300 s refresh margin: cached
    assert drive(a, None)[1] == 0
    clock.now += 2  # inside it: a new exchange before the old token expires
    assert drive(a, exchange_reply(clock.now + 1800))[1] == 1


@pytest.mark.parametrize(
    "api",
    [
        "http://api.githubcopilot.com",
        "https://api.githubcopilot.com.evil.example",
        "https://evilgithubcopilot.com",
        "https://user@api.githubcopilot.com",
        "https://api.githubcopilot.com:8443",
        "https://api.githubcopilot.com/x",
        "https://127.0.0.1",
        42,
    ],
)
def test_an_endpoint_outside_githubcopilot_com_is_refused(api: Any) -> None:
    a = auth.CopilotAuth("gho_x", "https://api.github.com/copilot_internal/v2/token", Clock())
    with pytest.raises(AuthenticationError, match=r"githubcopilot\.com"):
        drive(a, exchange_reply(2_000_000.0, api))


def test_no_endpoints_means_the_default_api_and_a_caller_base_url_is_kept() -> None:
    a = auth.CopilotAuth("gho_x", "https://api.github.com/copilot_internal/v2/token", Clock())
    assert (
        drive(a, exchange_reply(2_000_000.0, None))[0].url == "https://api.githubcopilot.com/chat/completions"
    )
    flow = a.auth_flow(HttpRequest("POST", "http://127.0.0.1:9/chat/completions", {}, b"{}"))
    with pytest.raises(StopIteration) as done:
        next(flow)
    assert done.value.value.url == "http://127.0.0.1:9/chat/completions"


def test_secrets_stay_out_of_reprs() -> None:
    a = auth.CopilotAuth("gho_secret_value_123", "https://api.github.com/copilot_internal/v2/token", Clock())
    assert "gho_secret_value_123" not in repr(a)


def test_the_cli_registers_login_copilot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from llmkit import _cli_copilot, cli

    monkeypatch.setattr(_cli_copilot, "login_copilot", lambda: tmp_path / "access-token")
    assert cli.main(["login", "copilot"]) == 0

    def refused() -> Path:
        raise AuthenticationError("GitHub login failed: access_denied")

    monkeypatch.setattr(_cli_copilot, "login_copilot", refused)
    assert cli.main(["login", "copilot"]) == 1
