"""The examples of docs/cost.md and docs/catalog.md run (they need no network: catalog only)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
from _pages import run_page


@pytest.mark.parametrize("page", ["cost.md", "catalog.md"])
def test_page_examples_run(page: str) -> None:
    run_page(page)
