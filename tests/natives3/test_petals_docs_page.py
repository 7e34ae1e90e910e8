"""docs/notes/petals.md: every python example runs, aimed at the emulator through the environment
only (PETALS_BASE_URL, the variable the page names)."""

from __future__ import annotations

import pytest
from _natives3_helpers import sent
from _pages import run_page

from llmkit.emulator import Emulator, Script


def test_petals_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETALS_BASE_URL", emu.base_url("petals"))
    emu.script(Script(text=" Paris.###Human:"), Script(text=" there was a fox"), Script(text=" A joke."))
    ns = run_page("notes/petals.md")
    assert (ns["reply"].text, ns["reply"].finish_reason) == ("Paris.", "stop")
    assert ns["story"].text == " there was a fox"
    assert ns["stream"].completion.text == "A joke."
    assert [r.path for r in sent(emu)] == ["/api/v1/generate"] * 3
