"""Fixtures of the secrets tests; the helpers themselves are in ``_secrets_helpers``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _secrets_helpers import Handler, Hostile


@pytest.fixture
def hostile() -> Iterator[Callable[[Handler], Hostile]]:
    """Start hostile servers for one test; all are stopped at its end."""
    servers: list[Hostile] = []

    def make(handler: Handler) -> Hostile:
        servers.append(Hostile(handler))
        return servers[-1]

    yield make
    for s in servers:
        s.close()
