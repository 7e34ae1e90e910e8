"""The OCI signature, byte for byte against the oci SDK's own signer (oci.signer.Signer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmkit.auth.oci_signer import load_private_key, sign, signing_string
from llmkit.emulator.oci_auth import OciTestCredentials
from llmkit.errors import ConfigurationError

oci = pytest.importorskip("oci")
from oci._vendor import requests  # noqa: E402  (the SDK's vendored requests, which its signer signs)

DATE = "Tue, 01 Dec 2026 23:50:12 GMT"
URL = "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com/20231130/actions/chat"
BODY = b'{"compartmentId":"ocid1.compartment.oc1..x","chatRequest":{"apiFormat":"GENERIC","messages":[]}}'


def key_pem(creds: OciTestCredentials) -> bytes:
    return Path(creds.key_file).read_bytes()


def _sdk(
    signer: object, method: str, url: str, body: bytes | None, headers: dict[str, str]
) -> dict[str, str]:
    prepared = requests.Request(method, url, headers={"date": DATE, **headers}, data=body).prepare()
    signer(prepared)  # type: ignore[operator]
    return {k.lower(): v for k, v in prepared.headers.items()}


def _sdk_signer(creds: OciTestCredentials) -> object:
    tenancy, user, fingerprint = creds.key_id.split("/")
    return oci.signer.Signer(tenancy, user, fingerprint, None, private_key_content=key_pem(creds).decode())


@pytest.mark.parametrize(
    ("method", "url", "body", "content_type"),
    [
        ("POST", URL, BODY, "application/json"),
        ("POST", URL.replace("/chat", "/embedText") + "?opc=1&x=a%2Fb", BODY, "application/json"),
        ("POST", "http://127.0.0.1:8123/oci/20231130/actions/chat", b"{}", "application/json"),
        ("POST", URL, '{"text":"h\u00e9llo"}'.encode(), "application/json; charset=utf-8"),
        ("GET", URL + "?limit=5", None, "application/json"),
        ("DELETE", URL, None, "application/json"),
    ],
)
def test_same_headers_as_the_sdk_signer(
    oci_creds: OciTestCredentials, method: str, url: str, body: bytes | None, content_type: str
) -> None:
    key = load_private_key(key_pem(oci_creds))
    ours = sign(method, url, body, oci_creds.key_id, key, date=DATE, content_type=content_type)
    theirs = _sdk(_sdk_signer(oci_creds), method, url, body, {"content-type": content_type})
    assert ours["authorization"] == theirs["authorization"]
    for name in ours:
        assert ours[name] == theirs[name], name
    assert ours["authorization"].startswith(
        'Signature algorithm="rsa-sha256",headers="date (request-target) host'
    )
    assert ours["authorization"].endswith('",version="1"')


def test_session_token_key_id_as_the_sdk(oci_creds: OciTestCredentials) -> None:
    from oci.auth.signers import SecurityTokenSigner

    key = load_private_key(key_pem(oci_creds))
    token = "eyJhbGciOiJSUzI1NiJ9.e30.fake-token-for-tests"
    ours = sign("POST", URL, BODY, "ST$" + token, key, date=DATE)
    theirs = _sdk(SecurityTokenSigner(token, key), "POST", URL, BODY, {"content-type": "application/json"})
    assert ours["authorization"] == theirs["authorization"]
    assert 'keyId="ST$' + token + '"' in ours["authorization"]


def test_signing_string_shape() -> None:
    headers = {
        "date": DATE,
        "host": "h.example",
        "content-length": "2",
        "content-type": "a/b",
        "x-content-sha256": "d",
    }
    text = signing_string(
        "POST",
        "https://h.example/p?q=1",
        headers,
        ("date", "(request-target)", "host", "content-length", "content-type", "x-content-sha256"),
    )
    assert text == (
        f"date: {DATE}\n(request-target): post /p?q=1\nhost: h.example\ncontent-length: 2\n"
        "content-type: a/b\nx-content-sha256: d"
    )


def test_encrypted_key_needs_its_passphrase(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from llmkit.emulator.oci import new_api_key

    creds = new_api_key(tmp_path, pass_phrase="s3cret-phrase")
    pem = key_pem(creds)
    with pytest.raises(ConfigurationError, match=r"encrypted.*pass_phrase"):
        load_private_key(pem)
    with pytest.raises(ConfigurationError, match="not a PEM private key") as info:
        load_private_key(pem, "wrong-phrase")
    assert "s3cret" not in str(info.value)
    assert load_private_key(pem, "s3cret-phrase") is not None


def test_a_public_key_is_refused(oci_creds: OciTestCredentials) -> None:
    from cryptography.hazmat.primitives import serialization

    key = load_private_key(key_pem(oci_creds))
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ConfigurationError, match="private half"):
        load_private_key(public)
