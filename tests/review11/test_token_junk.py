"""Token endpoints answering junk (HTML, ``{}``, no expiry, a huge body, a negative or absurd
expiry, an empty token): a typed LLMKitError naming the exchange, without the credential, and
never a token request per call in a loop. An absurd expiry is capped, not trusted; an expired
one serves only the call that got it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import _hostile11 as h
import pytest

import llmkit
from llmkit.errors import LLMKitError

SECRET = "sk-token-junk-secret-0000"


@pytest.fixture(scope="module")
def routed() -> Iterator[h.Routed]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AICORE_SERVICE_KEY", raising=False)
        yield from h.start()


def _kw(name: str, url: str, n: int) -> tuple[str, Any, dict[str, Any]]:
    secret = f"{SECRET}{n}"  # a fresh credential each time: no cached token
    if name == "sap":
        key = {"clientid": "c", "clientsecret": secret, "url": url, "serviceurls": {"AI_API_URL": url}}
        return "sap/gpt-4o", h.load("sap/orchestration-chat-completion-success-response.json"), {
            "service_key": json.dumps(key), "deployment_id": "djunk0001"}  # fmt: skip
    if name == "watsonx":
        return "watsonx/ibm/granite", h.load("watsonx/chat.json"), {
            "url": url, "iam_url": url, "api_key": secret, "project_id": "p"}  # fmt: skip
    return "gigachat/GigaChat", h.cassette("gigachat/test_chat_simple.yaml", stream=False)[0], {
        "base_url": url, "auth_url": url + "/api/v2/oauth", "credentials": secret}  # fmt: skip


def _reply(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def _junk() -> list[tuple[str, bytes, str]]:
    now = time.time()
    soon, past = int(now + 3600), int(now - 10)
    js = "application/json"
    return [
        ("html", b"<html><body>Gateway</body></html>", "text/html"),
        ("empty-object", b"{}", js),
        ("no-expiry", _reply(access_token="tok-junk-1", token_type="bearer"), js),
        ("huge", b'{"access_token": "' + b"a" * (40 << 20) + b'"}', js),
        ("negative", _reply(access_token="tok-junk-2", expires_in=-5, expires_at=-5e3, expiration=-5), js),
        (
            "past",
            _reply(access_token="tok-junk-3", expires_in=0, expires_at=past * 1000, expiration=past),
            js,
        ),
        (
            "empty-token",
            _reply(access_token="", expires_in=3600, expires_at=soon * 1000, expiration=soon),
            js,
        ),
        ("list", b"[1, 2]", js),
        ("not-utf8", b"\xff\xfe{", js),
    ]


JUNK = _junk()


@pytest.mark.parametrize("name", ["sap", "watsonx", "gigachat"])
@pytest.mark.parametrize("case", JUNK, ids=[j[0] for j in JUNK])
def test_junk_token_reply_is_typed(name: str, case: tuple[str, bytes, str], routed: h.Routed) -> None:
    label, body, ctype = case
    n = JUNK.index(case) * 10 + ["sap", "watsonx", "gigachat"].index(name)
    model, answer, kw = _kw(name, routed.url, n)
    routed.token_reply = h.Reply(200, body, ctype)
    routed.paths.clear()
    try:
        for _ in range(3):
            routed.serve(h.Reply(200, json.dumps(answer).encode()))
            try:
                llmkit.complete(model, "hi", max_retries=0, **kw)
            except LLMKitError as exc:
                text = f"{exc} {exc!r} {exc.__cause__!r} {exc.__context__!r}"
                assert SECRET not in text and "tok-junk" not in text, text
                for linked in (exc.__cause__, exc.__context__):
                    assert linked is None or isinstance(linked, LLMKitError), repr(linked)
            else:
                # Accepted (a usable token with an expiry the exchange may assume): it was sent.
                # A past expiry serves the call that got it (test_odd_expires_in's contract).
                assert label in ("no-expiry", "negative", "past"), f"{label}: a junk token reply was accepted"
    finally:
        routed.token_reply = None
    token_requests = [p for p in routed.paths if p.split("?")[0].endswith(h.TOKEN_PATHS)]
    # One exchange per call at most (refused replies are not cached), never a loop within a call.
    assert len(token_requests) <= 3, (label, routed.paths)
