"""Fixtures for the OpenAI-compatible fleet tests (fixtures only: conftest modules are not imported)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import llmkit
from llmkit.providers import get_spec
from llmkit.providers.spec import ProviderSpec


@pytest.fixture(scope="session")
def client() -> Iterator[llmkit.Client]:
    """One client per worker (keeps its connection pool warm); no retries, so errors surface at once."""
    with llmkit.Client(max_retries=0) as c:
        yield c


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[ProviderSpec], None]:
    """Removes every variable a spec reads (keys, params, base URL) from the environment."""

    def clean(spec: ProviderSpec) -> None:
        names = [*spec.env_keys, f"{spec.name.upper()}_BASE_URL"]
        for p in spec.params.values():
            names.extend(p.env)
        for name in names:
            monkeypatch.delenv(name, raising=False)

    return clean


@pytest.fixture
def call_kwargs() -> Callable[[str], dict[str, Any]]:
    """Keyword options a call to this provider needs besides key and base URL (required params)."""

    def kwargs(name: str) -> dict[str, Any]:
        spec = get_spec(name)
        return {k: f"emu-{k}" for k, p in spec.params.items() if p.required and p.default is None}

    return kwargs
