"""Router configuration: LiteLLM's model_list (flat and litellm_params), YAML, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import CANARY_KEY

from llmkit.errors import ConfigurationError
from llmkit.router import Router
from llmkit.router.config import parse_model_list


def test_litellm_params_are_accepted_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_KEY_FOR_TEST", CANARY_KEY)
    groups = parse_model_list(
        [
            {
                "model_name": "gpt-4o",
                "litellm_params": {
                    "model": "azure/gpt-4o-eu",
                    "api_key": "os.environ/AZURE_KEY_FOR_TEST",
                    "api_base": "https://eu.example.openai.azure.com",
                    "api_version": "2024-10-21",
                    "rpm": 600,
                    "tpm": 90000,
                    "weight": 3,
                    "num_retries": 2,
                },
                "model_info": {"id": "eu", "max_input_tokens": 128000},
            },
            {"model_name": "gpt-4o", "model": "openai/gpt-4o", "api_key": "k2", "region": "us"},
        ]
    )
    eu, us = groups["gpt-4o"]
    assert (eu.id, eu.model, eu.provider, eu.base_url) == (
        "eu",
        "azure/gpt-4o-eu",
        "azure",
        "https://eu.example.openai.azure.com",
    )
    assert (eu.rpm, eu.tpm, eu.weight, eu.max_input_tokens) == (600, 90000, 3.0, 128000)
    assert eu.api_key == CANARY_KEY and CANARY_KEY not in repr(eu)
    assert eu.options == {"api_version": "2024-10-21"}  # provider options travel with the call
    assert (us.id, us.region) == ("gpt-4o#1", "us")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"model": "openai/x"}, "needs model_name"),
        ({"model_name": "g", "model": "gpt-4o"}, "provider/model-name"),
        ({"model_name": "g", "model": "openai/x", "weight": 0}, "weight must be positive"),
        ({"model_name": "g", "model": "openai/x", "rpm": "fast"}, "rpm must be a number"),
        (
            {"model_name": "g", "model": "openai/x", "api_key": "os.environ/LLMKIT_NOT_SET_X"},
            "LLMKIT_NOT_SET_X",
        ),
    ],
)
def test_bad_entries_name_what_to_fix(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        parse_model_list([entry])


def test_router_checks_groups_and_strategy() -> None:
    deps = [{"model_name": "chat", "model": "openai/x", "api_key": "k"}]
    with pytest.raises(ConfigurationError, match="'missing'"):
        Router(deps, fallbacks=[{"chat": ["missing"]}])
    with pytest.raises(ConfigurationError, match="routing_strategy 'fastest'"):
        Router(deps, routing_strategy="fastest")
    with pytest.raises(ConfigurationError, match="used twice"):
        Router([{**deps[0], "id": "a"}, {**deps[0], "id": "a"}])


def test_yaml_config_with_router_settings(tmp_path: Path) -> None:
    path = tmp_path / "router.yaml"
    path.write_text(
        """
model_list:
  - model_name: chat
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: k
      rpm: 10
  - model_name: backup
    litellm_params:
      model: anthropic/claude-haiku
      api_key: k
router_settings:
  routing_strategy: least-busy
  fallbacks: [{chat: [backup]}]
  allowed_fails: 1
  cooldown_time: 12
""",
        encoding="utf-8",
    )
    router = Router.from_yaml(str(path))
    assert router.groups == ["chat", "backup"]
    assert router._policy.strategy == "least-busy" and router._policy.cooldown_s == 12
    assert router._policy.fallbacks == {"chat": ("backup",)}
    with pytest.raises(ConfigurationError, match="no model_list"):
        (tmp_path / "empty.yaml").write_text("router_settings: {}\n", encoding="utf-8")
        Router.from_yaml(str(tmp_path / "empty.yaml"))


def test_a_litellm_example_config_loads_as_is() -> None:
    # Written by LiteLLM's maintainers (see the .source.md beside it), not by llmkit.
    path = Path(__file__).resolve().parents[1] / "fixtures" / "router" / "azure_config_with_tpm.yaml"
    router = Router.from_yaml(str(path))
    first, second = router._policy.groups["gpt-3.5-turbo"]
    assert (first.model, first.tpm, first.base_url) == (
        "azure/gpt-35-1",
        80000,
        "https://my-endpoint-canada-berri992.openai.azure.com/",
    )
    assert second.model == "azure/gpt-35-2" and second.api_key == "9kj" and "9kj" not in repr(second)


def test_a_bare_model_name_says_to_add_the_provider() -> None:
    # LiteLLM guesses the provider of a bare "gpt-3.5-turbo"; llmkit asks for it.
    with pytest.raises(ConfigurationError, match=r"'provider/model-name', got 'gpt-3\.5-turbo'"):
        parse_model_list([{"model_name": "g", "litellm_params": {"model": "gpt-3.5-turbo"}}])
