"""SAP AI Core with an X.509 service key, end to end through the public API, sync and async: the
token from the key's certurl over mutual TLS (a loopback server that requires the certificate),
then discovery and chat at the emulator with that token. Held against SAP's own SDK: ai_core_sdk
derives the same token URL from the same key, and ai_api_client_sdk's Authenticator sends the same
token form (and gets a token from the same server)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import llmkit
from llmkit.auth.sap_key import credentials_from
from llmkit.emulator.script import Script
from llmkit.errors import APIConnectionError, AuthenticationError, ConfigurationError

from .conftest import MtlsServer, Pki, x509_service_key

MODEL = "sap/gpt-4o"


def _complete(mode: str, **kw: Any) -> llmkit.Completion:
    if mode == "sync":
        with llmkit.Client(max_retries=0) as client:
            return client.complete(MODEL, "hi", **kw)

    async def main() -> llmkit.Completion:
        async with llmkit.AsyncClient(max_retries=0) as client:
            return await client.complete(MODEL, "hi", **kw)

    return asyncio.run(main())


def _stream(mode: str, **kw: Any) -> str:
    if mode == "sync":
        with llmkit.Client(max_retries=0) as client:
            return "".join(
                e.text for e in client.stream(MODEL, "hi", **kw) if isinstance(e, llmkit.TextDelta)
            )

    async def main() -> str:
        async with llmkit.AsyncClient(max_retries=0) as client:
            return "".join(
                [e.text async for e in client.stream(MODEL, "hi", **kw) if isinstance(e, llmkit.TextDelta)]
            )

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_x509_service_key_gets_its_token_over_mtls_then_chats(
    mtls: MtlsServer, pki: Pki, mode: str
) -> None:
    key = x509_service_key(mtls, pki)
    mtls.emu.script(Script(text="over mutual TLS"))
    assert _complete(mode, service_key=key).text == "over mutual TLS"
    assert mtls.token_requests == [{"grant_type": "client_credentials", "client_id": key["clientid"]}]
    assert mtls.peers == [key["clientid"]]
    chat = [r for r in mtls.emu.requests if r.path.endswith("/completion")]
    assert len(chat) == 1 and chat[0].headers["authorization"].startswith("Bearer eyJmtls.")
    # The token is cached: a second call (a stream) asks for no other.
    mtls.emu.script(Script(text="streamed"))
    assert _stream(mode, service_key=json.dumps(key)) == "streamed"
    assert len(mtls.token_requests) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_aicore_cert_variables(
    mtls: MtlsServer, pki: Pki, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AICORE_CLIENT_ID", "sb-emulator-client!b1|aicore!b540")
    monkeypatch.setenv("AICORE_CERT_URL", mtls.url)
    monkeypatch.setenv("AICORE_CERT_FILE_PATH", str(pki.client_cert_file))
    monkeypatch.setenv("AICORE_KEY_FILE_PATH", str(pki.client_key_file))
    monkeypatch.setenv("AICORE_BASE_URL", f"{mtls.emu.url}/sap")
    mtls.emu.script(Script(text="from files"))
    assert _complete(mode).text == "from files"
    assert mtls.token_requests[0].keys() == {"grant_type", "client_id"}


def test_certificate_text_by_keyword(mtls: MtlsServer, pki: Pki) -> None:
    mtls.emu.script(Script(text="by keyword"))
    out = llmkit.complete(
        MODEL,
        "hi",
        client_id="sb-emulator-client!b1|aicore!b540",
        cert_str=pki.client_cert.replace("\n", "\\n"),  # as a JSON-escaped env value carries it
        key_str=pki.client_key,
        cert_url=mtls.url,
        ai_api_url=f"{mtls.emu.url}/sap",
    )
    assert out.text == "by keyword"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_certificate_the_token_url_does_not_trust_fails_typed(
    mtls: MtlsServer, pki: Pki, mode: str
) -> None:
    key = x509_service_key(mtls, pki) | {"certificate": pki.rogue_cert, "key": pki.rogue_key}
    with pytest.raises(APIConnectionError, match="certurl / AICORE_CERT_URL") as info:
        _complete(mode, service_key=key)
    assert pki.rogue_key.splitlines()[1] not in repr(info.value) + str(info.value)
    assert not [r for r in mtls.emu.requests if r.path.endswith("/completion")]


def test_a_refused_client_id_names_the_certificate_options(mtls: MtlsServer, pki: Pki) -> None:
    key = x509_service_key(mtls, pki) | {"clientid": "sb-someone-else"}
    with pytest.raises(AuthenticationError, match="AICORE_CERT_STR") as info:
        llmkit.complete(MODEL, "hi", service_key=key, max_retries=0)
    assert pki.client_key.splitlines()[1] not in str(info.value)


def test_a_secret_and_a_certificate_together_are_refused(mtls: MtlsServer, pki: Pki) -> None:
    key = x509_service_key(mtls, pki) | {"clientsecret": "s3cret"}
    with pytest.raises(ConfigurationError, match="both a client secret and a client certificate"):
        llmkit.complete(MODEL, "hi", service_key=key)
    with pytest.raises(ConfigurationError, match="without its key"):
        llmkit.complete(MODEL, "hi", client_id="c", cert_str=pki.client_cert, cert_url=mtls.url)
    assert mtls.token_requests == []


def test_credentials_repr_shows_no_key(mtls: MtlsServer, pki: Pki) -> None:
    creds = credentials_from({"service_key": x509_service_key(mtls, pki)}, {})
    assert creds.identity is not None and creds.client_secret == ""
    assert pki.client_key.splitlines()[1] not in repr(creds) and "x509=ClientIdentity" in repr(creds)


# -- against SAP's SDK ------------------------------------------------------------------------------


def test_ai_core_sdk_derives_the_same_token_url(
    mtls: MtlsServer, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_core_sdk.credentials import fetch_credentials

    key = x509_service_key(mtls, pki) | {"certurl": mtls.url + "/"}
    monkeypatch.setenv("AICORE_SERVICE_KEY", json.dumps(key))
    monkeypatch.setenv("AICORE_HOME", str(pki.folder / "no-home"))
    sdk = fetch_credentials()
    ours = credentials_from({}, {"AICORE_SERVICE_KEY": json.dumps(key)})
    assert sdk["auth_url"] == ours.token_url
    assert sdk["cert_str"] == pki.client_cert and sdk["key_str"] == pki.client_key
    assert "client_secret" not in sdk and ours.client_secret == ""


def test_the_sdks_authenticator_sends_the_same_form(
    mtls: MtlsServer, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_api_client_sdk.helpers.authenticator import Authenticator

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.ca_file))  # requests trusts certifi otherwise
    auth = Authenticator(
        auth_url=mtls.url + "/oauth/token",
        client_id="sb-emulator-client!b1|aicore!b540",
        cert_str=pki.client_cert,
        key_str=pki.client_key,
    )
    assert auth.get_token().startswith("Bearer eyJmtls.")
    sdk_form = mtls.token_requests[-1]
    mtls.emu.script(Script(text="same"))
    llmkit.complete(MODEL, "hi", service_key=x509_service_key(mtls, pki))
    assert mtls.token_requests[-1] == sdk_form


def test_the_sap_page_runs_on_an_x509_service_key(
    mtls: MtlsServer, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every example of docs/notes/sap.md, with AICORE_SERVICE_KEY an X.509 key: one mTLS token."""
    from _pages import run_page

    monkeypatch.setenv("AICORE_SERVICE_KEY", json.dumps(x509_service_key(mtls, pki)))
    namespace = run_page("notes/sap.md")
    assert namespace["answer"].text and namespace["vectors"].vectors
    assert len(mtls.token_requests) == 1 and "client_secret" not in mtls.token_requests[0]
