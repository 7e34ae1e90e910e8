"""The docs-page test imports ``_pages`` (tests/docs) by name: the suite runs with
--import-mode=importlib, which puts no test folder on sys.path, so that one is put there."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
