"""The watsonx secrets (the API key, the IAM token, the ZenApiKey credential, a token= given) never
show in errors (causes, pickles and tracebacks included), reprs or logs."""

from __future__ import annotations

import logging
import pickle
import traceback

import pytest
from _watsonx_helpers import CANARY_KEY, MODEL, options

import llmkit
from llmkit.auth import watsonx as wauth
from llmkit.emulator import Emulator, Script
from llmkit.errors import AuthenticationError, ProviderError


def _views(exc: BaseException) -> list[str]:
    views = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
    views += [repr(getattr(exc, n, None)) for n in ("body", "__cause__", "__context__")]
    again = pickle.loads(pickle.dumps(exc))
    return [*views, repr(pickle.dumps(exc)), str(again), repr(again), repr(getattr(again, "body", None))]


def _absent(secret: str, views: list[str]) -> None:
    for i, text in enumerate(views):
        assert secret not in text, f"secret leaked in view {i}: {text[:300]}"


def test_the_iam_token_and_key_are_scrubbed_from_errors_and_logs(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.script(Script(text="ok"))
    assert llmkit.complete(MODEL, "hi", **options(emu)).text == "ok"
    token = next(r for r in emu.requests if r.profile == "watsonx").headers["authorization"][len("Bearer ") :]
    for secret in (token, CANARY_KEY):
        err = ProviderError("echo", status_code=401, body={"errors": [{"message": f"bad {secret}"}]})
        _absent(secret, _views(err))
        for record in caplog.records:
            assert secret not in record.getMessage() + repr(record.args)


def test_wrong_key_views_and_auth_reprs_hold_no_secret(emu: Emulator) -> None:
    secret = "wx-SECRET-apikey-00112233445566"
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", **options(emu, api_key=secret))
    _absent(secret, _views(info.value))
    auth = wauth._iam(secret, "https://iam.cloud.ibm.com/identity/token")
    _absent(secret, [repr(auth), str(auth), repr(wauth._SHARED)])


def test_zen_api_key_and_given_token_are_registered_secrets(emu: Emulator) -> None:
    zen = wauth.zen_api_key("admin", "cp4d-platform-key-998877665544")
    given = "given-bearer-token-5566778899aabbcc"
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", **options(emu, token=given, api_key=None))
    err = ProviderError("echo", status_code=400, body={"m": f"{zen} {given}"})
    for secret in (zen, given):
        _absent(secret, _views(err) + _views(info.value))
