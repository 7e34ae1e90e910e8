"""Router configuration: deployments and model groups, in the shape LiteLLM users write.

A ``model_list`` entry is either flat (``{"model_name": "chat", "model": "openai/gpt-4o-mini",
"api_key": ..., "weight": 3, "rpm": 600}``) or LiteLLM's nested form (``{"model_name": "chat",
"litellm_params": {"model": ..., "api_base": ..., "rpm": ...}, "model_info": {"id": ...}}``),
accepted as is. A value ``"os.environ/NAME"`` (LiteLLM's spelling) reads the variable NAME.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmkit.errors import ConfigurationError

__all__ = ["Deployment", "load_yaml", "parse_model_list"]

# LiteLLM's names for the keys llmkit spells differently.
_ALIASES = {"api_base": "base_url", "max_input_tokens": "max_input_tokens"}
# Keys that describe the deployment to the router; everything else is a provider option.
_ROUTER_KEYS = frozenset(
    {
        "model",
        "api_key",
        "base_url",
        "weight",
        "rpm",
        "tpm",
        "region",
        "max_input_tokens",
        "cost",
        "timeout",
        "max_retries",
        "id",
        "headers",
    }
)
# LiteLLM keys that make no sense here (they configure LiteLLM's own client) and are dropped.
_IGNORED = frozenset({"stream_timeout", "num_retries", "custom_llm_provider", "order"})


@dataclass(frozen=True, slots=True)
class Deployment:
    """One place a model group's calls can go: a provider/model with its own credentials."""

    id: str
    group: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    weight: float = 1.0
    rpm: int | None = None
    tpm: int | None = None
    region: str | None = None
    # The largest prompt (in tokens) it takes; used to skip it for a prompt that cannot fit.
    max_input_tokens: int | None = None
    # Relative price for cost-based routing (llmkit's catalog is not on main yet).
    cost: float | None = None
    timeout: float | None = None
    headers: Mapping[str, str] | None = field(default=None, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0]

    def __reduce__(self) -> tuple[Any, ...]:
        # Secrets never travel in a pickle: the copy has no key or headers (the environment's
        # variables, or a key passed again, fill them where it is used).
        state = {f: getattr(self, f) for f in self.__dataclass_fields__ if f not in ("api_key", "headers")}
        return (_rebuild, (state,))


def _rebuild(state: dict[str, Any]) -> Deployment:
    return Deployment(**state)


def _resolve_env(value: Any, where: str) -> Any:
    if isinstance(value, str) and value.startswith("os.environ/"):
        name = value[len("os.environ/") :]
        resolved = os.environ.get(name)
        if resolved is None:
            raise ConfigurationError(f"{where} reads the environment variable {name}, which is not set")
        return resolved
    return value


def _number(value: Any, key: str, where: str, kind: type) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{where}: {key} must be a number, not {type(value).__name__}")
    if value < 0 or (key == "weight" and value == 0):
        raise ConfigurationError(f"{where}: {key} must be positive, got {value}")
    return kind(value)


def _deployment(entry: Mapping[str, Any], index: int) -> Deployment:
    where = f"model_list[{index}]"
    if not isinstance(entry, Mapping):
        raise ConfigurationError(f"{where} must be a mapping with model_name and model")
    group = entry.get("model_name")
    if not isinstance(group, str) or not group:
        raise ConfigurationError(f"{where} needs model_name (the group name callers use)")
    flat: dict[str, Any] = {
        k: v for k, v in entry.items() if k not in ("model_name", "litellm_params", "model_info")
    }
    nested = entry.get("litellm_params")
    if nested is not None:
        if not isinstance(nested, Mapping):
            raise ConfigurationError(f"{where}.litellm_params must be a mapping")
        flat = {**nested, **flat}
    info = entry.get("model_info") or {}
    if isinstance(info, Mapping) and "id" in info:
        flat.setdefault("id", info["id"])
    if isinstance(info, Mapping) and "max_input_tokens" in info:
        flat.setdefault("max_input_tokens", info["max_input_tokens"])
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in flat.items():
        key = _ALIASES.get(key, key)
        if key in _IGNORED:
            continue
        value = _resolve_env(value, f"{where}.{key}")
        (values if key in _ROUTER_KEYS else options)[key] = value
    model = values.get("model")
    if not isinstance(model, str) or "/" not in model:
        raise ConfigurationError(f"{where} needs model as 'provider/model-name', got {model!r}")
    return Deployment(
        id=str(values.get("id") or f"{group}#{index}"),
        group=group,
        model=model,
        api_key=values.get("api_key"),
        base_url=values.get("base_url"),
        weight=_number(values.get("weight", 1.0), "weight", where, float),
        rpm=_number(values.get("rpm"), "rpm", where, int),
        tpm=_number(values.get("tpm"), "tpm", where, int),
        region=values.get("region"),
        max_input_tokens=_number(values.get("max_input_tokens"), "max_input_tokens", where, int),
        cost=_number(values.get("cost"), "cost", where, float),
        timeout=_number(values.get("timeout"), "timeout", where, float),
        headers=values.get("headers"),
        options=options,
    )


def parse_model_list(model_list: Sequence[Mapping[str, Any]]) -> dict[str, tuple[Deployment, ...]]:
    """Model groups in the order they first appear, each with its deployments in order."""
    if isinstance(model_list, (str, bytes)) or not isinstance(model_list, Sequence) or not model_list:
        raise ConfigurationError("model_list must be a non-empty list of deployments")
    groups: dict[str, list[Deployment]] = {}
    seen: set[str] = set()
    for index, entry in enumerate(model_list):
        dep = _deployment(entry, index)
        if dep.id in seen:
            raise ConfigurationError(f"model_list[{index}]: deployment id {dep.id!r} is used twice")
        seen.add(dep.id)
        groups.setdefault(dep.group, []).append(dep)
    return {name: tuple(deps) for name, deps in groups.items()}


def load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a LiteLLM-style config file: ``model_list`` and ``router_settings`` (merged flat)."""
    try:
        import yaml
    except ImportError as exc:  # an optional dependency: only this loader needs it
        raise ConfigurationError(
            "loading a router config from YAML needs PyYAML: pip install pyyaml"
        ) from exc
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read the router config {os.fspath(path)!r}: {exc}") from None
    if not isinstance(data, Mapping) or "model_list" not in data:
        raise ConfigurationError(f"{os.fspath(path)!r} has no model_list")
    settings = data.get("router_settings") or {}
    if not isinstance(settings, Mapping):
        raise ConfigurationError(f"{os.fspath(path)!r}: router_settings must be a mapping")
    return {"model_list": data["model_list"], **settings}
