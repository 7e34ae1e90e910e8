"""The ollama tests import ``_ollama_helpers`` (and the docs runner ``_pages``) by name: the suite
runs with --import-mode=importlib, which puts no test folder on sys.path. Every test starts with
no Ollama variables set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))


@pytest.fixture(autouse=True)
def _no_ollama_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "OLLAMA_HOST",
        "OLLAMA_API_BASE",
        "OLLAMA_API_KEY",
        "OLLAMA_CHAT_BASE_URL",
        "OLLAMA_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
