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
    "GITHUB_COPILOT_BASE_URL",
    "NAVER_CLOVA_BASE_URL",
    "CLOVASTUDIO_API_KEY",
)


@pytest.fixture(autouse=True)
def _no_regional_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _copilot_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each test's GitHub Copilot login lives in its own folder (never the user's)."""
    for name in ("COPILOT_GITHUB_TOKEN", "GITHUB_COPILOT_API_URL", "GITHUB_COPILOT_ACCESS_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "copilot-home"
    monkeypatch.setenv("GITHUB_COPILOT_TOKEN_DIR", str(home))
    return home
