"""The examples of docs/notes/oci.md run against the emulator, aimed there by the environment only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from llmkit.emulator import Emulator

_spec = importlib.util.spec_from_file_location(
    "_pages", Path(__file__).resolve().parents[1] / "docs" / "_pages.py"
)
assert _spec is not None and _spec.loader is not None
_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pages)


@pytest.mark.usefixtures("oci_env")
def test_the_page_runs(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = _pages.run_page("notes/oci.md")
    assert namespace["reply"].text and namespace["answer"].text
    assert len(namespace["vectors"].vectors) == 2
    assert "Hello from the llmkit emulator" in capsys.readouterr().out
    assert all(r.headers["authorization"].startswith("Signature ") for r in emu.requests)
