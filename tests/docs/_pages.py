"""Run the Python examples of a documentation page, so a page cannot drift from the library.

A page's examples are its fenced ```python blocks, run in order in one namespace (a later block
may use what an earlier one defined). A block whose first line is ``# not run`` is skipped (for
an example that needs a real cloud). The caller aims the examples at the emulator through the
environment (``<NAME>_BASE_URL`` and the provider's own variables), never by editing the code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[2] / "docs"

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: str | Path) -> list[str]:
    """The page's runnable examples, in order (``page`` is relative to docs/ or a path)."""
    path = page if isinstance(page, Path) else DOCS / page
    text = path.read_text(encoding="utf-8")
    return [b for b in _BLOCK.findall(text) if not b.lstrip().startswith("# not run")]


def run_page(page: str | Path) -> dict[str, Any]:
    """Run every example of ``page`` in one namespace and return it (for assertions)."""
    blocks = python_blocks(page)
    assert blocks, f"{page} has no runnable python example"
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for i, block in enumerate(blocks):
        code = compile(block, f"{page}[example {i + 1}]", "exec")
        exec(code, namespace)  # the repository's own documentation
    return namespace
