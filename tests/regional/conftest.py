"""The regional tests import ``_regional_helpers`` (and the docs runner ``_pages``) by name: the
suite runs with --import-mode=importlib, which puts no test folder on sys.path. Every test starts
with none of these providers' variables set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))

_ENV = (
    "YC_API_KEY",
    "YC_IAM_TOKEN",
    "YC_FOLDER_ID",
    "YANDEX_BASE_URL",
)


@pytest.fixture(autouse=True)
def _no_regional_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
