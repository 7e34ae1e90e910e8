"""docs/tokens.md's examples run (they count offline: no emulator, no key)."""

from __future__ import annotations

import pytest
from tests.docs._pages import run_page


def test_tokens_page_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    run_page("tokens.md")
