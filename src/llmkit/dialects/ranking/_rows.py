"""Reading a ranking answer's rows into (index, score, document) triples, best first."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from llmkit.errors import ResponseDecodeError


def row(index: Any, score: Any, n: int, seen: set[int], what: str) -> tuple[int, float]:
    """One result's index and score, checked: an int in range and not seen before, a finite number."""
    if type(index) is not int or not 0 <= index < n or index in seen:
        raise ResponseDecodeError(f"a {what} result has index {index!r} for {n} documents")
    if not isinstance(score, (int, float)) or isinstance(score, bool) or not math.isfinite(score):
        raise ResponseDecodeError(f"a {what} result has score {score!r}")
    seen.add(index)
    return index, float(score)


def results_list(obj: Any, key: str, what: str) -> list[Any]:
    rows = obj.get(key) if isinstance(obj, Mapping) else None
    if type(rows) is not list:
        raise ResponseDecodeError(f"the {what} answer has no {key} list")
    return rows
