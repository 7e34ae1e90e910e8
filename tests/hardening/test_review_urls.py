"""Review of the URL rules with other hostile values than the urls slice's own tests.

Two classes of value reached the network: a host label or host name past DNS's length limits
(63 per label, 253 in all; a ``region=`` of 64+ characters builds such a label), and a
percent-encoded dot-segment or control character in a ``base_url``/``endpoint=`` path
(``/v1/%2e%2e/admin`` is ``/v1/../admin`` to a server that decodes before it normalises, and
``%00`` truncates paths in some). Each must be a ConfigurationError naming where the value came
from, before any name lookup, for the sync and the async client alike."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.errors import ConfigurationError
from llmkit.providers import get_spec

AWS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "fake-secret"}
GOOGLE = {"access_token": "ya29.fake-token", "project": "my-project"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    looked_up: list[Any] = []

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        raise OSError("the network was touched")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for name in ("bedrock", "sagemaker", "vertex_ai", "azure_openai", "azure_ai", "openai", "databricks"):
        monkeypatch.delenv(f"{name.upper()}_BASE_URL", raising=False)
        for p in get_spec(name).params.values():
            for env in p.env:
                monkeypatch.delenv(env, raising=False)
    yield looked_up
    assert looked_up == []


def _refused(model: str, named: str, **kw: Any) -> None:
    """Both clients refuse the call with a ConfigurationError that names ``named``."""
    with pytest.raises(ConfigurationError) as sync_info:
        llmkit.complete(model, "hi", api_key="k" * 12, max_retries=0, **kw)
    assert named in str(sync_info.value)

    async def go() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete(model, "hi", api_key="k" * 12, max_retries=0, **kw)

    with pytest.raises(ConfigurationError) as async_info:
        asyncio.run(go())
    assert str(async_info.value) == str(sync_info.value)


LONG_REGIONS = ["x" * 64, "us-" + "a" * 70, "a-" * 2000 + "b"]


@pytest.mark.parametrize("value", LONG_REGIONS, ids=lambda v: f"len{len(v)}")
@pytest.mark.parametrize(
    ("model", "name", "extra"),
    [
        ("bedrock/anthropic.claude-v2", "region", AWS),
        ("sagemaker/my-endpoint", "region", AWS),
        ("vertex_ai/gemini-2.5-pro", "location", GOOGLE),
    ],
)
def test_a_region_too_long_for_a_host_label_is_refused(
    model: str, name: str, extra: dict[str, str], value: str
) -> None:
    _refused(model, f"{name}", **extra, **{name: value})


LONG_HOSTS = [
    "https://" + "a" * 64 + ".example",
    "https://" + ("a" * 60 + ".") * 5 + "example",  # 63-character labels, 300+ in all
    "https://-leading-hyphen.example",
    "https://trailing-hyphen-.example",
]


@pytest.mark.parametrize("url", LONG_HOSTS, ids=lambda u: u[8:20])
def test_a_host_dns_cannot_carry_is_refused(url: str) -> None:
    _refused("openai/gpt-4o", "base_url=", base_url=url + "/v1")
    _refused("azure_openai/dep", "endpoint", endpoint=url, api_version="2024-10-21")
    _refused("databricks/ep", "host", host=url)


ENCODED_PATHS = [
    "/v1/%2e%2e/admin",
    "/v1/%2E%2E",
    "/v1/.%2e/x",
    "/v1/%2e./x",
    "/v1/%2e",
    "/v1/%00",
    "/v1%0d%0aX-Injected:%201",
    "/v1/%7f",
    "/v1/%1F",
]


@pytest.mark.parametrize("path", ENCODED_PATHS)
def test_an_encoded_dot_segment_or_control_in_a_url_path_is_refused(path: str) -> None:
    _refused("openai/gpt-4o", "base_url=", base_url="https://ok.example" + path)
    _refused("azure_ai/m", "endpoint", endpoint="https://ok.example" + path, api_version="2024-05-01")


@pytest.mark.parametrize("path", ENCODED_PATHS[:3])
def test_the_same_from_the_base_url_environment_variable(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://ok.example" + path)
    _refused("openai/gpt-4o", "OPENAI_BASE_URL")


def test_legitimate_values_still_pass() -> None:
    from llmkit._resolve import resolve

    def url(model: str, base_url: str | None = None, **options: Any) -> str:
        r = resolve(
            model, api_key="k" * 12, base_url=base_url, extra_headers=None, options=options,
            default_keys={}, default_headers={},
        )  # fmt: skip
        return r.ctx.base_url

    assert url("bedrock/m", region="ap-southeast-3", **AWS).startswith(
        "https://bedrock-runtime.ap-southeast-3."
    )
    label = "a" * 63
    assert url("openai/gpt-4o", base_url=f"https://{label}.example/v1") == f"https://{label}.example/v1"
    # Encoded characters other than dots and controls are a path's business (a gateway may want %2F).
    assert url("openai/gpt-4o", base_url="https://ok.example/a%2Fb/%40x/...") == (
        "https://ok.example/a%2Fb/%40x/..."
    )
    assert url("openai/gpt-4o", base_url="https://ok.example/v1/x.%2e") == "https://ok.example/v1/x.%2e"
