"""Reranking's public types: ``Ranking`` and its ``RankedDocument`` results.

Light at import (dataclasses only). A document is a string or a dict (a structured document:
``{"title": ..., "text": ...}``, as Cohere, Voyage and Jina accept in one form or another). A
wire format that takes plain strings only gets a dict as YAML-like ``key: value`` lines
(``document_text``), the form Cohere's v2 API documents for structured data; one that takes
objects gets the dict as given.

``Ranking.results`` are in order of relevance, best first; ``index`` is the document's position
in the list the caller passed, so ``documents[r.index]`` is always the ranked document.
``document`` is that document (the caller's own object, or the provider's echo of it) when the
call asked ``return_documents=True``, else None.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmkit.types import Usage

__all__ = ["Document", "RankedDocument", "Ranking", "document_text"]

# What ``documents=`` holds: text, or a structured document (string keys, JSON values).
Document = str | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RankedDocument:
    """One document's place: its ``index`` in the input, its score (higher is more relevant; the
    scale is the model's: Cohere's and Voyage's are in [0, 1], a cross-encoder's may be a
    logit), and the document itself when ``return_documents=True``."""

    index: int
    relevance_score: float
    document: Document | None = None


@dataclass(slots=True)
class Ranking:
    """The documents ordered by relevance to the query, best first (``top_n`` of them when
    given). ``usage`` holds the tokens where the provider counts them; ``search_units`` the
    billed search units where it bills those instead (Cohere). ``raw`` is the decoded body."""

    results: list[RankedDocument]
    model: str
    provider: str
    usage: Usage = field(default_factory=Usage)
    search_units: float | None = None
    id: str | None = None
    raw: Any = None
    # True when the ranking came from the response cache (``cache=``).
    cached: bool = field(default=False, compare=False)

    def __iter__(self) -> Iterator[RankedDocument]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def indices(self) -> list[int]:
        """The input positions, best first."""
        return [r.index for r in self.results]

    def __repr__(self) -> str:
        top = ", ".join(f"{r.index}:{r.relevance_score:.3g}" for r in self.results[:5])
        more = ", ..." if len(self.results) > 5 else ""
        return f"Ranking(provider={self.provider!r}, model={self.model!r}, results=[{top}{more}])"


def document_text(doc: Document) -> str:
    """A document as one string: a string as is, a dict as ``key: value`` lines in its own key
    order (nested values as compact JSON), which is how Cohere asks for structured documents."""
    if isinstance(doc, str):
        return doc
    import json

    lines = []
    for key, value in doc.items():
        text = (
            value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        )
        lines.append(f"{key}: {text}")
    return "\n".join(lines)
