"""Cohere's base URL from ``CO_API_URL``, the variable the cohere SDK reads (``ProviderSpec.base_url_env``):
after ``COHERE_BASE_URL`` and ``base_url=``, checked by the same URL rules, and watched by the
client's cached resolution like every variable resolution reads."""

from __future__ import annotations

import pytest
from tests.cloud13._helpers import CANARY_KEY, run

import llmkit
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_co_api_url_is_the_base_url(mode: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COHERE_BASE_URL", raising=False)
    monkeypatch.setenv("CO_API_URL", emu.base_url("cohere"))
    r = run(mode, "rerank", "cohere/rerank-v3.5", "llamas", ["llamas in Peru", "Paris"], api_key=CANARY_KEY)
    assert r.indices[0] == 0 and emu.requests[-1].path.endswith("/v2/rerank")


def test_precedence_and_checks(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CO_API_URL", "http://user:pw@127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="CO_API_URL") as info:
        llmkit.rerank("cohere/rerank-v3.5", "q", ["a"], api_key=CANARY_KEY)
    assert "pw" not in str(info.value)
    # COHERE_BASE_URL (llmkit's own rule) wins over the SDK's variable.
    monkeypatch.setenv("COHERE_BASE_URL", emu.base_url("cohere"))
    assert llmkit.rerank("cohere/rerank-v3.5", "q", ["a q"], api_key=CANARY_KEY).indices == [0]
    assert emu.requests[-1].path.endswith("/v2/rerank")


def test_cached_resolution_watches_it(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COHERE_BASE_URL", raising=False)
    monkeypatch.setenv("CO_API_URL", "http://127.0.0.1:9")  # nothing listens there
    with llmkit.Client(max_retries=0) as client:
        with pytest.raises(llmkit.errors.APIConnectionError):
            client.rerank("cohere/rerank-v3.5", "q", ["a"], api_key=CANARY_KEY)
        monkeypatch.setenv("CO_API_URL", emu.base_url("cohere"))
        assert client.rerank("cohere/rerank-v3.5", "q", ["a q"], api_key=CANARY_KEY).indices == [0]
