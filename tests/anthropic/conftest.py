"""Shared helpers for the Anthropic tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmkit.dialects.base import CallContext
from llmkit.providers.anthropic import SPECS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "anthropic"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


@pytest.fixture
def ctx() -> CallContext:
    return CallContext(SPECS[0], "claude-sonnet-4-5", "https://api.anthropic.com", {"anthropic-version": "2023-06-01"})
