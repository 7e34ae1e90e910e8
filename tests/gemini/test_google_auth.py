"""Google OAuth flows, sans-I/O: the JWT assertion checked by PyJWT and google-auth, the token cache."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from llmkit._resolve import partition
from llmkit.auth.base import AuthInputs, Blocking
from llmkit.auth.google import (
    CLOUD_PLATFORM_SCOPE,
    DEFAULT_TOKEN_URI,
    JWT_BEARER_GRANT,
    REFRESH_MARGIN,
    AccessTokenAuth,
    AuthorizedUserAuth,
    GoogleAuthLibraryAuth,
    ServiceAccountAuth,
    ServiceAccountKey,
    build_assertion,
    vertex_auth,
)
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.providers.google import SPECS
from llmkit.providers.spec import ProviderSpec
from llmkit.wire import HttpRequest, HttpResponse

jwt = pytest.importorskip("jwt")
rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

TOKEN_URI = "http://127.0.0.1:9/token"


@pytest.fixture(scope="module")
def keypair() -> tuple[str, str]:
    """A fresh RSA key for this test run (no private key is ever committed)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def sa_info(keypair: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "service_account",
        "project_id": "test-proj",
        "private_key_id": "kid-123",
        "private_key": keypair[0],
        "client_email": "svc@test-proj.iam.gserviceaccount.com",
        "client_id": "1234",
        "token_uri": TOKEN_URI,
    }


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def token_response(token: str, expires_in: int = 3599) -> HttpResponse:
    body = {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(body).encode())


def drive(auth: Any, answer: HttpResponse | None = None) -> tuple[HttpRequest, list[HttpRequest]]:
    """Run one auth_flow like a transport would; return the decorated request and the token requests."""
    flow = auth.auth_flow(HttpRequest("POST", "https://api.example/x"))
    sent: list[HttpRequest] = []
    try:
        yielded = next(flow)
        while True:
            if isinstance(yielded, Blocking):  # a blocking refresh: the sync driver runs it inline
                yielded = flow.send(yielded.fn())
                continue
            sent.append(yielded)
            assert answer is not None, "the flow asked for a token"
            yielded = flow.send(answer)
    except StopIteration as stop:
        return stop.value, sent


