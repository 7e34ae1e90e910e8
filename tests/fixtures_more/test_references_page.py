"""The generated references page (docs/providers/references.md) and each provider page's Reference
section are rendered from ``llmkit.providers._references``, and that module stays off a call's path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from llmkit._docgen import render_docs
from llmkit._docgen.references import KIND_TEXT, references_page
from llmkit.providers import all_specs
from llmkit.providers._references import REFERENCES

ROOT = Path(__file__).resolve().parents[2]
NAMES = [s.name for s in all_specs()]


def test_the_page_lists_every_provider_once_and_every_search() -> None:
    page = references_page(NAMES)
    for name in NAMES:
        assert page.count(f"[`{name}`]({name}.md)") == 1, name
        refs = REFERENCES[name]
        if refs[0].kind == "none":
            assert f"[`{name}`]({name}.md): {refs[0].searched}" in page
    assert f"{len(NAMES)} providers" in page


def test_the_page_is_written_by_llmkit_docs_beside_the_provider_pages() -> None:
    wanted = render_docs(ROOT)
    page = wanted[ROOT / "docs" / "providers" / "references.md"]
    assert page == references_page(NAMES)
    assert "(providers/references.md)" in wanted[ROOT / "docs" / "providers.md"]
    assert "references" not in NAMES  # the page's name is not free for a provider


def test_each_provider_page_shows_its_references() -> None:
    wanted = render_docs(ROOT)
    for name in NAMES:
        page = wanted[ROOT / "docs" / "providers" / f"{name}.md"]
        section = page.split("## Reference\n", 1)[1]
        for ref in REFERENCES[name]:
            assert KIND_TEXT[ref.kind] in section, name
            for fixture in ref.fixtures:
                assert f"`tests/fixtures/{fixture}`" in section, (name, fixture)


def test_import_and_the_registry_do_not_load_the_references() -> None:
    code = (
        "import sys, llmkit, llmkit.api, llmkit._resolve; from llmkit.providers import all_specs; "
        "all_specs(); print('llmkit.providers._references' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
