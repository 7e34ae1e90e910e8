"""No credential is reachable from an exception: not by str, repr, args, __cause__, __context__,
__dict__ or pickle (``assert_no_secret`` walks them all, recursively), and errors unpickle to
their own type. Every case drives the public API over loopback HTTP, sync and async, against a
hostile server that echoes what it was sent."""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from _secrets_helpers import FAKE_ACCESS_KEY, Answer, Hostile, Seen, assert_no_secret, gemini_ok
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import llmkit
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    LLMKitError,
    PermissionDeniedError,
    ProviderError,
)

MakeServer = Callable[[Callable[[Seen], Answer]], Hostile]


def fake(prefix: str) -> str:
    """An obviously fake credential, random per test so nothing matches by accident."""
    return f"{prefix}FAKE{secrets.token_hex(16)}"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(mode: str, model: str, **kw: Any) -> Any:
    kw.setdefault("max_retries", 0)
    if mode == "sync":
        with llmkit.Client() as client:
            return client.complete(model, "hi", **kw)

    async def go() -> Any:
        async with llmkit.AsyncClient() as client:
            return await client.complete(model, "hi", **kw)

    return asyncio.run(go())


def failure(mode: str, model: str, **kw: Any) -> LLMKitError:
    with pytest.raises(LLMKitError) as caught:
        call(mode, model, **kw)
    return caught.value


# ---------------------------------------------------------------- provider keys


def test_401_echoing_the_key(mode: str, hostile: MakeServer) -> None:
    key = fake("plain")
    server = hostile(lambda r: Answer(401, {"error": {"message": f"Incorrect API key provided: {key}."}}))
    err = failure(mode, "openai/gpt-4o-mini", api_key=key, base_url=server.url + "/v1")
    assert isinstance(err, AuthenticationError)
    assert_no_secret(err, key)


def test_key_echoed_as_a_json_object_key(mode: str, hostile: MakeServer) -> None:
    key = fake("k")
    body = {"error": {"message": "bad request", "type": "invalid_request_error"}, key: {key: [key]}}
    server = hostile(lambda r: Answer(400, body))
    err = failure(mode, "openai/gpt-4o-mini", api_key=key, base_url=server.url + "/v1")
    assert isinstance(err, ProviderError) and err.status_code == 400
    assert_no_secret(err, key)


def test_key_in_error_type_code_and_request_id(mode: str, hostile: MakeServer) -> None:
    key = fake("k")
    body = {"error": {"message": "no", "type": key, "code": key}}
    server = hostile(lambda r: Answer(400, body, {"x-request-id": key}))
    err = failure(mode, "openai/gpt-4o-mini", api_key=key, base_url=server.url + "/v1")
    assert_no_secret(err, key)


def test_userinfo_password_echoed_in_an_error(mode: str, hostile: MakeServer) -> None:
    password = fake("pw")
    echo = f"upstream http://bob:{password}@10.0.0.1/ and https://:{password}@10.0.0.2 are down"
    server = hostile(lambda r: Answer(502, {"error": {"message": echo}, "upstream": echo}))
    err = failure(mode, "openai/gpt-4o-mini", api_key=fake("k"), base_url=server.url + "/v1")
    assert "bob:***@10.0.0.1" in str(err)
    assert_no_secret(err, password)


def test_userinfo_password_in_base_url(mode: str, hostile: MakeServer) -> None:
    password = fake("pw")
    server = hostile(lambda r: Answer(502, {"error": {"message": "down"}}))
    for base in (
        server.url.replace("http://", f"http://bob:{password}@"),
        f"http://bob:{password}@127.0.0.1:9",
    ):
        err = failure(mode, "openai/gpt-4o-mini", api_key=fake("k"), base_url=base + "/v1")
        assert_no_secret(err, password)


def test_deep_error_body_is_cut_not_recursed_forever(mode: str, hostile: MakeServer) -> None:
    key = fake("k")
    body: Any = key
    for _ in range(200):
        body = {key: body}
    server = hostile(lambda r: Answer(400, {"error": {"message": "deep"}, "detail": body}))
    err = failure(mode, "openai/gpt-4o-mini", api_key=key, base_url=server.url + "/v1")
    assert isinstance(err, ProviderError)
    assert_no_secret(err, key)


# ---------------------------------------------------------------- AWS


