"""Service keys and AICORE_* variables normalised as SAP's SDKs do; unusable X.509 keys refused; the retry
loop's one resend after a 404 an auth takes as its looked-up address gone (pure, no sockets)."""

from __future__ import annotations

from typing import Any

import pytest

import llmkit
from llmkit._retry import RetryPolicy, Send, Timeout, send_flow
from llmkit.auth.sap import DEPLOYMENT_SLOT, SERVICE_KEY_URL, SapAuth
from llmkit.auth.sap_key import credentials_from, from_service_key
from llmkit.emulator import Emulator
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    ResponseDecodeError,
    ServerError,
)
from llmkit.wire import HttpRequest, HttpResponse

KEY = {
    "clientid": "sb-1",
    "clientsecret": "s3cret-value-000000",
    "url": "https://tenant.authentication.eu10.hana.ondemand.com",
    "serviceurls": {"AI_API_URL": "https://api.ai.prod.eu-central-1.aws.ml.hana.ondemand.com"},
}


def test_token_url_gets_oauth_token_once() -> None:
    c = from_service_key(KEY, "test")
    assert c.token_url == "https://tenant.authentication.eu10.hana.ondemand.com/oauth/token"
    c2 = from_service_key(KEY | {"url": c.token_url}, "test")
    assert c2.token_url == c.token_url
    assert c.api_url == KEY["serviceurls"]["AI_API_URL"]  # type: ignore[index]


