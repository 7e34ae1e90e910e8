"""The natives2 tests import ``_natives2_helpers`` (and the docs runner ``_pages``) by name: the
suite runs with --import-mode=importlib. Every test starts with none of NLP Cloud's variables set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))

_VARS = ("NLPCLOUD_API_KEY", "NLP_CLOUD_API_KEY", "NLP_CLOUD_BASE_URL")


@pytest.fixture(autouse=True)
def _no_nlp_cloud_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
