"""Generated documentation: the provider table (docs/providers.md, the README section) and a page
per provider (docs/providers/<name>.md) from the registry and the notes in docs/notes/.

``llmkit docs`` writes them and ``llmkit docs --check`` fails when one is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from llmkit._docgen.table import provider_rows, providers_markdown

__all__ = ["END", "START", "orphan_pages", "provider_rows", "providers_markdown", "render_docs"]

START, END = "<!-- providers:start -->", "<!-- providers:end -->"


def render_docs(root: Path) -> dict[Path, str]:
    """Every generated file (and the README section), as it should read."""
    from llmkit._docgen.notes import all_notes
    from llmkit._docgen.page import render_page
    from llmkit._docgen.references import references_page
    from llmkit.providers import all_specs

    docs = root / "docs"
    index = (
        "# Providers\n\nOne page per provider (generated; the hand-written part of each is its "
        "notes file in docs/notes/). What each provider's wire format is held against, and the "
        "providers with no reference: [references](providers/references.md).\n\n"
    )
    out = {docs / "providers.md": index + providers_markdown(link="providers/")}
    notes = all_notes(docs / "notes")
    specs = all_specs()
    for spec in specs:
        out[docs / "providers" / f"{spec.name}.md"] = render_page(spec, notes.get(spec.name, []))
    out[docs / "providers" / "references.md"] = references_page([s.name for s in specs])
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        out[readme] = f"{head}{START}\n{providers_markdown(link='docs/providers/')}{END}{tail}"
    return out


def orphan_pages(root: Path, wanted: Mapping[Path, str]) -> list[Path]:
    """Pages under docs/providers/ that no provider has any more (``llmkit docs`` removes them)."""
    folder = root / "docs" / "providers"
    return [p for p in sorted(folder.glob("*.md")) if p not in wanted] if folder.is_dir() else []
