"""Fixtures for the compat_a suite: the fleet suite's own (client, clean_env, call_kwargs), loaded
from tests/fleet/conftest.py so both suites share one definition, and tests/fleet and tests/docs on
sys.path (--import-mode=importlib puts no test folder there) for ``test_fleet`` and ``_pages``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for folder in ("fleet", "docs", "compat_a"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

_spec = importlib.util.spec_from_file_location("fleet_conftest", TESTS / "fleet" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_fleet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fleet)

client = _fleet.client
clean_env = _fleet.clean_env
call_kwargs = _fleet.call_kwargs
