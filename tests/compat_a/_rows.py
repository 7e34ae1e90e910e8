"""This slice's provider rows, read from the registry index (no list kept by hand)."""

from __future__ import annotations

from llmkit.providers import FAMILIES

MODULES = ("llmkit.providers.compatible_vendors", "llmkit.providers.compatible_local_more")
ROWS: list[str] = [name for module in MODULES for name in FAMILIES[module]]