def test_aws_error_echoing_the_session_token_and_secret(mode: str, hostile: MakeServer) -> None:
    secret, token = fake("sec"), fake("tok")

    def answer(r: Seen) -> Answer:
        message = f"The security token included in the request is invalid: {token} (signed with {secret})"
        return Answer(
            403, {"message": message, token: secret}, {"x-amzn-errortype": "UnrecognizedClientException"}
        )

    server = hostile(answer)
    err = failure(
        mode,
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        base_url=server.url,
        region="us-east-1",
        aws_access_key_id=FAKE_ACCESS_KEY,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )
    assert isinstance(err, (AuthenticationError, PermissionDeniedError))
    assert_no_secret(err, secret, token)


def test_aws_credentials_callable_failing_is_typed(mode: str, hostile: MakeServer) -> None:
    secret = fake("sec")

    def broken() -> Any:
        raise RuntimeError(f"sts said no to {secret}")

    server = hostile(lambda r: Answer(200, {}))
    err = failure(
        mode, "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        base_url=server.url, region="us-east-1", aws_credentials=broken,
    )  # fmt: skip
    assert isinstance(err, AuthenticationError) and "RuntimeError" in str(err)
    assert err.__context__ is None and err.__cause__ is None
    assert_no_secret(err, secret)
    assert server.seen == []


# ---------------------------------------------------------------- Google service accounts


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def service_account(pem: str, token_uri: str, kid: str) -> dict[str, Any]:
    # A fresh e-mail per test: llmkit shares one token cache per service account.
    return {
        "type": "service_account",
        "project_id": "test-proj",
        "private_key_id": kid,
        "private_key": pem,
        "client_email": f"svc-{secrets.token_hex(4)}@test-proj.iam.gserviceaccount.com",
        "client_id": "1234",
        "token_uri": token_uri,
    }


def vertex(server: Hostile, info: Any, **kw: Any) -> dict[str, Any]:
    base = f"{server.url}/vertex/v1/projects/test-proj/locations/us-central1"
    return {"base_url": base, "project": "test-proj", "credentials": info, **kw}


def pem_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and "-----" not in line]


def test_token_endpoint_echoing_the_assertion_and_key_id(mode: str, hostile: MakeServer, pem: str) -> None:
    kid = secrets.token_hex(20)
    assertions: list[str] = []

    def answer(r: Seen) -> Answer:
        assertion = parse_qs(r.body.decode())["assertion"][0]
        assertions.append(assertion)
        detail = f"Invalid JWT {assertion} signed by key {kid}; key was {pem!r}"
        return Answer(400, {"error": "invalid_grant", "error_description": detail, assertion: kid})

    server = hostile(answer)
    info = service_account(pem, server.url + "/token", kid)
    err = failure(mode, "vertex_ai/gemini-2.5-pro", **vertex(server, info))
    assert isinstance(err, AuthenticationError) and "invalid_grant" in str(err)
    assert assertions, "the token endpoint was never asked"
    assert_no_secret(err, kid, *assertions, pem, *pem_lines(pem))


def test_access_token_echoed_by_the_api(mode: str, hostile: MakeServer, pem: str) -> None:
    token = "ya29." + fake("at")

    def answer(r: Seen) -> Answer:
        if r.path == "/token":
            return Answer(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        return Answer(
            401, {"error": {"code": 401, "message": f"token {token} expired", "status": "UNAUTHENTICATED"}}
        )

    server = hostile(answer)
    info = service_account(pem, server.url + "/token", "kid-1")
    err = failure(mode, "vertex_ai/gemini-2.5-pro", **vertex(server, info))
    assert isinstance(err, AuthenticationError)
    assert_no_secret(err, token)


def test_bad_pem_is_a_typed_configuration_error(
    mode: str, hostile: MakeServer, pem: str, tmp_path: Path
) -> None:
    lines = pem_lines(pem)
    broken = (
        "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines[:5]) + "\nnot-base64!!\n-----END PRIVATE KEY-----\n"
    )
    server = hostile(lambda r: Answer(200, gemini_ok()))
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(service_account(broken, server.url + "/token", "kid-2")))
    err = failure(mode, "vertex_ai/gemini-2.5-pro", **vertex(server, str(key_file)))
    assert type(err) is ConfigurationError and "private_key" in str(err)
    assert err.__context__ is None and err.__cause__ is None
    assert_no_secret(err, broken, *lines[:5])
    assert server.seen == []  # raised before any request


