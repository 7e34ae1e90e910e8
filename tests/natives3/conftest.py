"""The natives3 tests import ``_natives3_helpers`` (and the docs runner ``_pages``) by name: the
suite runs with --import-mode=importlib. Every test starts with none of Petals' variables set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))


@pytest.fixture(autouse=True)
def _no_petals_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PETALS_BASE_URL", raising=False)
