"""Shared fixtures: one emulator per test session (per xdist worker), and the canary-key guard."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from llmkit.emulator import Emulator

# A fake key that must never appear in any error, repr or log record.
CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The project's shared folder (published API specs, provider notes) sits beside the checkout;
# this variable points elsewhere (a CI copy, a second worktree).
SHARED_ENV = "LLMKIT_SHARED"


def shared_root() -> Path:
    """Where the shared folder is: ``$LLMKIT_SHARED``, else ``../shared`` beside the repository."""
    override = os.environ.get(SHARED_ENV)
    return Path(override).expanduser() if override else REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file or folder of the shared folder; a missing one fails the test with one clear line."""
    path = shared_root().joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"{path} not found: these tests read the project's shared folder (published API specs). "
            f"Check it out beside the repository as ../shared, or set {SHARED_ENV}=/path/to/shared.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shared_spec() -> Callable[[str], Path]:
    """``shared_spec("openai/openapi.yaml")``: a published spec from the shared folder's ``specs/``.

    Every test that reads the shared folder goes through this fixture, so a missing folder or
    file fails the same way everywhere (never a skip, never a bare FileNotFoundError): a missing
    folder at the fixture's setup, so every such test reports the same error.
    """
    shared_path("specs")

    def spec(relative: str) -> Path:
        return shared_path("specs", *relative.split("/"))

    return spec


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