def test_assertion_verifies_with_pyjwt(sa_info: dict[str, Any], keypair: tuple[str, str]) -> None:
    key = ServiceAccountKey.from_info(sa_info)
    assertion = build_assertion(key, now=1_700_000_000)
    header = jwt.get_unverified_header(assertion)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "kid-123"}
    claims = jwt.decode(
        assertion,
        keypair[1],
        algorithms=["RS256"],
        audience=DEFAULT_TOKEN_URI,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {
        "iss": "svc@test-proj.iam.gserviceaccount.com",
        "scope": CLOUD_PLATFORM_SCOPE,
        "aud": DEFAULT_TOKEN_URI,
        "iat": 1_700_000_000,
        "exp": 1_700_003_600,
    }


def test_assertion_verifies_with_google_auth(sa_info: dict[str, Any], keypair: tuple[str, str]) -> None:
    google_jwt = pytest.importorskip("google.auth.jwt")
    import time

    key = ServiceAccountKey.from_info(sa_info)
    assertion = build_assertion(key, now=time.time(), subject="user@example.com")
    claims = google_jwt.decode(assertion, certs=keypair[1], audience=DEFAULT_TOKEN_URI)
    assert claims["iss"] == key.client_email
    assert claims["sub"] == "user@example.com"
    assert claims["scope"] == CLOUD_PLATFORM_SCOPE


def test_assertion_matches_google_auths_own(sa_info: dict[str, Any]) -> None:
    """google-auth's service-account credentials sign the same claims with the same key."""
    sa = pytest.importorskip("google.oauth2.service_account")
    google_jwt = pytest.importorskip("google.auth.jwt")
    creds = sa.Credentials.from_service_account_info(sa_info, scopes=[CLOUD_PLATFORM_SCOPE])
    theirs = creds._make_authorization_grant_assertion()
    ours = build_assertion(ServiceAccountKey.from_info(sa_info), now=1.0)
    their_header, their_claims, _, _ = google_jwt._unverified_decode(theirs)
    our_header, our_claims, _, _ = google_jwt._unverified_decode(ours)
    assert their_header == our_header
    assert set(their_claims) == set(our_claims)
    for field in ("iss", "aud", "scope"):
        assert their_claims[field] == our_claims[field]


def test_service_account_flow_exchanges_then_caches(
    sa_info: dict[str, Any], keypair: tuple[str, str]
) -> None:
    clock = Clock()
    auth = ServiceAccountAuth(sa_info, clock=clock)
    request, sent = drive(auth, token_response("tok-1"))
    assert request.headers["authorization"] == "Bearer tok-1"
    assert len(sent) == 1
    token_req = sent[0]
    assert (token_req.method, token_req.url) == ("POST", TOKEN_URI)
    assert token_req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_req.body is not None
    form = parse_qs(token_req.body.decode())
    assert form["grant_type"] == [JWT_BEARER_GRANT]
    claims = jwt.decode(
        form["assertion"][0],
        keypair[1],
        algorithms=["RS256"],
        audience=DEFAULT_TOKEN_URI,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iat"] == int(clock.now)

    clock.now += 3599 - REFRESH_MARGIN - 1  # still fresh: no exchange
    again, sent = drive(auth)
    assert (again.headers["authorization"], sent) == ("Bearer tok-1", [])

    clock.now += 2  # inside the refresh margin: a new exchange
    renewed, sent = drive(auth, token_response("tok-2"))
    assert renewed.headers["authorization"] == "Bearer tok-2"
    assert len(sent) == 1


def test_concurrent_refresh_is_single_flight(sa_info: dict[str, Any]) -> None:
    clock = Clock()
    auth = ServiceAccountAuth(sa_info, clock=clock)
    drive(auth, token_response("old"))
    clock.now += 3599 - REFRESH_MARGIN + 10  # due for refresh, but not expired
    first = auth.auth_flow(HttpRequest("GET", "https://x"))
    token_req = next(first)  # this flow now owns the refresh
    assert token_req.url == TOKEN_URI
    other, sent = drive(auth)  # a second flow meanwhile keeps using the old token
    assert (other.headers["authorization"], sent) == ("Bearer old", [])
    with pytest.raises(StopIteration) as done:
        first.send(token_response("new"))
    assert done.value.value.headers["authorization"] == "Bearer new"


def test_failed_exchange_raises_and_releases(sa_info: dict[str, Any]) -> None:
    auth = ServiceAccountAuth(sa_info, clock=Clock())
    bad = HttpResponse(400, {}, b'{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}')
    with pytest.raises(AuthenticationError, match="invalid_grant"):
        drive(auth, bad)
    ok, sent = drive(auth, token_response("t"))
    assert ok.headers["authorization"] == "Bearer t"
    assert len(sent) == 1


def test_authorized_user_flow() -> None:
    info = {
        "type": "authorized_user",
        "client_id": "cid.apps.googleusercontent.com",
        "client_secret": "csecret-value",
        "refresh_token": "1//refresh-token-value",
        "quota_project_id": "billing-proj",
    }
    auth = AuthorizedUserAuth(info, clock=Clock())
    request, sent = drive(auth, token_response("user-tok"))
    assert request.headers["authorization"] == "Bearer user-tok"
    assert request.headers["x-goog-user-project"] == "billing-proj"
    assert sent[0].url == "https://oauth2.googleapis.com/token"
    assert sent[0].body is not None
    form = parse_qs(sent[0].body.decode())
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == ["1//refresh-token-value"]
    assert "refresh-token-value" not in repr(auth)


def test_access_token_static_and_callable() -> None:
    request, sent = drive(AccessTokenAuth("ya29.static-token"))
    assert (request.headers["authorization"], sent) == ("Bearer ya29.static-token", [])
    tokens = iter(["ya29.first", "ya29.second"])
    auth = AccessTokenAuth(lambda: next(tokens))
    assert drive(auth)[0].headers["authorization"] == "Bearer ya29.first"
    assert drive(auth)[0].headers["authorization"] == "Bearer ya29.second"
    assert "static-token" not in repr(AccessTokenAuth("ya29.static-token"))


def _inputs(spec: ProviderSpec, key: str | None, options: Mapping[str, Any]) -> AuthInputs:
    return AuthInputs(spec.name, spec.env_keys, key, options, {})


def test_vertex_auth_factory(
    sa_info: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = SPECS[1]
    opts: dict[str, Any] = {"access_token": "ya29.given", "top_k": 3}
    parts = partition(spec, vertex_auth, opts)
    assert (dict(parts.auth), dict(parts.body)) == ({"access_token": "ya29.given"}, {"top_k": 3})
    auth = vertex_auth(_inputs(spec, None, parts.auth))
    assert isinstance(auth, AccessTokenAuth)

    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(sa_info))
    from_path = vertex_auth(_inputs(spec, None, {"credentials": str(key_file)}))
    from_dict = vertex_auth(_inputs(spec, None, {"credentials": sa_info}))
    assert isinstance(from_path, ServiceAccountAuth)
    assert from_path is from_dict  # one shared token cache per credential

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    assert vertex_auth(_inputs(spec, None, {})) is from_path
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigurationError, match="cannot read"):
        vertex_auth(_inputs(spec, None, {}))


def test_private_key_never_in_repr(sa_info: dict[str, Any]) -> None:
    auth = ServiceAccountAuth(sa_info)
    assert "PRIVATE KEY" not in repr(auth)
    assert "PRIVATE KEY" not in repr(auth.key)


def test_gcloud_adc_file_and_google_auth_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = SPECS[1]
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    user = {
        "type": "authorized_user",
        "client_id": "adc-client",
        "client_secret": "adc-secret-value",
        "refresh_token": "adc-refresh-value",
    }
    (tmp_path / "application_default_credentials.json").write_text(json.dumps(user))
    auth = vertex_auth(_inputs(spec, None, {}))
    assert isinstance(auth, AuthorizedUserAuth)
    assert auth.client_id == "adc-client"

    google_creds = pytest.importorskip("google.oauth2.credentials")
    import datetime

    creds = google_creds.Credentials(
        token="ya29.from-google-auth",
        expiry=datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(hours=1),
    )
    wrapped = vertex_auth(_inputs(spec, None, {"credentials": creds}))
    assert isinstance(wrapped, GoogleAuthLibraryAuth)
    request, sent = drive(wrapped)
    assert (request.headers["authorization"], sent) == ("Bearer ya29.from-google-auth", [])