def test_wrapped_key_and_env_vars() -> None:
    assert from_service_key({"credentials": KEY}, "t").client_id == "sb-1"
    env = {
        "AICORE_CLIENT_ID": "a",
        "AICORE_CLIENT_SECRET": "b",
        "AICORE_AUTH_URL": "https://auth.example.com/",
    }
    c = credentials_from({}, env)
    assert (c.client_id, c.token_url, c.api_url) == ("a", "https://auth.example.com/oauth/token", None)


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ({k: v for k, v in KEY.items() if k != "clientsecret"}, "clientsecret"),
        (KEY | {"serviceurls": {}}, "AI_API_URL"),
        (KEY | {"url": "https://user:pw@evil.example.com"}, "token URL"),
        (KEY | {"serviceurls": {"AI_API_URL": "ftp://x"}}, "AI_API_URL"),
    ],
)
def test_bad_keys_are_configuration_errors(key: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        from_service_key(key, "test")


def test_a_missing_key_file_names_the_options() -> None:
    with pytest.raises(ConfigurationError, match="AICORE_SERVICE_KEY"):
        from_service_key("/nonexistent/key.json", "service_key=")


def test_an_unusable_x509_key_is_refused_before_any_request(sap: Emulator) -> None:
    # X.509 keys work (tests/mtls); one whose key is neither PEM nor a readable file fails first.
    x509 = {k: v for k, v in KEY.items() if k != "clientsecret"}
    x509 |= {"certificate": "-----BEGIN CERTIFICATE-----", "key": "k", "certurl": "https://cert.example.com"}
    with pytest.raises(ConfigurationError, match="private key"):
        llmkit.complete("sap/gpt-4o", "hi", service_key=x509)
    assert not sap.requests


class _Readdressing:
    """An auth that moves the request to a looked-up address and forgets it after a 404."""

    def __init__(self) -> None:
        self.address = "a"
        self.forgotten = 0

    def auth_flow(self, request: HttpRequest) -> Any:
        request.url = request.url.replace("{slot}", self.address)
        return request
        yield  # pragma: no cover

    def address_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        self.forgotten += 1
        self.address = "b"
        return True


def _run(flow: Any, statuses: list[int]) -> tuple[list[str], Any]:
    sent: list[str] = []
    result: Any = None
    action = next(flow)
    try:
        while True:
            assert isinstance(action, Send)
            sent.append(action.request.url)
            action = flow.send(HttpResponse(statuses.pop(0), {}, b"{}"))
    except StopIteration as done:
        result = done.value
    return sent, result


def test_a_404_the_auth_takes_as_its_address_gone_is_resent_once() -> None:
    auth = _Readdressing()
    req = HttpRequest("POST", "https://h/{slot}/x")
    to_error = lambda resp: NotFoundError("gone", status_code=resp.status)  # noqa: E731
    flow = send_flow(req, auth, RetryPolicy(max_retries=0), Timeout(), False, to_error)
    sent, result = _run(flow, [404, 200])
    assert sent == ["https://h/a/x", "https://h/b/x"] and result.status == 200
    flow = send_flow(req, auth, RetryPolicy(max_retries=0), Timeout(), False, to_error)
    with pytest.raises(NotFoundError):
        _run(flow, [404, 404])  # once per call: the second 404 is raised
    assert auth.forgotten == 2


def _drive(auth: Any, answers: list[HttpResponse]) -> HttpRequest:
    """Run an auth flow by hand: each yielded request gets the next answer."""
    flow = auth.auth_flow(
        HttpRequest("POST", f"{SERVICE_KEY_URL}/v2/inference/deployments/{DEPLOYMENT_SLOT}/v2/completion")
    )
    try:
        next(flow)
        while True:
            flow.send(answers.pop(0))
    except StopIteration as done:
        request: HttpRequest = done.value
        return request


def _fresh_auth(name: str) -> SapAuth:
    # Its own client and AI API host: the token and deployment caches are per (client, URL).
    api = {"AI_API_URL": f"https://{name.lower()}.api.example.com"}
    return SapAuth(from_service_key(KEY | {"clientid": name, "serviceurls": api}, "test"), "default")


TOKEN = HttpResponse(200, {}, b'{"access_token": "tok-abc-123", "expires_in": 43199}')


def test_the_flow_fills_the_slot_with_the_discovered_deployment() -> None:
    listed = HttpResponse(
        200,
        {},
        b'{"count": 1, "resources": [{"id": "d123abc", "status": "RUNNING", "scenarioId": "orchestration"}]}',
    )
    request = _drive(_fresh_auth("unit-1"), [TOKEN, listed])
    assert request.url == "https://unit-1.api.example.com/v2/inference/deployments/d123abc/v2/completion"
    assert request.headers["ai-resource-group"] == "default"


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ([HttpResponse(503, {}, b"down")], ServerError),
        ([HttpResponse(401, {}, b'{"error": "unauthorized"}')], AuthenticationError),
        ([TOKEN, HttpResponse(200, {}, b"<html>")], ResponseDecodeError),
        (
            [TOKEN, HttpResponse(403, {}, b'{"error": {"code": "403", "message": "Forbidden"}}')],
            PermissionDeniedError,
        ),
        (
            [
                TOKEN,
                HttpResponse(200, {}, b'{"count": 1, "resources": [{"id": "../x", "status": "RUNNING"}]}'),
            ],
            ProviderError,
        ),
    ],
    ids=["token-5xx", "token-401", "list-not-json", "list-403", "bad-id"],
)
def test_token_and_lookup_failures_are_typed(answers: list[HttpResponse], error: type[Exception]) -> None:
    with pytest.raises(error):
        _drive(_fresh_auth(f"unit-{error.__name__}-{len(answers)}"), answers)


def test_a_key_file_is_read_once_until_it_changes(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from pathlib import Path

    path = tmp_path / "key.json"
    path.write_text(json.dumps(KEY))
    reads: list[str] = []
    real = Path.read_text

    def counting(self: Path, *a: Any, **kw: Any) -> str:
        reads.append(str(self))
        return real(self, *a, **kw)

    monkeypatch.setattr(Path, "read_text", counting)
    for _ in range(3):
        assert from_service_key(str(path), "t").client_id == "sb-1"
    assert reads == [str(path)]
    path.write_text(json.dumps(KEY | {"clientid": "sb-2-longer"}))
    assert from_service_key(str(path), "t").client_id == "sb-2-longer"
    assert len(reads) == 2
