"""llmkit._docgen: what the generated pages are made of, and `llmkit docs` over a checkout."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO

from llmkit._docgen import START, render_docs
from llmkit._docgen.errors import code_rows, status_rows
from llmkit._docgen.facts import env_rows
from llmkit._docgen.notes import all_notes, demoted, read_notes
from llmkit._docgen.page import models_of, render_page
from llmkit.cli import main
from llmkit.dialects._errors import class_for_status
from llmkit.errors import AuthenticationError, OverloadedError
from llmkit.providers import get_spec


def test_status_rows_are_the_shared_mapping() -> None:
    for row in status_rows():
        assert row.error == class_for_status(row.status).__name__
    retried = {r.status for r in status_rows() if r.retried}
    assert {408, 429, 500, 529} <= retried and 400 not in retried


def test_a_dialects_own_codes_are_rendered() -> None:
    rows = {r.code: r.error for r in code_rows(get_spec("anthropic"))}
    assert rows["overloaded_error"] == OverloadedError.__name__
    bedrock = {r.code: r.error for r in code_rows(get_spec("bedrock"))}
    assert bedrock["throttlingexception"] == "RateLimitError"


def test_a_published_error_codes_table_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dialect that publishes ``error_codes`` needs no entry in LEGACY_TABLES."""
    from llmkit.dialects import get_dialect

    dialect = get_dialect("cohere")
    monkeypatch.setattr(
        type(dialect), "error_codes", {"error.code": {"bad_key": AuthenticationError}}, raising=False
    )
    rows = code_rows(get_spec("cohere"))
    assert [(r.field, r.code, r.error) for r in rows] == [("error.code", "bad_key", "AuthenticationError")]


def test_openai_quirk_codes_are_rendered_per_spec() -> None:
    rows = {(r.code, r.error) for r in code_rows(get_spec("xai"))}
    assert ("context_length_exceeded", "ContextWindowExceededError") in rows


def test_every_env_var_of_a_spec_is_a_row() -> None:
    spec = get_spec("azure_openai")
    listed = " ".join(r[0] for r in env_rows(spec))
    for name in (
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_BASE_URL",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        assert f"`{name}`" in listed


def test_notes_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "multi.md"
    path.write_text(
        "<!-- docgen\nproviders: groq, cohere\nmodels: m1, m2\ngroq.embeddings: e1\nrerank: r1\n"
        "reference: the acme SDK, both directions\n-->\n"
        "# Title\n\n## Section\n\n```python\n# not a heading\n```\n",
        encoding="utf-8",
    )
    notes = read_notes(path)
    assert notes.providers == ("groq", "cohere") and notes.models == ("m1", "m2")
    assert "docgen" not in notes.body
    assert demoted(notes.body).splitlines()[:3] == ["## Title", "", "### Section"]
    assert "# not a heading" in demoted(notes.body)
    found = all_notes(tmp_path)
    assert set(found) == {"groq", "cohere"}
    groq = models_of(get_spec("groq"), found["groq"])
    cohere = models_of(get_spec("cohere"), found["cohere"])
    assert groq["chat"] == "m1" and groq["embeddings"] == "e1" and groq["rerank"] == "r1"
    assert cohere["embeddings"] != "e1"
    assert "reference" not in notes.by_kind
    page = render_page(get_spec("groq"), found["groq"])
    assert "## Reference" in page and "- the acme SDK, both directions" in page
    assert "`groq/m1`, `groq/m2`" in page


def _checkout(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "docs" / "notes").mkdir(parents=True)
    shutil.copy(REPO / "docs" / "notes" / "cohere.md", root / "docs" / "notes" / "cohere.md")
    (root / "README.md").write_text(f"# x\n\n{START}\n<!-- providers:end -->\n", encoding="utf-8")
    return root


def test_llmkit_docs_writes_checks_and_removes_orphans(tmp_path: Path, capsys: Any) -> None:
    root = _checkout(tmp_path)
    assert main(["docs", "--check", "--root", str(root)]) == 1
    assert main(["docs", "--root", str(root)]) == 0
    assert main(["docs", "--check", "--root", str(root)]) == 0
    pages = root / "docs" / "providers"
    assert "cohere/command-a-03-2025" in (pages / "cohere.md").read_text(encoding="utf-8")
    orphan = pages / "gone_provider.md"
    orphan.write_text("old\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "--check", "--root", str(root)]) == 1
    assert "gone_provider.md (no such provider)" in capsys.readouterr().err
    assert main(["docs", "--root", str(root)]) == 0 and not orphan.exists()


def test_the_checkout_is_up_to_date() -> None:
    for path, text in render_docs(REPO).items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `llmkit docs`"
