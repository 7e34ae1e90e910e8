"""review11 tests import the hostile-input harness (tests/hardening/test_typed_decode.py) and the
docs runner by name: the suite runs with --import-mode=importlib, which puts no test folder on
sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("hardening", "docs", "review11"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))
