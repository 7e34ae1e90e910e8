"""The watsonx tests import ``_watsonx_helpers`` (and the docs runner ``_pages``) by name: the suite
runs with --import-mode=importlib, which puts no test folder on sys.path. Every test starts with
no watsonx variables set and no cached IAM token."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmkit.auth import watsonx as wauth

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))


@pytest.fixture(autouse=True)
def _fresh_tokens(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in (
        "WATSONX_APIKEY",
        "WATSONX_API_KEY",
        "WATSONX_URL",
        "WATSONX_PROJECT_ID",
        "WATSONX_SPACE_ID",
        "WATSONX_IAM_URL",
        "WATSONX_USERNAME",
        "WATSONX_TOKEN",
        "WATSONX_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    wauth._SHARED.clear()
    yield
    wauth._SHARED.clear()
