"""Every value that fills a URL in the five issue-11 providers, tried with injection values
through the public API: each is refused with a ConfigurationError before anything is sent, and
a trap server on loopback (the host each value tries to smuggle in) receives nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import llmkit
from llmkit.errors import ConfigurationError

SECRET = "sk-injection-not-a-real-key-0000"
HOST_LABEL = ["a.evil.com#", "../", "%2e%2e", "a@127.0.0.1", "a\nb", "a b", "a/b", "a?b", "a:1"]


class Trap:
    hits = 0
    port = 0


@pytest.fixture(scope="module")
def trap() -> Iterator[type[Trap]]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            Trap.hits += 1
            self.send_response(500)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Trap.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Trap
    server.shutdown()
    server.server_close()


def _url_values(port: int) -> list[str]:
    t = f"127.0.0.1:{port}"
    return [
        f"http://good.invalid@{t}",
        f"http://{t}\\@good.invalid",
        f"http://{t}#@good.invalid",
        f"http://good.invalid\n@{t}",
        "http://good .invalid",
        f"//{t}",
        f"{t}/v2",
        f"http://{t}%2f@good.invalid",
    ]


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SNOWFLAKE_ACCOUNT", "SNOWFLAKE_BASE_URL", "OCI_REGION", "OCI_BASE_URL", "AICORE_SERVICE_KEY",
        "AICORE_BASE_URL", "AICORE_AUTH_URL", "WATSONX_URL", "WATSONX_IAM_URL", "GIGACHAT_BASE_URL",
        "GIGACHAT_AUTH_URL", "AICORE_DEPLOYMENT_ID",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def _refused(model: str, **kw: Any) -> None:
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete(model, "hi", max_retries=0, **kw)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("value", HOST_LABEL)
def test_snowflake_account(trap: type[Trap], value: str) -> None:
    _refused("snowflake/mistral-large2", account=value, token=SECRET)
    assert trap.hits == 0


@pytest.mark.parametrize("value", HOST_LABEL)
def test_oci_region(trap: type[Trap], value: str, tmp_path: Any) -> None:
    _refused(
        "oci/meta.llama-3.3-70b-instruct",
        region=value,
        compartment_id="ocid1.compartment.oc1..aaaa",
        tenancy="ocid1.tenancy.oc1..aaaa",
        user="ocid1.user.oc1..aaaa",
        fingerprint="aa:bb",
        key_content="-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n",
    )
    assert trap.hits == 0


def _sap_key(url: str, api: str) -> str:
    return json.dumps(
        {"clientid": "c", "clientsecret": SECRET, "url": url, "serviceurls": {"AI_API_URL": api}}
    )


def test_sap_key_urls(trap: type[Trap]) -> None:
    good = f"http://127.0.0.1:{trap.port}"
    for bad in _url_values(trap.port):
        _refused("sap/gpt-4o", service_key=_sap_key(bad, good), deployment_id="d12345")
        _refused("sap/gpt-4o", service_key=_sap_key(good, bad), deployment_id="d12345")
    assert trap.hits == 0


def test_sap_variables(trap: type[Trap], monkeypatch: pytest.MonkeyPatch) -> None:
    good = f"http://127.0.0.1:{trap.port}"
    monkeypatch.setenv("AICORE_CLIENT_ID", "c")
    monkeypatch.setenv("AICORE_CLIENT_SECRET", SECRET)
    for bad in _url_values(trap.port):
        monkeypatch.setenv("AICORE_AUTH_URL", bad)
        monkeypatch.setenv("AICORE_BASE_URL", good)
        _refused("sap/gpt-4o", deployment_id="d12345")
        monkeypatch.setenv("AICORE_AUTH_URL", good)
        monkeypatch.setenv("AICORE_BASE_URL", bad)
        _refused("sap/gpt-4o", deployment_id="d12345")
    assert trap.hits == 0


@pytest.mark.parametrize("value", ["../x", "a/b", "%2e%2e%2f", "a#b", "a?b", "a b", "a\nb", "..", "."])
def test_sap_deployment_id(trap: type[Trap], value: str) -> None:
    good = f"http://127.0.0.1:{trap.port}"
    _refused("sap/gpt-4o", service_key=_sap_key(good, good), deployment_id=value)
    assert trap.hits == 0


def test_watsonx_urls(trap: type[Trap]) -> None:
    good = f"http://127.0.0.1:{trap.port}"
    for bad in _url_values(trap.port):
        _refused("watsonx/ibm/granite", url=bad, iam_url=good, api_key=SECRET, project_id="p")
        _refused("watsonx/ibm/granite", url=good, iam_url=bad, api_key=SECRET, project_id="p")
    assert trap.hits == 0


@pytest.mark.parametrize("value", ["..", "%2e%2e", "a#b", "a?b", "a b", "."])
def test_watsonx_deployment_and_ids(trap: type[Trap], value: str) -> None:
    good = f"http://127.0.0.1:{trap.port}"
    _refused(f"watsonx/deployment/{value}", url=good, iam_url=good, api_key=SECRET, space_id="s")
    assert trap.hits == 0


def test_gigachat_urls(trap: type[Trap]) -> None:
    good = f"http://127.0.0.1:{trap.port}"
    for bad in _url_values(trap.port):
        _refused("gigachat/GigaChat", base_url=bad, auth_url=good + "/api/v2/oauth", credentials=SECRET)
        _refused("gigachat/GigaChat", base_url=good, auth_url=bad, credentials=SECRET)
    assert trap.hits == 0
