"""Shared fixtures: one emulator per test session (per xdist worker), and the canary-key guard."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmkit.emulator import Emulator

# A fake key that must never appear in any error, repr or log record.
CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SPECS = SHARED / "specs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=CANARY_KEY) as emu:
        yield emu


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The session emulator, with its script queue and request log cleared for this test."""
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture(autouse=True)
def _canary_never_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_info or "")
        assert CANARY_KEY not in text, f"API key leaked into a log record: {record.name}"
