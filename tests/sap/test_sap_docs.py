"""docs/notes/sap.md: every python example runs against the emulator, aimed there by the
environment only (AICORE_SERVICE_KEY holds the emulator's service key)."""

from __future__ import annotations

from _pages import run_page

from llmkit.emulator import Emulator
from llmkit.emulator import sap as esap


def test_the_sap_page_runs(sap: Emulator) -> None:
    namespace = run_page("notes/sap.md")
    assert namespace["answer"].text and namespace["vectors"].vectors
    assert namespace["reply"].raw["intermediate_results"]
    assert esap.state_for(sap).issued == 1  # one token for the whole page, shared sync and async
