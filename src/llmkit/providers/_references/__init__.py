"""What each provider's wire format is held against: a reference nobody here wrote.

``REFERENCES`` maps every registered provider name to one or more ``Reference`` entries, as data:
the official SDK (test-only, both directions), a response recorded from the live API or printed in
the provider's documentation (a file under ``tests/fixtures/`` with a ``.source.md`` naming
repo@commit:path or the URL), a published specification, or ``none`` with what was searched.
``llmkit docs`` renders it (each provider page's Reference section and docs/providers/references.md),
and ``tests/fixtures_more/test_references_registry.py`` holds every registered provider to an entry
whose fixtures exist and are read by a test. Nothing imports this package on a call's path.

The rows live in one module per family of providers (``ROWS`` in each); a provider has its row in
exactly one of them (a test holds them disjoint, since a later module's row would silently replace
an earlier one's). Adding a provider: add ``"<name>": (Reference(...),)`` to its family's module.
"""

from __future__ import annotations

from collections.abc import Mapping

from llmkit.providers._references import fleet, gateways, hosts, natives, platforms, vendors
from llmkit.providers._references.reference import KINDS, Reference, RefKind

__all__ = ["FAMILY_ROWS", "KINDS", "REFERENCES", "Reference", "RefKind"]

# In the order the rows were first written (docs list providers in the registry's order instead).
FAMILY_ROWS: tuple[Mapping[str, tuple[Reference, ...]], ...] = (
    platforms.ROWS,
    fleet.ROWS,
    hosts.ROWS,
    vendors.ROWS,
    gateways.ROWS,
    natives.ROWS,
)

REFERENCES: Mapping[str, tuple[Reference, ...]] = {k: v for rows in FAMILY_ROWS for k, v in rows.items()}
