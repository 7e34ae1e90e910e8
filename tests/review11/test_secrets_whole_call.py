"""A whole call per issue-11 provider, against a loopback server that answers well: with DEBUG
logs captured (every logger), nothing secret in a log record; nor in the reprs of the client, of
every cached auth and token manager; nor in a pickled client (or its refusal) or a pickled error
after the token endpoint refused the credential."""

from __future__ import annotations

import gc
import json
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _hostile11 as h
import pytest

import llmkit
from llmkit.auth.tokens import TokenManager
from llmkit.emulator.oci_auth import new_api_key
from llmkit.errors import LLMKitError

SECRET = "sk-whole-call-secret-0000"
TOKEN = "tok-hostile-0000"
PASSPHRASE = "pass-phrase-secret-0000"


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[h.Routed, Any]]:
    creds = new_api_key(tmp_path_factory.mktemp("oci-secrets"), pass_phrase=PASSPHRASE)
    with pytest.MonkeyPatch.context() as mp:
        for name in ("OCI_PROFILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH", "AICORE_SERVICE_KEY"):
            mp.delenv(name, raising=False)
        mp.setenv("OCI_CONFIG_FILE", creds.config_file)
        mp.setenv("OCI_CLI_PASSPHRASE", PASSPHRASE)
        for state in h.start():
            yield state, creds


def _cases(url: str) -> dict[str, tuple[str, Any, dict[str, Any]]]:
    sap_key = {"clientid": "sb-x", "clientsecret": SECRET, "url": url, "serviceurls": {"AI_API_URL": url}}
    return {
        "snowflake": (
            "snowflake/mistral-large2",
            h.load("openai/chat_completion.json"),
            {"base_url": url, "token": SECRET},
        ),
        "oci": (
            "oci/meta.llama-3.3-70b-instruct",
            h.cassette("oci/test_generic_chat_legacy.yaml", stream=False)[0],
            {"base_url": url, "compartment_id": "ocid1.compartment.oc1..aaaasecret"},
        ),
        "sap": (
            "sap/gpt-4o",
            h.load("sap/orchestration-chat-completion-success-response.json"),
            {"service_key": json.dumps(sap_key), "deployment_id": "dsecret01"},
        ),
        "watsonx": (
            "watsonx/ibm/granite-3-8b-instruct",
            h.load("watsonx/chat.json"),
            {"url": url, "iam_url": url, "api_key": SECRET, "project_id": "p-secret"},
        ),
        "gigachat": (
            "gigachat/GigaChat",
            h.cassette("gigachat/test_chat_simple.yaml", stream=False)[0],
            {"base_url": url, "auth_url": url + "/api/v2/oauth", "credentials": SECRET},
        ),
    }


NAMES = ["snowflake", "oci", "sap", "watsonx", "gigachat"]


def _secrets(creds: Any) -> list[str]:
    key_text = Path(creds.key_file).read_text()
    body_lines = [ln for ln in key_text.splitlines() if ln and not ln.startswith("-----")]
    return [SECRET, TOKEN, PASSPHRASE, *body_lines[:3]]


def _clean(text: str, secrets: list[str]) -> None:
    for s in secrets:
        assert s not in text, s[:6]


def _auth_objects() -> list[Any]:
    from llmkit.auth import gigachat, sap, snowflake, watsonx

    found: list[Any] = [*gigachat._MANAGERS.values(), *sap._MANAGERS.values(), *snowflake._AUTHS.values()]
    found += list(watsonx._SHARED.values())
    found += [o for o in gc.get_objects() if isinstance(o, TokenManager)]
    found += [
        o for o in gc.get_objects() if str(getattr(type(o), "__module__", "")).startswith("llmkit.auth.")
    ]
    return found


@pytest.mark.parametrize("name", NAMES)
def test_whole_call_logs_reprs_pickles(
    name: str, routed: tuple[h.Routed, Any], caplog: pytest.LogCaptureFixture
) -> None:
    state, creds = routed
    secrets = _secrets(creds)
    model, answer, kw = _cases(state.url)[name]
    state.token_reply = None
    state.serve(h.Reply(200, json.dumps(answer).encode()))
    client = llmkit.Client(max_retries=0)
    with caplog.at_level(logging.DEBUG):
        done = client.complete(model, "hi", **kw)
    assert done.text
    text = "\n".join(r.getMessage() + repr(r.args) + str(r.exc_info or "") for r in caplog.records)
    _clean(text, secrets)
    _clean(repr(client) + str(client), secrets)
    for obj in _auth_objects():
        _clean(repr(obj) + str(obj), secrets)
    try:
        blob = pickle.dumps(client)
    except Exception as exc:  # a client holding connections may refuse; its message is clean
        _clean(repr(exc) + str(exc), secrets)
    else:
        _clean(repr(blob), secrets)
    client.close()


@pytest.mark.parametrize("name", ["sap", "watsonx", "gigachat"])
def test_refused_credential_error_pickles_clean(
    name: str, routed: tuple[h.Routed, Any], caplog: pytest.LogCaptureFixture
) -> None:
    state, creds = routed
    secrets = _secrets(creds)
    model, _, kw = _cases(state.url)[name]
    kw = {**kw}
    for k in ("api_key", "credentials"):
        if k in kw:
            kw[k] = SECRET + "-other"
    if name == "sap":
        key = json.loads(kw["service_key"])
        key["clientsecret"] = SECRET + "-other"
        kw["service_key"] = json.dumps(key)
    body = {
        "error": "invalid_client",
        "error_description": f"bad secret {SECRET}-other",
        "message": SECRET + "-other",
    }
    state.token_reply = h.Reply(401, json.dumps(body).encode())
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(LLMKitError) as info:
            llmkit.complete(model, "hi", max_retries=0, **kw)
    finally:
        state.token_reply = None
    exc = info.value
    views = [str(exc), repr(exc), repr(exc.args), repr(exc.__cause__), repr(exc.__context__)]
    views += [repr(pickle.dumps(exc)), repr(pickle.loads(pickle.dumps(exc)))]
    views += [r.getMessage() + repr(r.args) for r in caplog.records]
    _clean("\n".join(views), secrets)
