"""The page runner itself: blocks run in order in one namespace; ``# not run`` blocks are skipped."""

from __future__ import annotations

from pathlib import Path

from _pages import python_blocks, run_page


def test_blocks_run_in_order_and_skip_marked(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "# Title\n\n```python\nx = 2\n```\n\ntext\n\n```python\n# not run\nraise SystemExit\n```\n"
        "\n```bash\nexit 1\n```\n\n```python\ny = x * 21\n```\n",
        encoding="utf-8",
    )
    assert len(python_blocks(page)) == 2
    assert run_page(page)["y"] == 42
