"""SigV4 signing, held byte for byte against botocore's own signer, and the verifier."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmkit.auth.sigv4 import (
    AwsCredentials,
    canonical_query_string,
    canonical_uri,
    credential_source,
    resolve_credentials,
    resolve_region,
    sign_headers,
    sign_http_request,
)
from llmkit.auth.sigv4_verify import SigV4Failure, verify_signature
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest

botocore_auth = pytest.importorskip("botocore.auth")
botocore_awsrequest = pytest.importorskip("botocore.awsrequest")
botocore_credentials = pytest.importorskip("botocore.credentials")

# The example key pair from AWS's public SigV4 test suite: obviously not a real credential.
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FAKE-session-token/for+tests=="
CLOCK = datetime(2024, 7, 1, 12, 34, 56)
CREDS = AwsCredentials(ACCESS_KEY, SECRET_KEY)
SESSION_CREDS = AwsCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def botocore_sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    creds: AwsCredentials,
    region: str,
    service: str,
    now: datetime = CLOCK,
    *,
    params: Any = None,
    unsigned_payload: bool = False,
) -> dict[str, str]:
    """Sign with botocore and return only the headers it added."""
    request = botocore_awsrequest.AWSRequest(
        method=method, url=url, headers=dict(headers), data=body, params=params or {}
    )
    if unsigned_payload:
        request.context["payload_signing_enabled"] = False
    boto_creds = botocore_credentials.Credentials(creds.access_key, creds.secret_key, creds.session_token)
    with mock.patch.object(botocore_auth, "get_current_datetime", return_value=now):
        botocore_auth.SigV4Auth(boto_creds, service, region).add_auth(request)
    before = {k.lower() for k in headers}
    return {k: v for k, v in request.headers.items() if k.lower() not in before}


def ours(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    creds: AwsCredentials,
    region: str,
    service: str,
    now: datetime = CLOCK,
    **kwargs: Any,
) -> dict[str, str]:
    return sign_headers(method, url, headers, body, creds, region, service, now, **kwargs)


def bedrock_url(region: str, model_id: str = MODEL_ID, op: str = "converse") -> str:
    return f"https://bedrock-runtime.{region}.amazonaws.com/model/{quote(model_id, safe='')}/{op}"


# --------------------------------------------------------------------------- fixed cases

CASES: list[tuple[str, str, str, str, dict[str, str], bytes, AwsCredentials]] = [
    (
        "bedrock converse",
        "us-east-1",
        "bedrock",
        bedrock_url("us-east-1"),
        {"Content-Type": "application/json"},
        b'{"messages":[{"role":"user","content":[{"text":"hi"}]}]}',
        CREDS,
    ),
    (
        "bedrock stream, session token",
        "eu-west-3",
        "bedrock",
        bedrock_url("eu-west-3", op="converse-stream"),
        {"Content-Type": "application/json", "Accept": "application/vnd.amazon.eventstream"},
        b"{}",
        SESSION_CREDS,
    ),
    (
        "bedrock inference profile arn",
        "ap-northeast-1",
        "bedrock",
        bedrock_url(
            "ap-northeast-1",
            "arn:aws:bedrock:ap-northeast-1:123456789012:inference-profile/apac.anthropic.claude-3-haiku-20240307-v1:0",
            "invoke",
        ),
        {"Content-Type": "application/json", "X-Amzn-Bedrock-Trace": "ENABLED"},
        b'{"anthropic_version":"bedrock-2023-05-31"}',
        CREDS,
    ),
    (
        "sagemaker invoke, unicode body",
        "us-west-2",
        "sagemaker",
        "https://runtime.sagemaker.us-west-2.amazonaws.com/endpoints/my-endpoint/invocations",
        {"Content-Type": "application/json", "X-Amzn-SageMaker-Custom-Attributes": "accept_eula=true"},
        json.dumps({"inputs": "héllo — 世界 🎉"}, ensure_ascii=False).encode(),
        SESSION_CREDS,
    ),
    (
        "sagemaker stream, empty body",
        "sa-east-1",
        "sagemaker",
        "https://runtime.sagemaker.sa-east-1.amazonaws.com/endpoints/e/invocations-response-stream",
        {"X-Amzn-SageMaker-Accept": "text/event-stream"},
        b"",
        CREDS,
    ),
    (
        "get with encoded query",
        "us-east-1",
        "bedrock",
        "https://bedrock.us-east-1.amazonaws.com/foundation-models?byProvider=Anthropic%20Inc&x%2Fy=a~b%2Fc&%C3%A9t%C3%A9=%E2%98%83",
        {},
        b"",
        CREDS,
    ),
    (
        "repeated query keys, empty values, port",
        "us-gov-west-1",
        "sagemaker",
        "http://localhost:8080/a/./b/../c//d/?b=2&a=1&b=1&flag&z=",
        {"X-Custom": "  spaced   value  ", "User-Agent": "not-signed/1.0"},
        b"x",
        CREDS,
    ),
    (
        "unicode and reserved characters in path",
        "eu-central-1",
        "bedrock",
        "https://bedrock-runtime.eu-central-1.amazonaws.com/model/"
        + quote("modèle ~ a:b/c+d", safe="")
        + "/converse",
        {"Content-Type": "application/json"},
        b"{}",
        CREDS,
    ),
]


@pytest.mark.parametrize(("name", "region", "service", "url", "headers", "body", "creds"), CASES)
def test_matches_botocore(
    name: str,
    region: str,
    service: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    creds: AwsCredentials,
) -> None:
    assert ours("POST", url, headers, body, creds, region, service) == botocore_sign(
        "POST", url, headers, body, creds, region, service
    )


def test_bedrock_model_id_is_double_encoded_in_canonical_uri() -> None:
    wire_path = f"/model/{quote(MODEL_ID, safe='')}/converse"
    assert "%3A" in wire_path
    assert canonical_uri(wire_path) == "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse"
    assert botocore_auth.SigV4Auth(None, "bedrock", "us-east-1")._normalize_url_path(
        wire_path
    ) == canonical_uri(wire_path)


def test_query_params_mode_matches() -> None:
    # botocore canonicalizes AWSRequest.params by encoding each key and value itself;
    # our signer gets the same pairs already on the URL.
    params = [("key with space", "v~/ü"), ("a", "2"), ("a", "1"), ("plus+sign", "x&y=z")]
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)
    base = "https://bedrock.us-east-1.amazonaws.com/list"
    got = ours("GET", f"{base}?{query}", {}, b"", CREDS, "us-east-1", "bedrock")
    want = botocore_sign("GET", base, {}, b"", CREDS, "us-east-1", "bedrock", params=params)
    assert got == want


def test_canonical_query_string() -> None:
    assert canonical_query_string("") == ""
    assert canonical_query_string("b=2&a=%7e&a=1&c") == "a=1&a=~&b=2&c="
    assert canonical_query_string("k=a b/c") == "k=a%20b%2Fc"
    assert canonical_query_string("k=%ff") == "k=%FF"


@pytest.mark.parametrize("secure", [True, False])
def test_unsigned_payload_matches(secure: bool) -> None:
    scheme = "https" if secure else "http"
    url = f"{scheme}://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/e/invocations"
    got = ours("POST", url, {}, b"body", CREDS, "us-east-1", "sagemaker", unsigned_payload=True)
    want = botocore_sign("POST", url, {}, b"body", CREDS, "us-east-1", "sagemaker", unsigned_payload=True)
    assert got == want
    assert got["X-Amz-Content-SHA256"] == "UNSIGNED-PAYLOAD"


def test_content_sha256_header_given_is_used_as_payload_hash() -> None:
    url = bedrock_url("us-east-1")
    headers = {"X-Amz-Content-SHA256": "0" * 64}
    assert ours("POST", url, headers, b"abc", CREDS, "us-east-1", "bedrock") == botocore_sign(
        "POST", url, headers, b"abc", CREDS, "us-east-1", "bedrock"
    )


def test_content_sha256_header_option() -> None:
    added = ours(
        "POST",
        bedrock_url("us-east-1"),
        {},
        b"abc",
        CREDS,
        "us-east-1",
        "bedrock",
        content_sha256_header=True,
    )
    assert added["X-Amz-Content-SHA256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert "x-amz-content-sha256" in added["Authorization"]


def test_stale_signature_headers_in_input_are_replaced() -> None:
    url = bedrock_url("us-east-1")
    clean = ours(
        "POST", url, {"Content-Type": "application/json"}, b"{}", SESSION_CREDS, "us-east-1", "bedrock"
    )
    stale = {
        "Content-Type": "application/json",
        "authorization": "old",
        "X-AMZ-DATE": "19990101T000000Z",
        "x-amz-security-token": "old-token",
    }
    assert ours("POST", url, stale, b"{}", SESSION_CREDS, "us-east-1", "bedrock") == clean


def test_aware_datetime_is_converted_to_utc() -> None:
    url = bedrock_url("us-east-1")
    naive = ours("POST", url, {}, b"{}", CREDS, "us-east-1", "bedrock", CLOCK)
    offset = datetime(2024, 7, 1, 14, 34, 56, tzinfo=timezone(timedelta(hours=2)))
    assert ours("POST", url, {}, b"{}", CREDS, "us-east-1", "bedrock", offset) == naive
    assert naive["X-Amz-Date"] == "20240701T123456Z"


def test_sign_http_request_in_place() -> None:
    req = HttpRequest(
        "POST", bedrock_url("us-west-2"), {"content-type": "application/json", "AUTHORIZATION": "x"}, b"{}"
    )
    sign_http_request(req, SESSION_CREDS, "us-west-2", "bedrock", CLOCK)
    assert "AUTHORIZATION" not in req.headers
    assert req.headers["Authorization"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240701/us-west-2/bedrock/"
    )
    assert req.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    assert SECRET_KEY not in repr(req)


# --------------------------------------------------------------------------- real botocore clients


@pytest.fixture
def frozen_botocore_clock() -> Iterator[None]:
    with mock.patch.object(botocore_auth, "get_current_datetime", return_value=CLOCK):
        yield


def capture_client_request(service: str, region: str, creds: AwsCredentials, call: Any) -> Any:
    """Run a real botocore client call and capture the signed request it would send."""
    session_mod = pytest.importorskip("botocore.session")
    session = session_mod.get_session()
    client = session.create_client(
        service,
        region_name=region,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.session_token,
    )
    captured: list[Any] = []

    def before_send(request: Any, **_: Any) -> Any:
        captured.append(request)
        raise _Captured

    client.meta.events.register("before-send", before_send)
    with pytest.raises(_Captured):
        call(client)
    return captured[0]


class _Captured(Exception):
    pass


def _headers_botocore_signed(headers: dict[str, str], signature_headers: set[str]) -> dict[str, str]:
    # botocore adds amz-sdk-* and Content-Length after signing; give our signer what it signed.
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    return {k: v for k, v in headers.items() if k.lower() in signed and k not in signature_headers}


def _str_headers(sent: Any) -> dict[str, str]:
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in sent.headers.items()}


@pytest.mark.usefixtures("frozen_botocore_clock")
@pytest.mark.parametrize("creds", [CREDS, SESSION_CREDS], ids=["keys", "session"])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_bedrock_runtime_client_request(creds: AwsCredentials, region: str) -> None:
    sent = capture_client_request(
        "bedrock-runtime",
        region,
        creds,
        lambda c: c.converse(
            modelId=MODEL_ID,
            messages=[{"role": "user", "content": [{"text": "Bonjour, ça va ? 🎉"}]}],
            inferenceConfig={"maxTokens": 16},
        ),
    )
    assert "%3A0/converse" in sent.url
    headers = _str_headers(sent)
    signature_headers = {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"}
    unsigned_input = _headers_botocore_signed(headers, signature_headers)
    added = ours(sent.method, sent.url, unsigned_input, sent.body, creds, region, "bedrock")
    assert added == {k: v for k, v in headers.items() if k in signature_headers}

    path, _, query = sent.url.split("amazonaws.com", 1)[1].partition("?")
    received = {**headers, "Host": f"bedrock-runtime.{region}.amazonaws.com"}  # the HTTP client adds Host
    result = verify_signature(
        sent.method, path, query, received, sent.body, creds, CLOCK + timedelta(seconds=30)
    )
    assert result.ok, result
    assert (result.region, result.service) == (region, "bedrock")


@pytest.mark.usefixtures("frozen_botocore_clock")
@pytest.mark.parametrize("stream", [False, True])
def test_sagemaker_runtime_client_request(stream: bool) -> None:
    def call(client: Any) -> Any:
        args = {
            "EndpointName": "jumpstart-llama 3",
            "Body": b'{"inputs":"x"}',
            "ContentType": "application/json",
        }
        if stream:
            return client.invoke_endpoint_with_response_stream(**args)
        return client.invoke_endpoint(**args, CustomAttributes="accept_eula=true")

    sent = capture_client_request("sagemaker-runtime", "us-west-2", SESSION_CREDS, call)
    headers = _str_headers(sent)
    signature_headers = {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"}
    unsigned_input = _headers_botocore_signed(headers, signature_headers)
    added = ours(sent.method, sent.url, unsigned_input, sent.body, SESSION_CREDS, "us-west-2", "sagemaker")
    assert added == {k: v for k, v in headers.items() if k in signature_headers}


# --------------------------------------------------------------------------- property test

_path_segment = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=12
)
_query_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    segments=st.lists(_path_segment, min_size=0, max_size=5),
    pairs=st.lists(st.tuples(_query_text, _query_text), max_size=5),
    body=st.binary(max_size=200) | st.text(max_size=50).map(str.encode),
    service=st.sampled_from(["bedrock", "sagemaker"]),
    region=st.sampled_from(["us-east-1", "eu-west-2", "ap-south-1", "cn-north-1"]),
    token=st.none() | st.just(SESSION_TOKEN),
    header_value=st.text(
        alphabet=st.characters(codec="ascii", min_codepoint=32, max_codepoint=126), max_size=20
    ),
    seconds=st.integers(min_value=0, max_value=10**9),
)
def test_property_matches_botocore(
    segments: list[str],
    pairs: list[tuple[str, str]],
    body: bytes,
    service: str,
    region: str,
    token: str | None,
    header_value: str,
    seconds: int,
) -> None:
    path = "/" + "/".join(quote(s, safe="") for s in segments)
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)
    url = f"https://{service}.{region}.amazonaws.com{path}" + (f"?{query}" if query else "")
    now = datetime(2001, 1, 1) + timedelta(seconds=seconds)
    creds = AwsCredentials(ACCESS_KEY, SECRET_KEY, token)
    headers = {"Content-Type": "application/json", "X-Extra": header_value}
    got = ours("POST", url, headers, body, creds, region, service, now)
    assert got == botocore_sign("POST", url, headers, body, creds, region, service, now)
    # ...and what we sign, we verify.
    result = verify_signature(
        "POST", path, query, {**headers, **got, "Host": f"{service}.{region}.amazonaws.com"}, body, creds, now
    )
    assert result.ok, result


# --------------------------------------------------------------------------- verifier


def _signed_by_botocore(
    body: bytes = b'{"a":1}', creds: AwsCredentials = SESSION_CREDS
) -> tuple[str, dict[str, str]]:
    url = bedrock_url("us-east-1")
    headers = {"Content-Type": "application/json", "Host": "bedrock-runtime.us-east-1.amazonaws.com"}
    added = botocore_sign("POST", url, headers, body, creds, "us-east-1", "bedrock")
    return url.split("amazonaws.com", 1)[1], {**headers, **added}


def test_verifier_accepts_botocore_signature() -> None:
    path, headers = _signed_by_botocore()
    result = verify_signature(
        "POST", path, "", headers, b'{"a":1}', SESSION_CREDS, CLOCK, region="us-east-1", service="bedrock"
    )
    assert result.ok
    assert result.failure is None
    # Lower-cased header names and a pair list, as a server hands them over, work too.
    pairs = [(k.lower(), v) for k, v in headers.items()]
    assert verify_signature("POST", path, "", pairs, b'{"a":1}', {ACCESS_KEY: SESSION_CREDS}, CLOCK).ok


def test_verifier_rejects_tampered_body() -> None:
    path, headers = _signed_by_botocore()
    result = verify_signature("POST", path, "", headers, b'{"a":2}', SESSION_CREDS, CLOCK)
    assert result.failure is SigV4Failure.MISMATCH
    assert result.failure.aws_error_code == "InvalidSignatureException"
    assert result.canonical_request is not None


def test_verifier_rejects_tampered_path_and_header() -> None:
    path, headers = _signed_by_botocore()
    assert (
        verify_signature(
            "POST", path.replace("converse", "invoke"), "", headers, b'{"a":1}', SESSION_CREDS, CLOCK
        ).failure
        is SigV4Failure.MISMATCH
    )
    assert (
        verify_signature(
            "POST", path, "", {**headers, "Content-Type": "text/plain"}, b'{"a":1}', SESSION_CREDS, CLOCK
        ).failure
        is SigV4Failure.MISMATCH
    )


def test_verifier_rejects_wrong_secret() -> None:
    path, headers = _signed_by_botocore()
    other = AwsCredentials(ACCESS_KEY, "another-FAKE-secret-key-for-tests", SESSION_TOKEN)
    assert (
        verify_signature("POST", path, "", headers, b'{"a":1}', other, CLOCK).failure is SigV4Failure.MISMATCH
    )


def test_verifier_rejects_stale_and_future_dates_distinctly() -> None:
    path, headers = _signed_by_botocore()
    late = verify_signature(
        "POST", path, "", headers, b'{"a":1}', SESSION_CREDS, CLOCK + timedelta(minutes=5, seconds=1)
    )
    assert late.failure is SigV4Failure.SKEWED
    assert "expired" in late.message
    early = verify_signature(
        "POST", path, "", headers, b'{"a":1}', SESSION_CREDS, CLOCK - timedelta(minutes=6)
    )
    assert early.failure is SigV4Failure.SKEWED
    assert verify_signature(
        "POST", path, "", headers, b'{"a":1}', SESSION_CREDS, CLOCK + timedelta(minutes=5)
    ).ok


def test_verifier_other_failures() -> None:
    path, headers = _signed_by_botocore()
    body = b'{"a":1}'
    no_auth = {k: v for k, v in headers.items() if k != "Authorization"}
    assert (
        verify_signature("POST", path, "", no_auth, body, SESSION_CREDS, CLOCK).failure
        is SigV4Failure.MISSING
    )
    garbled = {**headers, "Authorization": "AWS4-HMAC-SHA256 nonsense"}
    assert (
        verify_signature("POST", path, "", garbled, body, SESSION_CREDS, CLOCK).failure
        is SigV4Failure.MALFORMED
    )
    stranger = AwsCredentials("AKIDOTHEREXAMPLE", SECRET_KEY, SESSION_TOKEN)
    assert (
        verify_signature("POST", path, "", headers, body, stranger, CLOCK).failure
        is SigV4Failure.UNKNOWN_ACCESS_KEY
    )
    wrong_token = {**headers, "X-Amz-Security-Token": "FAKE-other-token"}
    assert (
        verify_signature("POST", path, "", wrong_token, body, SESSION_CREDS, CLOCK).failure
        is SigV4Failure.INVALID_TOKEN
    )
    assert (
        verify_signature("POST", path, "", headers, body, CREDS, CLOCK).failure is SigV4Failure.INVALID_TOKEN
    )
    wrong_region = verify_signature("POST", path, "", headers, body, SESSION_CREDS, CLOCK, region="us-west-2")
    assert wrong_region.failure is SigV4Failure.SCOPE_MISMATCH
    wrong_service = verify_signature(
        "POST", path, "", headers, body, SESSION_CREDS, CLOCK, service="sagemaker"
    )
    assert wrong_service.failure is SigV4Failure.SCOPE_MISMATCH


def test_verifier_checks_content_sha256_header() -> None:
    url = bedrock_url("us-east-1")
    headers = {"Host": "bedrock-runtime.us-east-1.amazonaws.com"}
    added = ours("POST", url, headers, b"abc", CREDS, "us-east-1", "bedrock", content_sha256_header=True)
    path = url.split("amazonaws.com", 1)[1]
    assert verify_signature("POST", path, "", {**headers, **added}, b"abc", CREDS, CLOCK).ok
    result = verify_signature("POST", path, "", {**headers, **added}, b"abd", CREDS, CLOCK)
    assert result.failure is SigV4Failure.MISMATCH
    unsigned = ours("POST", url, headers, b"abc", CREDS, "us-east-1", "bedrock", unsigned_payload=True)
    assert verify_signature("POST", path, "", {**headers, **unsigned}, b"anything", CREDS, CLOCK).ok


# --------------------------------------------------------------------------- credentials


def test_credentials_repr_hides_secrets() -> None:
    text = repr(SESSION_CREDS) + str(SESSION_CREDS)
    assert SECRET_KEY not in text
    assert SESSION_TOKEN not in text
    assert ACCESS_KEY not in text


def test_explicit_credentials_win() -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIDENVEXAMPLE", "AWS_SECRET_ACCESS_KEY": "env-FAKE-secret"}
    got = resolve_credentials("AKIDARGEXAMPLE", "arg-FAKE-secret", environ=env, use_botocore=False)
    assert got == AwsCredentials("AKIDARGEXAMPLE", "arg-FAKE-secret")


def test_env_credentials() -> None:
    env = {
        "AWS_ACCESS_KEY_ID": "AKIDENVEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "env-FAKE-secret",
        "AWS_SESSION_TOKEN": "env-FAKE-token",
    }
    got = resolve_credentials(environ=env, use_botocore=False)
    assert got == AwsCredentials("AKIDENVEXAMPLE", "env-FAKE-secret", "env-FAKE-token")


def test_missing_credentials_names_env_vars() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_credentials(environ={}, use_botocore=False)
    assert "AWS_ACCESS_KEY_ID" in str(info.value)
    assert "AWS_SECRET_ACCESS_KEY" in str(info.value)


def test_partial_credentials_are_errors() -> None:
    with pytest.raises(ConfigurationError, match="AWS_SECRET_ACCESS_KEY"):
        resolve_credentials(environ={"AWS_ACCESS_KEY_ID": "AKIDENVEXAMPLE"}, use_botocore=False)
    with pytest.raises(ConfigurationError):
        resolve_credentials("AKIDARGEXAMPLE", None, environ={}, use_botocore=False)
    with pytest.raises(ConfigurationError):
        resolve_credentials(session_token="tok-FAKE", environ={}, use_botocore=False)


@pytest.fixture
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    for name in list(__import__("os").environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    return tmp_path


def test_botocore_chain_reads_shared_credentials_file(isolated_aws_env: Any) -> None:
    (isolated_aws_env / "credentials").write_text(
        "[default]\naws_access_key_id = AKIDFILEEXAMPLE\naws_secret_access_key = file-FAKE-secret\n"
        "[other]\naws_access_key_id = AKIDPROFILEEXAMPLE\naws_secret_access_key = profile-FAKE-secret\n"
        "aws_session_token = profile-FAKE-token\n"
    )
    (isolated_aws_env / "config").write_text("[default]\nregion = eu-north-1\n")
    source = credential_source(environ={})
    assert source() == AwsCredentials("AKIDFILEEXAMPLE", "file-FAKE-secret")
    assert resolve_credentials(profile="other", environ={}) == AwsCredentials(
        "AKIDPROFILEEXAMPLE", "profile-FAKE-secret", "profile-FAKE-token"
    )
    assert resolve_region(environ={}) == "eu-north-1"


def test_botocore_chain_empty_is_configuration_error(isolated_aws_env: Any) -> None:
    with pytest.raises(ConfigurationError, match="AWS_ACCESS_KEY_ID"):
        resolve_credentials(environ={})


def test_region_resolution() -> None:
    assert resolve_region("ca-central-1", environ={"AWS_REGION": "x"}) == "ca-central-1"
    assert resolve_region(environ={"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "x"}) == "eu-west-1"
    assert resolve_region(environ={"AWS_DEFAULT_REGION": "us-east-2"}, use_botocore=False) == "us-east-2"
    with pytest.raises(ConfigurationError, match="AWS_REGION"):
        resolve_region(environ={}, use_botocore=False)


def test_import_does_not_load_botocore() -> None:
    import subprocess
    import sys

    code = (
        "import sys, llmkit.auth.sigv4\n"
        "assert not any(m.startswith('botocore') for m in sys.modules), 'botocore was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
