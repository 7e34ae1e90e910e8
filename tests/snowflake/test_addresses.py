"""Where a Cortex call goes: the account's host (underscores spelled as hyphens there, kept in the
JWT), a route per model and per ``cortex_api=``, and an account that is not one DNS label refused
before anything is sent."""

from __future__ import annotations

import pytest

from llmkit._resolve import resolve
from llmkit.dialects.base import ChatRequest, EmbedRequest
from llmkit.errors import ConfigurationError
from llmkit.types import Message

pytestmark = pytest.mark.usefixtures("sf_env")


def _request(model: str, **options: object) -> tuple[str, dict[str, str]]:
    resolved = resolve(
        f"snowflake/{model}",
        api_key=None,
        base_url=None,
        extra_headers=None,
        options={"token": "pat-address-check", **options},
        default_keys={},
        default_headers={},
    )
    body_options = dict(resolved.options)
    req = ChatRequest(model, (Message("user", "hi"),), options=body_options)
    built = resolved.dialect.build_chat(req, resolved.ctx)
    return built.url, built.headers


@pytest.mark.parametrize(
    ("model", "options", "url"),
    [
        (
            "mistral-large2",
            {},
            "https://myorg-my-acct.snowflakecomputing.com/api/v2/cortex/v1/chat/completions",
        ),
        ("claude-sonnet-4-5", {}, "https://myorg-my-acct.snowflakecomputing.com/api/v2/cortex/v1/messages"),
        (
            "claude-sonnet-4-5",
            {"cortex_api": "native"},
            "https://myorg-my-acct.snowflakecomputing.com/api/v2/cortex/inference:complete",
        ),
        (
            "llama3.1-70b",
            {"cortex_api": "messages"},
            "https://myorg-my-acct.snowflakecomputing.com/api/v2/cortex/v1/messages",
        ),
    ],
)
def test_routes_and_host(model: str, options: dict[str, str], url: str) -> None:
    got, headers = _request(model, account="myorg-my_acct", **options)
    assert got == url
    if url.endswith("/messages"):
        assert headers["anthropic-version"] == "2023-06-01"


def test_embeddings_go_to_inference_embed() -> None:
    resolved = resolve(
        "snowflake/e5-base-v2",
        api_key="pat-x",
        base_url=None,
        extra_headers=None,
        options={"account": "xy12345"},
        default_keys={},
        default_headers={},
    )
    built = resolved.dialect.build_embed(EmbedRequest("e5-base-v2", ("a",)), resolved.ctx)
    assert built.url == "https://xy12345.snowflakecomputing.com/api/v2/cortex/inference:embed"


@pytest.mark.parametrize("account", ["xy12345.us-east-1.aws", "evil.example", "a/b", "acct#x", "-acct", ""])
def test_an_account_that_is_not_one_label_is_refused(account: str) -> None:
    with pytest.raises(ConfigurationError, match="account"):
        _request("m", account=account)


def test_base_url_replaces_the_account_host() -> None:
    resolved = resolve(
        "snowflake/m",
        api_key="pat-x",
        base_url="https://xy12345.us-east-1.aws.snowflakecomputing.com",
        extra_headers=None,
        options={},
        default_keys={},
        default_headers={},
    )
    req = ChatRequest("m", (Message("user", "hi"),))
    assert resolved.dialect.build_chat(req, resolved.ctx).url.startswith(
        "https://xy12345.us-east-1.aws.snowflakecomputing.com/api/v2/cortex/"
    )
