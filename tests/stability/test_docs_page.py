"""docs/notes/stability.md: its examples run against the emulator, aimed there through the
environment variables only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator
from llmkit.emulator.script import Script


def test_page_examples_run(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STABILITY_API_KEY", CANARY_KEY)
    monkeypatch.setenv("STABILITY_BASE_URL", emu.base_url("stability"))
    monkeypatch.chdir(tmp_path)
    emu.script(Script(), Script(), Script(), Script(finish_reason="content_filter"))
    ns = run_page(REPO / "docs" / "notes" / "stability.md")
    assert (tmp_path / "red-lighthouse.png").is_file()
    assert [i.raw_finish_reason for i in ns["images"]] == ["CONTENT_FILTERED"]
    paths = [r.path for r in emu.requests]
    assert paths == [
        "/v2beta/stable-image/generate/core",
        "/v2beta/stable-image/edit/search-and-replace",
        "/v2beta/stable-image/generate/sd3",
        "/v2beta/stable-image/generate/ultra",
    ]
