"""Scores for every emulated rerank endpoint: they depend on the query and document text, so a
test can tell the order a real reranker would give from a shuffled one.

The score is the share of the query's distinct words found in the document, lifted a little
by how much of the document those words make up (so of two documents matching every query
word, the one that says less else ranks higher), in [0, 1). Words are lower-cased runs of
letters and digits. Ties keep the input order, as the providers do."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def text_of(doc: Any) -> str:
    """A document as the emulator reads it: a string, or a dict's values joined."""
    if isinstance(doc, str):
        return doc
    if isinstance(doc, dict):
        return " ".join(str(v) for v in doc.values())
    return str(doc)


def score(query: str, document: str) -> float:
    q = set(words(query))
    d = words(document)
    if not q or not d:
        return 0.0
    hits = sum(1 for w in d if w in q)
    share = len(q.intersection(d)) / len(q)
    return round(0.9 * share + 0.09 * hits / len(d), 6)


def rank(query: str, documents: Sequence[Any], top_n: int | None = None) -> list[tuple[int, float]]:
    """(index, score) best first, ``top_n`` of them when given."""
    scored = [(i, score(query, text_of(doc))) for i, doc in enumerate(documents)]
    scored.sort(key=lambda pair: -pair[1])
    return scored if top_n is None else scored[:top_n]
