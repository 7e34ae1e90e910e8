"""compat_b reuses the fleet suite's fixtures (one no-retry client, the env cleaner, required params)."""

from __future__ import annotations

from tests.fleet.conftest import call_kwargs, clean_env, client
from tests.fleet.test_fixtures import replay

__all__ = ["call_kwargs", "clean_env", "client", "replay"]
