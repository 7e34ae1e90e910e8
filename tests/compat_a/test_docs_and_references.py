"""This slice's hand-written notes pages run against the emulator (aimed there through environment
variables only), and every row names its reference: a fixture with its .source.md, or a
NO_FIXTURE.source.md saying what was searched."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pages import DOCS, python_blocks, run_page  # tests/docs (put on sys.path by this folder's conftest)
from _rows import ROWS

from llmkit.emulator import Emulator, Script
from llmkit.providers import get_spec

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOTES = sorted(p.stem for p in (DOCS / "notes").glob("*.md") if p.stem in ROWS)
# Pages whose every example needs a real deployment (marked ``# not run``).
RUNNABLE = [n for n in NOTES if python_blocks(DOCS / "notes" / f"{n}.md")]


def test_this_slice_has_notes_pages() -> None:
    assert {"meta", "opencode_go", "zerogpu", "sarvam", "anyscale"} <= set(NOTES)


@pytest.mark.parametrize("name", RUNNABLE)
def test_notes_examples_run(name: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = get_spec(name)
    monkeypatch.setenv(f"{name.upper()}_BASE_URL", emu.base_url(name))
    for var in spec.env_keys:
        monkeypatch.setenv(var, CANARY_KEY)
    emu.script(*[Script(text=f"answer {i}") for i in range(4)])
    run_page(DOCS / "notes" / f"{name}.md")
    sent = [r for r in emu.requests if r.full_path.endswith("/chat/completions")]
    assert sent
    if name == "zerogpu":
        assert sent[-1].headers["x-project-id"] == "my-project"
    if name == "opencode_go":
        assert sent[-1].headers["x-opencode-session"]
    if name == "meta":
        assert sent[-1].json()["max_completion_tokens"] == 200


@pytest.mark.parametrize("name", ROWS)
def test_every_row_names_its_reference(name: str) -> None:
    folder = FIXTURES / name
    assert folder.is_dir(), f"{name}: add tests/fixtures/{name}/ with a fixture or NO_FIXTURE.source.md"
    files = [p for p in folder.iterdir() if not p.name.endswith(".source.md")]
    for f in files:
        assert (folder / (f.name + ".source.md")).exists(), f"{f} has no .source.md"
    if not files:
        note = (folder / "NO_FIXTURE.source.md").read_text()
        assert "Searched" in note or "Held against" in note
