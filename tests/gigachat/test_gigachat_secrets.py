"""The GigaChat authorization key and the tokens it buys never show: not in reprs, errors (their
pickles and causes included) or log records of a successful call."""

from __future__ import annotations

import logging
import pickle

import pytest
from _walk import assert_no_secret

import llmkit
from llmkit.auth import gigachat as gauth
from llmkit.emulator import Emulator, Script
from llmkit.emulator import gigachat as giga_emu
from llmkit.errors import AuthenticationError


def test_reprs_hide_the_key_and_the_token(giga: Emulator) -> None:
    giga.script(Script(text="ok"))
    llmkit.complete("gigachat/GigaChat", "hi")
    auth = gauth.GigaChatAuth(giga_emu.DEFAULT_CREDENTIALS, "GIGACHAT_API_PERS", gauth.DEFAULT_AUTH_URL, None)
    token = next(r for r in giga.requests if r.path.endswith("/completions")).headers["authorization"][7:]
    for view in (repr(auth), repr(auth._tokens), repr(list(gauth._MANAGERS.items()))):
        assert giga_emu.DEFAULT_CREDENTIALS not in view and token not in view
    request = auth.token_request()
    assert giga_emu.DEFAULT_CREDENTIALS not in repr(request)


def test_logs_of_a_call_hold_neither(giga: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    giga.script(Script(text="ok"))
    llmkit.complete("gigachat/GigaChat", "hi")
    token = next(r for r in giga.requests if r.path.endswith("/completions")).headers["authorization"][7:]
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert giga_emu.DEFAULT_CREDENTIALS not in text and token not in text


def test_a_refused_exchange_pickles_without_the_key(giga: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "c2VjcmV0LWlkOnNlY3JldC1wYXNzd29yZC10aGF0LW11c3Qtbm90LWxlYWs="
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", secret)
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete("gigachat/GigaChat", "hi", max_retries=0)
    assert_no_secret(info.value, secret)
    assert secret not in repr(pickle.loads(pickle.dumps(info.value)))
