"""The client secret and the tokens of SAP AI Core never show: not in errors (pickled too), reprs
or log records."""

from __future__ import annotations

import json
import logging
import pickle
import traceback

import pytest

import llmkit
from llmkit._redact import redact_text
from llmkit.auth.sap import SapAuth
from llmkit.auth.sap_key import from_service_key
from llmkit.emulator import Emulator
from llmkit.emulator import sap as esap
from llmkit.errors import AuthenticationError, ConfigurationError

SECRET = "sapSecretCanary9d1e7b3f55aa"
MODEL = "sap/gpt-4o"


def _views(exc: BaseException) -> list[str]:
    again = pickle.loads(pickle.dumps(exc))
    return [
        str(exc),
        repr(exc),
        "".join(traceback.format_exception(exc)),
        repr(getattr(exc, "body", None)),
        repr(pickle.dumps(exc)),
        str(again),
        repr(getattr(again, "body", None)),
    ]


def test_a_wrong_secret_shows_in_no_view_nor_log(
    sap: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = esap.service_key(sap) | {"clientsecret": SECRET}
    monkeypatch.setenv("AICORE_SERVICE_KEY", json.dumps(key))
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", max_retries=0)
    for view in _views(info.value):
        assert SECRET not in view
    for record in caplog.records:
        assert SECRET not in record.getMessage() + repr(record.args)
    # The token request carried it in its form body, as SAP's SDKs send it.
    assert SECRET.encode() in [r for r in sap.requests if r.path == "/oauth/token"][-1].body


def test_tokens_and_secrets_are_registered_and_reprs_mask_them(sap: Emulator) -> None:
    # Only this call's token: others in the session's emulator may have gone to SDKs, not llmkit.
    esap.state_for(sap).tokens.clear()
    llmkit.complete(MODEL, "hi")
    token = next(iter(esap.state_for(sap).tokens))
    assert token not in redact_text(f"the token was {token}")
    creds = from_service_key(esap.service_key(sap) | {"clientsecret": SECRET}, "test")
    auth = SapAuth(creds, "default")
    for shown in (repr(creds), repr(auth), str(creds)):
        assert SECRET not in shown
    assert SECRET not in redact_text(f"x {SECRET} y")


def test_a_broken_service_key_error_does_not_quote_it(monkeypatch: pytest.MonkeyPatch, sap: Emulator) -> None:
    monkeypatch.setenv("AICORE_SERVICE_KEY", '{"clientid": "x", "clientsecret": "' + SECRET + '", ')
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete(MODEL, "hi")
    assert "AICORE_SERVICE_KEY" in str(info.value) and "not valid JSON" in str(info.value)
    for view in _views(info.value):
        assert SECRET not in view
