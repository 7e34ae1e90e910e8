"""The one place these dialects build a ``Ranking`` (the rerank operation's result type)."""

from __future__ import annotations

from typing import Any

from llmkit.dialects.base import CallContext


def ranking(
    rows: list[tuple[int, float, str | None]], tokens: int, model: Any, ctx: CallContext, raw: Any
) -> Any:
    raise NotImplementedError  # replaced when the rerank operation lands
