"""The import block of a generated module, for ``_codegen``: where each name an annotation uses
comes from, and the lines ordered as ruff's isort rule wants them."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from llmkit.operations import Declaration

# Where the names annotations use come from, when the declaring module does not say (typing and
# collections.abc names, aliases). A class the parameters' module imports (a new operation's
# result type) is found there (``_source``), so a new operation needs no entry here.
SOURCES = {
    "Any": "typing",
    "Iterable": "collections.abc",
    "Mapping": "collections.abc",
    "Sequence": "collections.abc",
    "Timeout": "llmkit._retry",
    "Stream": "llmkit._stream",
    "AsyncStream": "llmkit._stream",
    "Messages": "llmkit.operations.chat",
    "ImageInput": "llmkit.images",
    "Document": "llmkit.ranking",
    "CacheBackend": "llmkit.cache",
    "CachePolicy": "llmkit.cache",
}
_BUILTIN = {"str", "int", "float", "bool", "None", "dict", "list", "tuple", "bytes"}


def _source(name: str, ops: Sequence[Declaration[Any]]) -> str:
    """The module to import annotation name ``name`` from: ``SOURCES``, else the defining module
    of the class of that name that an operation's module imports."""
    if name in SOURCES:
        return SOURCES[name]
    for op in ops:
        found = vars(sys.modules[op.params.__module__]).get(name)
        if isinstance(found, type):
            return found.__module__
    raise KeyError(f"annotation name {name!r}: not a class its operation's module imports, nor in SOURCES")


def _imports(
    annotations: Iterable[str],
    extra: Iterable[tuple[str, str]],
    ops: Sequence[Declaration[Any]],
    typing_extra: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """The import block, grouped and ordered as ruff's isort rule wants it: what the shells run
    with (``extra``; ``("importlib", "")`` is ``import importlib``), then, under
    ``if TYPE_CHECKING:``, the names only annotations use and ``typing_extra``."""
    runtime: dict[str, set[str]] = {}
    for module, name in extra:
        runtime.setdefault(module, set()).add(name)
    typing_only: dict[str, set[str]] = {}
    for module, name in typing_extra:
        typing_only.setdefault(module, set()).add(name)
    for text in annotations:
        for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
            if name in _BUILTIN:
                continue
            module = _source(name, ops)
            if name not in runtime.get(module, ()):
                typing_only.setdefault(module, set()).add(name)
    runtime.setdefault("typing", set()).add("TYPE_CHECKING")
    lines = ["from __future__ import annotations", ""]
    lines += _import_groups(runtime, "")
    lines.append("if TYPE_CHECKING:")
    lines += _import_groups(typing_only, "    ")[:-1]
    lines.append("")
    return lines


def _import_groups(wanted: dict[str, set[str]], indent: str) -> list[str]:
    stdlib = sorted(m for m in wanted if not m.startswith("llmkit"))
    ours = sorted((m for m in wanted if m.startswith("llmkit")), key=str.lower)
    lines: list[str] = []
    for group in (stdlib, ours):
        if group:
            # isort puts the plain ``import x`` lines of a section before its ``from x import``.
            plain = [m for m in group if wanted[m] == {""}]
            lines += [f"{indent}import {m}" for m in plain]
            lines += [_import_line(m, wanted[m], indent) for m in group if m not in plain]
            lines.append("")
    return lines


def _name_order(name: str) -> tuple[int, str]:
    # isort's order-by-type: CONSTANTS, then Classes, then functions and variables.
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _import_line(module: str, names: set[str], indent: str = "") -> str:
    ordered = sorted(names, key=_name_order)
    one = f"{indent}from {module} import {', '.join(ordered)}"
    if len(one) <= 110:
        return one
    inner = [f"{indent}    {n}," for n in ordered]
    return "\n".join([f"{indent}from {module} import (", *inner, f"{indent})"])
