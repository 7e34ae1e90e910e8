"""The ``llmkit models`` command (registered by ``llmkit.cli``): the catalog, as a table or JSON.

``llmkit models [--provider P] [--supports tools,vision] [--json]``: one row per model (context,
max output, USD per million input / cached input / output tokens, capabilities); ``--json`` gives
every field, prices as strings (exact decimals), for tools."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmkit.catalog import ModelInfo

_COLUMNS = ("model", "context", "max out", "in $/M", "cached $/M", "out $/M", "capabilities")
_MODEL_CHARS = 60


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def _num(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n // 1000}K" if n >= 1000 and n % 1000 == 0 else f"{n:,}"


def _usd(d: Decimal | None) -> str:
    return "-" if d is None else format(d.normalize(), "f")


def _row(m: ModelInfo) -> tuple[str, ...]:
    s = m.prices.standard
    name = m.name if len(m.name) <= _MODEL_CHARS else m.name[: _MODEL_CHARS - 1] + "…"
    caps = ",".join(sorted(m.capabilities))
    return (name, _num(m.context_window), _num(m.max_output_tokens), _usd(s.input), _usd(s.cache_read),
            _usd(s.output), caps)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, (frozenset, set)) else items
    return value


def as_json(m: ModelInfo) -> dict[str, Any]:
    out: dict[str, Any] = _plain(asdict(m))
    out["name"] = m.name
    return out


def cmd_models(args: argparse.Namespace) -> int:
    import llmkit.catalog

    wanted = tuple(c.strip() for c in (args.supports or "").split(",") if c.strip())
    if args.provider and args.provider not in llmkit.catalog.providers():
        sys.stderr.write(f"llmkit: error: the catalog lists no models for provider {args.provider!r}\n")
        return 2
    found = sorted(llmkit.catalog.models(args.provider, wanted), key=lambda m: m.name)
    if args.json:
        _write(json.dumps({"snapshot": llmkit.catalog.snapshot(), "models": [as_json(m) for m in found]}))
        return 0
    rows = [_COLUMNS, *(_row(m) for m in found)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS) - 1)]
    for r in rows:
        _write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    snap = llmkit.catalog.snapshot()
    _write(f"\n{len(found)} models; prices in USD per million tokens; source {snap['id']} ({snap['built']})")
    return 0


def add_commands(sub: Any) -> dict[str, Callable[[argparse.Namespace], int]]:
    models = sub.add_parser("models", help="list the model catalog: limits, capabilities, prices")
    models.add_argument("--provider", default=None, help="only this provider's models")
    models.add_argument("--supports", default=None, help="comma-separated capabilities, e.g. tools,vision")
    models.add_argument("--json", action="store_true", help="every field as JSON")
    return {"models": cmd_models}
