"""Review of model names in paths and bodies with other hostile names than the urls slice used.

Every hostile name tried (``..``, ``%2e%2e``, ``a/../../x``, ``?x=1``, ``#f``, CR/LF, NUL,
ideographic full stops, 5000 characters, backslashes, ``%zz``) was already one encoded segment,
byte-identical sync and async, for gemini, vertex_ai (and ``vertex_ai/claude-…``), azure_openai,
bedrock (ARNs too) and sagemaker. One class was not typed: a name holding a lone surrogate
(``"\\ud800"``, what a badly decoded file or a ``surrogateescape`` round trip leaves) cannot be
UTF-8 encoded, and every provider failed with a bare UnicodeEncodeError (in the path quoting, or
in the JSON body). It is now a ConfigurationError before any network."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.errors import ConfigurationError

AWS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "fake-secret", "region": "us-east-1"}
GOOGLE = {"access_token": "ya29.fake-token", "project": "my-project", "location": "us-central1"}

CALLS: list[tuple[str, dict[str, str]]] = [
    ("openai/{}", {"api_key": "k" * 12}),
    ("anthropic/{}", {"api_key": "k" * 12}),
    ("gemini/{}", {"api_key": "k" * 12}),
    ("vertex_ai/{}", GOOGLE),
    ("vertex_ai/claude-{}", GOOGLE),
    ("azure_openai/{}", {"api_key": "k" * 12, "endpoint": "https://r.openai.azure.com", "api_version": "v1"}),
    ("bedrock/{}", AWS),
    ("bedrock/arn:aws:bedrock:us-east-1:123456789012:inference-profile/{}", AWS),
    ("sagemaker/{}", AWS),
]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    looked_up: list[Any] = []

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        raise OSError("the network was touched")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield
    assert looked_up == []


IDS = [f"{c[0].split('/')[0]}{i}" for i, c in enumerate(CALLS)]


@pytest.mark.parametrize("name", ["\ud800", "model-\udfff-x", "\udc80abc"], ids=["high", "low", "escaped"])
@pytest.mark.parametrize(("template", "kw"), CALLS, ids=IDS)
def test_a_model_name_that_cannot_be_utf8_is_a_configuration_error(
    template: str, kw: dict[str, str], name: str
) -> None:
    model = template.format(name)
    with pytest.raises(ConfigurationError) as sync_info:
        llmkit.complete(model, "hi", max_retries=0, **kw)
    assert "model" in str(sync_info.value) and "UTF-8" in str(sync_info.value)
    with pytest.raises(ConfigurationError):
        asyncio.run(llmkit.acomplete(model, "hi", max_retries=0, **kw))
    with pytest.raises(ConfigurationError):
        with llmkit.stream(model, "hi", max_retries=0, **kw) as s:
            list(s)
