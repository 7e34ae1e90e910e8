"""docs/notes/<row>.md (the hand-written part of compat_b's provider pages): every example runs
against the emulator, aimed there through environment variables only (<NAME>_BASE_URL and the
provider's own key variable)."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY_KEY, REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator

NOTES = REPO / "docs" / "notes"
# page -> the key variable its examples rely on
PAGES = {
    "heroku": "INFERENCE_KEY",
    "gradient_ai": "GRADIENT_MODEL_ACCESS_KEY",
    "edenai": "EDENAI_API_KEY",
    "nano_gpt": "NANOGPT_API_KEY",
    "nadir": "NADIR_API_KEY",
    "ragflow": "RAGFLOW_API_KEY",
    "helicone": "HELICONE_API_KEY",
    "litellm_proxy": "LITELLM_PROXY_API_KEY",
}


def test_every_notes_page_is_tested() -> None:
    from tests.compat_b._rows import ROWS

    pages = {p.stem for p in NOTES.glob("*.md")} & set(ROWS)
    assert pages == set(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_notes_examples_run(name: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PAGES[name], CANARY_KEY)
    monkeypatch.setenv(f"{name.upper()}_BASE_URL", emu.base_url(name))
    before = len(emu.requests)
    ns = run_page(NOTES / f"{name}.md")
    assert len(emu.requests) > before
    sent = emu.requests[before:]
    assert all(CANARY_KEY in " ".join(r.headers.values()) for r in sent)
    if name == "heroku":
        assert sent[-1].json()["extended_thinking"]["budget_tokens"] == 1024
    if name == "gradient_ai":
        assert sent[0].json()["max_completion_tokens"] == 64 and len(ns["vectors"].vectors) == 2
    if name == "nano_gpt":
        assert sent[-1].headers["x-provider"] == "fireworks" and sent[-1].json()["billing_mode"] == "paygo"
    if name == "nadir":
        assert ns["reply"].raw["nadir_metadata"]["tier"] == "simple"
    if name == "ragflow":
        assert sent[0].json()["extra_body"] == {"reference": True}
    if name == "helicone":
        assert sent[-1].headers["helicone-user-id"] == "user-123"
