"""IBM's own Python core SDK (``ibm-cloud-sdk-core``: ``IAMAuthenticator``, ``BaseService``) as the
third party, in both directions over loopback:

* SDK -> emulator: the SDK's IAM token manager gets a token from the emulated IAM, reads its
  ``exp``/``iat`` as IBM's SDKs do, and its ``BaseService`` calls the emulated watsonx.ai chat
  with it;
* llmkit -> SDK: the token request llmkit sends is the one the SDK sends (same URL, form fields
  and content type; the SDK adds ``response_type=cloud_iam``), and the expiry llmkit reads from
  IAM's reply is the one the SDK reads from the token itself."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest
from _watsonx_helpers import CANARY_KEY, MODEL, PROJECT, options

import llmkit
from llmkit.auth import watsonx as wauth
from llmkit.emulator import Emulator, Script
from llmkit.wire import HttpResponse

core = pytest.importorskip("ibm_cloud_sdk_core")
authenticators = pytest.importorskip("ibm_cloud_sdk_core.authenticators")


def _sdk_authenticator(emu: Emulator, key: str = CANARY_KEY) -> object:
    return authenticators.IAMAuthenticator(key, url=f"{emu.url}/watsonx_iam")


def test_the_sdk_gets_an_iam_token_from_the_emulator_and_calls_chat(emu: Emulator) -> None:
    auth = _sdk_authenticator(emu)
    service = core.BaseService(service_url=emu.base_url("watsonx"), authenticator=auth)
    emu.script(Script(text="hello, SDK"))
    body = {
        "model_id": "ibm/granite-3-8b-instruct",
        "project_id": PROJECT,
        "messages": [{"role": "user", "content": "hi"}],
    }
    request = service.prepare_request("POST", "/ml/v1/text/chat", params={"version": "2026-08-11"}, data=body)
    response = service.send(request)
    assert response.get_status_code() == 200
    assert response.get_result()["choices"][0]["message"]["content"] == "hello, SDK"
    manager = auth.token_manager
    assert manager.expire_time - manager.refresh_time == pytest.approx(0.2 * 3600)


def test_the_sdk_reads_the_emulators_iam_refusal_as_an_error(emu: Emulator) -> None:
    auth = _sdk_authenticator(emu, "not-the-key")
    with pytest.raises(core.ApiException) as info:
        auth.token_manager.get_token()
    assert info.value.code == 400 and "Provided API key could not be found" in info.value.message


def test_llmkit_sends_the_token_request_the_sdk_sends(emu: Emulator) -> None:
    _sdk_authenticator(emu).token_manager.get_token()
    emu.script(Script(text="ok"))
    llmkit.complete(MODEL, "hi", **options(emu))
    sdk, ours = (r for r in emu.requests if r.profile == "watsonx_iam")
    assert ours.full_path == sdk.full_path == "/watsonx_iam/identity/token"
    assert ours.headers["content-type"] == sdk.headers["content-type"] == "application/x-www-form-urlencoded"
    assert ours.headers["accept"] == sdk.headers["accept"] == "application/json"
    sdk_form = dict(parse_qsl(sdk.body.decode()))
    assert sdk_form.pop("response_type") == "cloud_iam"
    assert dict(parse_qsl(ours.body.decode())) == sdk_form


def test_llmkit_and_the_sdk_read_the_same_expiry(emu: Emulator) -> None:
    auth = _sdk_authenticator(emu)
    manager = auth.token_manager
    manager.get_token()
    raw = manager.token_info  # the IAM reply the SDK kept
    token, expires_at = wauth.parse_iam_response(
        HttpResponse(200, {}, json.dumps(raw).encode()), now=raw["expiration"] - 3600
    )
    assert token == manager.access_token and expires_at == manager.expire_time
