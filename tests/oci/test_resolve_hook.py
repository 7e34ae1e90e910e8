"""The core hook the OCI profile's region needs: ``AuthFactory.params``, a credential's own source
of URL params, asked only when neither an option nor an environment variable gave one, at most
once per resolution, and its values checked like any other."""

from __future__ import annotations

from typing import Any

import pytest

from llmkit import _resolve
from llmkit.auth.base import AuthFactory, NoAuth
from llmkit.errors import ConfigurationError
from llmkit.providers import _extra, _registry, register
from llmkit.providers.spec import Param, ProviderSpec

SPEC = ProviderSpec(
    name="hooked_cloud",
    dialect="openai_chat",
    base_url="https://api.{region}.hooked.example",
    auth="custom",
    auth_factory="tests:hooked",
    params={
        "region": Param(("HOOKED_REGION",), default="fallback-1", kind="region"),
        "other": Param(("HOOKED_OTHER",), required=False),
    },
)


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def supply(options: Any) -> dict[str, str]:
        calls.append(dict(options))
        return {"region": options.get("supplied", "from-config-1")}

    factory = AuthFactory(lambda inputs: NoAuth(), frozenset({"supplied"}), (), supply)
    monkeypatch.setitem(_resolve._FACTORIES, "tests:hooked", factory)
    monkeypatch.delenv("HOOKED_REGION", raising=False)
    monkeypatch.delenv("HOOKED_OTHER", raising=False)
    register(SPEC)
    yield calls
    _extra.pop(SPEC.name, None)
    _registry.pop(SPEC.name, None)


def _url(**options: Any) -> str:
    r = _resolve.resolve(
        "hooked_cloud/m",
        api_key=None,
        base_url=None,
        extra_headers=None,
        options=options,
        default_keys={},
        default_headers={},
    )
    return r.ctx.base_url


def test_order_option_env_supplied_default(
    asked: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _url(region="given-1") == "https://api.given-1.hooked.example"
    assert _url() == "https://api.from-config-1.hooked.example"
    assert len(asked) == 2  # once per resolution that lacked a param, not once per param
    monkeypatch.setenv("HOOKED_REGION", "env-1")
    assert _url() == "https://api.env-1.hooked.example"
    assert _url(supplied="chosen-2") == "https://api.env-1.hooked.example"


def test_the_supplied_value_is_checked(asked: list[dict[str, Any]]) -> None:
    with pytest.raises(ConfigurationError, match="credentials' configuration") as info:
        _url(supplied="evil.example/x")
    assert "evil" not in str(info.value)
