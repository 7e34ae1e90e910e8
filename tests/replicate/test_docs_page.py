"""docs/notes/replicate.md: its examples run against the emulator, aimed there through the
environment variables only; and the CLI's chat and image commands for Replicate models."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit import cli
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script
from llmkit.images import allow_loopback_http_for_tests


@pytest.fixture
def aimed(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Emulator]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", CANARY_KEY)
    monkeypatch.setenv("REPLICATE_BASE_URL", emu.base_url("replicate"))
    monkeypatch.setenv("REPLICATE_POLL_INTERVAL", "0.01")
    monkeypatch.chdir(tmp_path)
    allow_loopback_http_for_tests(True)
    yield emu
    allow_loopback_http_for_tests(False)


def test_page_examples_run(aimed: Emulator, tmp_path: Path) -> None:
    aimed.script(*[Script() for _ in range(4)], Script(extra={"polls": 2}))
    ns = run_page(REPO / "docs" / "notes" / "replicate.md")
    assert ns["answer"].provider == "replicate"
    assert (tmp_path / "llama-0.webp").read_bytes()[:4] == b"RIFF"


def test_cli_chat_and_image(
    aimed: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the progress indicator is for a terminal
    aimed.script(Script(text="Hello from the CLI"))
    assert cli.main(["chat", "-m", "replicate/meta/meta-llama-3-8b-instruct", "Hello"]) == 0
    assert "Hello from the CLI" in capsys.readouterr().out
    aimed.script(Script(extra={"polls": 2}))
    out = tmp_path / "llama.webp"
    assert (
        cli.main(["image", "-m", "replicate/black-forest-labs/flux-schnell", "a llama", "-o", str(out)]) == 0
    )
    assert out.read_bytes()[:4] == b"RIFF"
    assert "processing" in capsys.readouterr().err  # the progress indicator while it was pending
