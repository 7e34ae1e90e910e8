"""The AWS auth factories declare the variables their credential chain reads: the provider pages
and ``llmkit providers`` list them, and a cached resolution is redone when one changes."""

from __future__ import annotations

import pytest

import llmkit
from llmkit._docgen import provider_rows
from llmkit.auth.aws import ENV, bedrock_auth, sagemaker_auth

CHAIN = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


def test_both_factories_declare_the_chain_variables() -> None:
    assert ENV == CHAIN
    assert bedrock_auth.env == CHAIN and sagemaker_auth.env == CHAIN


def test_the_provider_listing_shows_them() -> None:
    rows = {r["name"]: r for r in provider_rows()}
    assert rows["sagemaker"]["env"] == [] and rows["sagemaker"]["auth_env"] == list(CHAIN)
    # The Bedrock API key variable stays the key; the chain's follow it.
    assert rows["bedrock"]["env"] == ["AWS_BEARER_TOKEN_BEDROCK"]
    assert rows["bedrock"]["auth_env"] == list(CHAIN)
    assert rows["openai"]["auth_env"] == []


@pytest.mark.parametrize("name", CHAIN)
def test_a_cached_resolution_notices_a_changed_chain_variable(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    for var in (*CHAIN, "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTSONLY0000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "tests/only/not+a+real+secret+key0000000")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    client = llmkit.Client()
    first = client._settings.resolve("sagemaker/my-endpoint", None, None, None, {})
    assert set(CHAIN) <= set(first.env_names) and first.still_valid()
    monkeypatch.setenv(name, "changed-for-tests")
    assert not first.still_valid()