@pytest.mark.parametrize("access_token", [None, "", 12345, {"t": "x"}, ["ya29.x"], "ya29.bad token\r\nx: y"])
def test_odd_access_token_is_typed(mode: str, hostile: MakeServer, pem: str, access_token: Any) -> None:
    def answer(r: Seen) -> Answer:
        if r.path == "/token":
            return Answer(200, {"access_token": access_token, "expires_in": 3599})
        return Answer(200, gemini_ok())

    server = hostile(answer)
    err = failure(
        mode, "vertex_ai/gemini-2.5-pro", **vertex(server, service_account(pem, server.url + "/token", "k"))
    )
    assert isinstance(err, AuthenticationError)
    assert len(server.seen) == 1  # nothing was sent with it


@pytest.mark.parametrize(
    ("expires_in", "usable"),
    [("abc", False), (True, False), ([3600], False), ({"s": 1}, False), (math.nan, False),
     (-5, True), (0, True), (1e308, True), (math.inf, True), (None, True), ("3600", True), (3599.5, True)],
)  # fmt: skip
def test_odd_expires_in(mode: str, hostile: MakeServer, pem: str, expires_in: Any, usable: bool) -> None:
    token = "ya29." + fake("at")
    token_calls: list[int] = []

    def answer(r: Seen) -> Answer:
        if r.path == "/token":
            token_calls.append(1)
            body: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
            if expires_in is not None:
                body["expires_in"] = expires_in
            return Answer(200, json.dumps(body, allow_nan=True))
        return Answer(200, gemini_ok())

    server = hostile(answer)
    kw = vertex(server, service_account(pem, server.url + "/token", "kid-3"), max_retries=0)
    if not usable:
        err = failure(mode, "vertex_ai/gemini-2.5-pro", **kw)
        assert isinstance(err, AuthenticationError) and "expires_in" in str(err)
        assert_no_secret(err, token)
        return
    for _ in range(2):
        assert call(mode, "vertex_ai/gemini-2.5-pro", **kw).text == "ok"
    # A token said to be expired (or near it) is exchanged again; a long-lived one is kept.
    expired = isinstance(expires_in, (int, float)) and expires_in <= 300
    assert len(token_calls) == (2 if expired else 1)


# ---------------------------------------------------------------- Entra ID


def test_entra_token_endpoint_failing(mode: str, hostile: MakeServer) -> None:
    client_secret, assertion = fake("cs"), fake("eyJ")

    def answer(r: Seen) -> Answer:
        if r.path.endswith("/oauth2/v2.0/token"):
            form = parse_qs(r.body.decode())
            sent = f"{form['client_secret'][0]} / {form['client_assertion'][0]}"
            echo = f"AADSTS7000215: Invalid client secret {sent}"
            return Answer(401, {"error": "invalid_client", "error_description": echo})
        return Answer(200, {})

    server = hostile(answer)

    def provider() -> str:
        # What azure-identity does: POST to the tenant's token endpoint, raise on failure
        # with the endpoint's description in the message.
        form = f"client_secret={client_secret}&client_assertion={assertion}&grant_type=client_credentials"
        req = urllib.request.Request(server.url + "/tenant/oauth2/v2.0/token", form.encode())
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return str(json.load(resp)["access_token"])
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"ClientSecretCredential.get_token failed: {exc.read().decode()}") from exc

    err = failure(mode, "azure_openai/dep", base_url=server.url + "/openai", azure_ad_token_provider=provider)
    assert isinstance(err, AuthenticationError) and "Entra" in str(err)
    assert err.__context__ is None and err.__cause__ is None
    assert_no_secret(err, client_secret, assertion)
    assert len(server.seen) == 1  # the token endpoint only: the API was never called


def test_entra_token_echoed_by_the_api(mode: str, hostile: MakeServer) -> None:
    token = fake("eyJ0")
    server = hostile(
        lambda r: Answer(401, {"error": {"code": "401", "message": f"Bearer {token}x is invalid: {token}"}})
    )
    err = failure(
        mode, "azure_openai/dep", base_url=server.url + "/openai", azure_ad_token_provider=lambda: token
    )
    assert_no_secret(err, token)


def test_errors_unpickle_to_their_type_without_secrets() -> None:
    from llmkit import errors

    key = fake("k")
    llmkit.Client(api_key=key)  # registers the key
    made = [
        errors.RateLimitError(f"slow down {key}", retry_after=3.0, status_code=429, body={key: key}),
        errors.StreamInterruptedError(f"cut {key}", events_received=2, provider="openai"),
        errors.ToolArgumentsError(f"bad args {key}", raw_arguments=key),
        errors.ResponseDecodeError("bad", snippet=key.encode()),
        errors.RefusalError(f"refused {key}", refusal="no"),
        errors.ConfigurationError(f"bad config {key}"),
    ]
    for err in made:
        assert_no_secret(err, key)
