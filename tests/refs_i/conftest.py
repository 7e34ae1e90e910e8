"""refs_i reuses the fleet suite's replay fixture (the emulator serving a fixture's bytes verbatim)."""

from __future__ import annotations

from tests.fleet.conftest import client
from tests.fleet.test_fixtures import replay

__all__ = ["client", "replay"]
