"""The one place these dialects build a ``Ranking`` (the rerank operation's result type)."""

from __future__ import annotations

from typing import Any

from llmkit.dialects.base import CallContext
from llmkit.ranking import RankedDocument, Ranking
from llmkit.types import Usage


def ranking(
    rows: list[tuple[int, float, str | None]], tokens: int, model: Any, ctx: CallContext, raw: Any
) -> Ranking:
    results = [RankedDocument(i, s, d) for i, s, d in rows]
    usage = Usage(input_tokens=tokens, total_tokens=tokens)
    name = model if isinstance(model, str) else ctx.model
    return Ranking(results, model=name, provider=ctx.provider, usage=usage, raw=raw)
