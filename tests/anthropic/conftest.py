"""Shared fixtures for the Anthropic tests (fixtures only: conftest modules are not imported by name)."""

from __future__ import annotations

import pytest

from llmkit.dialects.base import CallContext
from llmkit.providers.anthropic import SPECS


@pytest.fixture
def ctx() -> CallContext:
    return CallContext(
        SPECS[0], "claude-sonnet-4-5", "https://api.anthropic.com", {"anthropic-version": "2023-06-01"}
    )
