"""The provider registry. Specs are data modules, loaded on first use."""

from __future__ import annotations

import importlib

from llmkit.errors import ConfigurationError
from llmkit.providers.spec import Param, ProviderSpec

__all__ = ["Param", "ProviderSpec", "all_specs", "get_spec", "register"]

# Modules that define ``SPECS: tuple[ProviderSpec, ...]``.
SPEC_MODULES: list[str] = [
    "llmkit.providers.openai",
    "llmkit.providers.anthropic",
    "llmkit.providers.google",
    "llmkit.providers.compatible_cloud",
    "llmkit.providers.compatible_regional",
    "llmkit.providers.compatible_local",
    "llmkit.providers.compatible_extra",
    "llmkit.providers.azure",
    "llmkit.providers.aws",
]

_registry: dict[str, ProviderSpec] | None = None
_extra: dict[str, ProviderSpec] = {}


def _load() -> dict[str, ProviderSpec]:
    global _registry
    if _registry is None:
        reg: dict[str, ProviderSpec] = {}
        for module in SPEC_MODULES:
            for spec in importlib.import_module(module).SPECS:
                if spec.name in reg:
                    raise RuntimeError(f"provider {spec.name!r} declared twice")
                reg[spec.name] = spec
        reg.update(_extra)
        _registry = reg
    return _registry


def register(spec: ProviderSpec) -> None:
    """Add (or replace) a provider at run time, e.g. a private OpenAI-compatible gateway."""
    _extra[spec.name] = spec
    if _registry is not None:
        _registry[spec.name] = spec


def get_spec(name: str) -> ProviderSpec:
    reg = _load()
    try:
        return reg[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, reg, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ConfigurationError(
            f"unknown provider {name!r}.{hint} Known providers: {', '.join(sorted(reg))}"
        ) from None


def all_specs() -> list[ProviderSpec]:
    return sorted(_load().values(), key=lambda s: s.name)
