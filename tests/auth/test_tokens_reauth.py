"""One resend after a 401 that says the managed token is invalid: the token is forgotten, a new
one fetched, the request sent again, once per call; any other 401 is answered as before."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit._retry import RetryPolicy, Send, Timeout, send_flow
from llmkit.auth import google as gauth
from llmkit.auth.base import AuthFlow
from llmkit.auth.tokens import TokenManager
from llmkit.emulator import Emulator, Script, add_profile, google_oauth
from llmkit.emulator import gemini as emu_gemini
from llmkit.errors import AuthenticationError, ProviderError
from llmkit.providers import get_spec, register
from llmkit.providers.google import SPECS
from llmkit.wire import HttpRequest, HttpResponse

rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

for _spec in SPECS:
    try:
        get_spec(_spec.name)
    except llmkit.ConfigurationError:
        register(_spec)
for _profile in (emu_gemini.VERTEX, google_oauth.PROFILE):
    add_profile(_profile)

UNAUTHENTICATED = b'{"error": {"code": 401, "message": "invalid credentials.", "status": "UNAUTHENTICATED"}}'


@pytest.fixture(scope="module")
def service_account(emulator: Emulator) -> dict[str, Any]:
    return google_oauth.new_service_account(emulator, "reauth")


@pytest.fixture
def fresh() -> Iterator[None]:
    gauth._SHARED.clear()
    yield
    gauth._SHARED.clear()


def test_a_revoked_token_is_replaced_once_over_loopback(
    emu: Emulator, fresh: None, service_account: dict[str, Any]
) -> None:
    auth = gauth.from_info(service_account)
    manager: TokenManager = auth._tokens  # type: ignore[attr-defined]
    # Valid by its own clock, unknown to the server (revoked): only the 401 can tell.
    manager.settle("ya29.revoked-token", time.time() + 3600, None)
    emu.script(Script(text="after a new token"))
    options = {
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "project": "test-proj",
        "credentials": service_account,
        "max_retries": 0,
    }
    assert llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **options).text == "after a new token"
    tokens = [r for r in emu.requests if r.full_path == "/google_oauth/token"]
    sent = [r.headers["authorization"] for r in emu.requests if r.profile == "vertex_ai"]
    assert len(tokens) == 1
    assert sent[0] == "Bearer ya29.revoked-token" and len(sent) == 2 and sent[1] != sent[0]
    assert "x-llmkit-retry-count" not in emu.requests[-1].headers  # not counted as a retry


class Rejecting:
    """An auth whose every token the server refuses; counts its flows and rejections."""

    def __init__(self) -> None:
        self.flows = 0
        self.rejections = 0

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        self.flows += 1
        request.headers["authorization"] = f"Bearer tok-{self.flows}"
        return request
        yield  # pragma: no cover

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        self.rejections += 1
        return True


def _run(auth: Any, answers: list[HttpResponse]) -> tuple[list[HttpRequest], BaseException | None]:
    def to_error(resp: HttpResponse) -> ProviderError:
        return AuthenticationError("refused", status_code=resp.status)

    flow = send_flow(
        HttpRequest("POST", "https://api.example/x"),
        auth,
        RetryPolicy(max_retries=2),
        Timeout(),
        False,
        to_error,
    )
    sent: list[HttpRequest] = []
    replies = iter(answers)
    try:
        step = next(flow)
        while True:
            assert isinstance(step, Send)
            sent.append(step.request)
            step = flow.send(next(replies))
    except StopIteration:
        return sent, None
    except AuthenticationError as exc:
        return sent, exc


def test_the_resend_happens_once_per_call() -> None:
    auth = Rejecting()
    sent, error = _run(auth, [HttpResponse(401, {}, UNAUTHENTICATED)] * 5)
    assert isinstance(error, AuthenticationError)
    assert [r.headers["authorization"] for r in sent] == ["Bearer tok-1", "Bearer tok-2"]
    assert auth.rejections == 1  # the second 401 is not even offered: it is the answer


def test_a_401_that_does_not_say_the_token_is_invalid_is_not_resent(service_account: dict[str, Any]) -> None:
    auth = gauth.ServiceAccountAuth(service_account)
    auth._tokens.settle("ya29.cached-token", time.time() + 3600, None)
    sent = HttpRequest("POST", "https://x", {"authorization": "Bearer ya29.cached-token"})
    assert not auth.token_rejected(sent, HttpResponse(401, {}, b'{"error": {"status": "PERMISSION_DENIED"}}'))
    assert not auth.token_rejected(sent, HttpResponse(401, {}, b""))
    challenge = {"www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}
    assert auth.token_rejected(sent, HttpResponse(401, challenge, b""))
    assert "cached-token" not in repr(auth._tokens)
    assert auth._tokens.acquire() is None  # forgotten: the next caller claims a refresh
