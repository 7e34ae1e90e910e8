"""The providers this slice adds: every row of its two spec modules."""

from __future__ import annotations

from llmkit.providers import compatible_gateways, compatible_hosts

ROWS = sorted(s.name for s in (*compatible_gateways.SPECS, *compatible_hosts.SPECS))
