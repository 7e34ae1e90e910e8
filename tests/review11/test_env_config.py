"""Each issue-11 option by its environment variable, through the public API (the call reaches a
loopback server configured by nothing but the environment), and a missing option's error names
the keyword and the variable. Token requests run under the call's remaining deadline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import _hostile11 as h
import pytest

import llmkit
from llmkit.emulator.oci_auth import new_api_key
from llmkit.errors import APIConnectionError, APITimeoutError, ConfigurationError

VARS = [
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_PRIVATE_KEY_PATH",
    "SNOWFLAKE_PAT",
    "SNOWFLAKE_BASE_URL",
    "SNOWFLAKE_AUTHENTICATOR",
    "OCI_CONFIG_FILE",
    "OCI_CLI_CONFIG_FILE",
    "OCI_PROFILE",
    "OCI_CLI_PROFILE",
    "OCI_COMPARTMENT_ID",
    "OCI_BASE_URL",
    "OCI_REGION",
    "OCI_CLI_REGION",
    "OCI_CLI_AUTH",
    "AICORE_SERVICE_KEY",
    "AICORE_CLIENT_ID",
    "AICORE_CLIENT_SECRET",
    "AICORE_AUTH_URL",
    "AICORE_BASE_URL",
    "AICORE_RESOURCE_GROUP",
    "AICORE_DEPLOYMENT_ID",
    "WATSONX_APIKEY",
    "WATSONX_API_KEY",
    "WATSONX_URL",
    "WATSONX_PROJECT_ID",
    "WATSONX_SPACE_ID",
    "WATSONX_IAM_URL",
    "WATSONX_TOKEN",
    "WATSONX_USERNAME",
    "WATSONX_BASE_URL",
    "GIGACHAT_CREDENTIALS",
    "GIGACHAT_SCOPE",
    "GIGACHAT_AUTH_URL",
    "GIGACHAT_BASE_URL",
    "GIGACHAT_CA_BUNDLE_FILE",
]


@pytest.fixture(scope="module")
def routed() -> Iterator[h.Routed]:
    yield from h.start()


@pytest.fixture
def env(routed: h.Routed, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARS:
        monkeypatch.delenv(name, raising=False)
    routed.seen.clear()
    routed.token_reply = None
    routed.token_delay = 0.0
    return monkeypatch


def _answer(routed: h.Routed, body: Any) -> None:
    routed.serve(h.Reply(200, json.dumps(body).encode()))


def _api_requests(routed: h.Routed) -> list[tuple[str, dict[str, str], bytes]]:
    return [s for s in routed.seen if not s[0].split("?")[0].endswith(h.TOKEN_PATHS)]


def test_snowflake_by_environment(routed: h.Routed, env: pytest.MonkeyPatch) -> None:
    env.setenv("SNOWFLAKE_BASE_URL", routed.url)
    env.setenv("SNOWFLAKE_PAT", "pat-env-0001")
    _answer(routed, h.load("openai/chat_completion.json"))
    assert llmkit.complete("snowflake/mistral-large2", "hi").text
    (path, headers, _), *_ = _api_requests(routed)
    assert path == "/api/v2/cortex/v1/chat/completions"
    assert headers["authorization"] == "Bearer pat-env-0001"
    assert headers["x-snowflake-authorization-token-type"] == "PROGRAMMATIC_ACCESS_TOKEN"


def test_snowflake_missing_names_keyword_and_variable(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("snowflake/mistral-large2", "hi", token="pat-x")
    assert "account=" in str(info.value) and "SNOWFLAKE_ACCOUNT" in str(info.value)
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("snowflake/mistral-large2", "hi", account="myorg-acct")
    text = str(info.value)
    for name in (
        "user=",
        "SNOWFLAKE_USER",
        "private_key_path=",
        "SNOWFLAKE_PRIVATE_KEY_PATH",
        "token=",
        "SNOWFLAKE_PAT",
    ):
        assert name in text, name


def test_oci_by_environment(routed: h.Routed, env: pytest.MonkeyPatch, tmp_path: Any) -> None:
    creds = new_api_key(tmp_path, profile="OTHER")
    env.setenv("OCI_CONFIG_FILE", creds.config_file)
    env.setenv("OCI_PROFILE", "OTHER")
    env.setenv("OCI_COMPARTMENT_ID", "ocid1.compartment.oc1..aaaaenv")
    env.setenv("OCI_BASE_URL", routed.url)
    _answer(routed, h.cassette("oci/test_generic_chat_legacy.yaml", stream=False)[0])
    assert llmkit.complete("oci/meta.llama-3.3-70b-instruct", "hi").text
    (path, headers, body), *_ = _api_requests(routed)
    assert path == "/20231130/actions/chat"
    assert creds.key_id in headers["authorization"]
    assert json.loads(body)["compartmentId"] == "ocid1.compartment.oc1..aaaaenv"
    env.delenv("OCI_COMPARTMENT_ID")
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("oci/meta.llama-3.3-70b-instruct", "hi")
    assert "compartment_id" in str(info.value) and "OCI_COMPARTMENT_ID" in str(info.value)


def test_sap_by_environment(routed: h.Routed, env: pytest.MonkeyPatch) -> None:
    env.setenv("AICORE_CLIENT_ID", "sb-env")
    env.setenv("AICORE_CLIENT_SECRET", "env-secret-0001")
    env.setenv("AICORE_AUTH_URL", routed.url)
    env.setenv("AICORE_BASE_URL", routed.url + "/v2")
    env.setenv("AICORE_RESOURCE_GROUP", "team-a")
    env.setenv("AICORE_DEPLOYMENT_ID", "denv00001")
    _answer(routed, h.load("sap/orchestration-chat-completion-success-response.json"))
    assert llmkit.complete("sap/gpt-4o", "hi").text
    token = [s for s in routed.seen if s[0] == "/oauth/token"]
    assert token and parse_qs(token[0][2].decode())["client_id"] == ["sb-env"]
    (path, headers, _), *_ = _api_requests(routed)
    assert path.startswith("/v2/inference/deployments/denv00001/")
    assert headers["ai-resource-group"] == "team-a"


def test_sap_missing_names_keyword_and_variable(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("sap/gpt-4o", "hi")
    text = str(info.value)
    assert "service_key=" in text and "AICORE_SERVICE_KEY" in text and "AICORE_CLIENT_ID" in text


def test_watsonx_by_environment(routed: h.Routed, env: pytest.MonkeyPatch) -> None:
    env.setenv("WATSONX_APIKEY", "wx-env-0001")
    env.setenv("WATSONX_URL", routed.url)
    env.setenv("WATSONX_PROJECT_ID", "p-env")
    env.setenv("WATSONX_IAM_URL", routed.url)
    _answer(routed, h.load("watsonx/chat.json"))
    assert llmkit.complete("watsonx/ibm/granite-3-8b-instruct", "hi").text
    token = [s for s in routed.seen if s[0] == "/identity/token"]
    assert token and parse_qs(token[0][2].decode())["apikey"] == ["wx-env-0001"]
    (path, _, body), *_ = _api_requests(routed)
    assert path.startswith("/ml/v1/text/chat?version=") and json.loads(body)["project_id"] == "p-env"


def test_watsonx_missing_names_keyword_and_variable(routed: h.Routed, env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("watsonx/ibm/granite", "hi", url=routed.url, project_id="p")
    assert "api_key" in str(info.value) and "WATSONX_APIKEY" in str(info.value)
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("watsonx/ibm/granite", "hi", api_key="k", project_id="p")
    assert "url" in str(info.value) and "WATSONX_URL" in str(info.value)


def test_gigachat_by_environment(routed: h.Routed, env: pytest.MonkeyPatch) -> None:
    env.setenv("GIGACHAT_CREDENTIALS", "Z2lnYS1lbnY=")
    env.setenv("GIGACHAT_SCOPE", "GIGACHAT_API_CORP")
    env.setenv("GIGACHAT_AUTH_URL", routed.url + "/api/v2/oauth")
    env.setenv("GIGACHAT_BASE_URL", routed.url + "/api/v1")
    _answer(routed, h.cassette("gigachat/test_chat_simple.yaml", stream=False)[0])
    assert llmkit.complete("gigachat/GigaChat", "hi").text
    token = [s for s in routed.seen if s[0] == "/api/v2/oauth"]
    assert token and parse_qs(token[0][2].decode())["scope"] == ["GIGACHAT_API_CORP"]
    assert token[0][1]["authorization"] == "Basic Z2lnYS1lbnY="
    (path, _, _), *_ = _api_requests(routed)
    assert path == "/api/v1/chat/completions"
    env.delenv("GIGACHAT_CREDENTIALS")
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("gigachat/GigaChat", "hi")
    assert "credentials=" in str(info.value) and "GIGACHAT_CREDENTIALS" in str(info.value)


@pytest.mark.parametrize("name", ["sap", "watsonx", "gigachat"])
def test_a_stalled_token_endpoint_is_bounded_by_the_calls_deadline(
    name: str, routed: h.Routed, env: pytest.MonkeyPatch
) -> None:
    kw: dict[str, Any] = {
        "sap": {
            "service_key": json.dumps(
                {
                    "clientid": "c",
                    "clientsecret": "slow-1",
                    "url": routed.url,
                    "serviceurls": {"AI_API_URL": routed.url},
                }
            ),
            "deployment_id": "dslow0001",
        },
        "watsonx": {"url": routed.url, "iam_url": routed.url, "api_key": "slow-2", "project_id": "p"},
        "gigachat": {
            "base_url": routed.url,
            "auth_url": routed.url + "/api/v2/oauth",
            "credentials": "slow-3",
        },
    }[name]
    model = {"sap": "sap/gpt-4o", "watsonx": "watsonx/ibm/granite", "gigachat": "gigachat/GigaChat"}[name]
    routed.token_delay = 3.0
    try:
        with pytest.raises((APITimeoutError, APIConnectionError)):
            llmkit.complete(model, "hi", timeout=0.5, max_retries=0, **kw)
    finally:
        routed.token_delay = 0.0
