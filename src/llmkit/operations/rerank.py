"""Reranking: documents ordered by relevance to a query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmkit import _guard
from llmkit._args import is_count
from llmkit._resolve import Resolved
from llmkit.dialects import require
from llmkit.dialects.base import RerankRequest
from llmkit.errors import ConfigurationError
from llmkit.operations.base import AWAITED, Common, Operation, Prepared, finish
from llmkit.operations.settings import Settings
from llmkit.ranking import Document, Ranking
from llmkit.wire import HttpResponse

if TYPE_CHECKING:
    from llmkit.cache import CachePolicy


@dataclass(slots=True)
class RerankParams(Common):
    """Rank ``documents`` by relevance to ``query``, best first.

    ``documents`` is a non-empty list of strings or dicts (structured documents such as
    ``{"title": ..., "text": ...}``; a provider that takes strings only gets a dict as
    ``key: value`` lines). The result's ``results[i].index`` is the document's position in that
    list and ``relevance_score`` its score; ``top_n`` keeps the best ``top_n`` only;
    ``return_documents=True`` fills ``results[i].document`` with the document. ``cache=True`` (or
    a ``CachePolicy``) answers from the response cache when the same ranking was asked before.
    """

    query: str
    documents: Sequence[Document]
    top_n: int | None = None
    return_documents: bool = False
    cache: bool | CachePolicy | None = None


def check_rerank(p: RerankParams) -> None:
    if type(p.query) is not str or not p.query.strip():
        raise ConfigurationError(f"query must be a non-empty string, not {p.query!r}"[:200])
    docs = p.documents
    if not isinstance(docs, (list, tuple)) or not docs:
        raise ConfigurationError(
            f"documents must be a non-empty list of strings or dicts, not {type(docs).__name__}"
            + (" (a single string: wrap it in a list)" if isinstance(docs, str) else "")
        )
    for i, doc in enumerate(docs):
        if type(doc) is str:
            continue
        if not isinstance(doc, Mapping) or not doc or not all(type(k) is str for k in doc):
            raise ConfigurationError(
                f"documents[{i}] must be a string or a non-empty dict with string keys, "
                f"not {type(doc).__name__}"
            )
    if p.top_n is not None and (not is_count(p.top_n) or p.top_n < 1):
        raise ConfigurationError(f"top_n must be a positive integer, not {p.top_n!r}")
    if type(p.return_documents) is not bool:
        raise ConfigurationError(f"return_documents must be True or False, not {p.return_documents!r}")


def prepare_rerank(s: Settings, p: RerankParams, r: Resolved) -> Prepared[RerankRequest]:
    req = RerankRequest(
        r.ctx.model,
        p.query,
        list(p.documents),
        p.top_n,
        p.return_documents,
        r.options,
        p.extra_body,
    )
    return finish(s, r, _guard.build(require(r.dialect, "rerank").build_rerank, req, r.ctx), p, req)


def parse_rerank(p: Prepared[RerankRequest], resp: HttpResponse) -> Ranking:
    r = p.resolved
    return _guard.parse_rerank(r.dialect, resp, p.req, r.ctx)


RERANK: Operation[RerankParams, Ranking] = Operation(
    name="rerank",
    method="rerank",
    capability="rerank",
    what="reranking",
    params=RerankParams,
    check=check_rerank,
    prepare=prepare_rerank,
    returns="Ranking",
    async_returns="Ranking",
    async_note=AWAITED,
    parse=parse_rerank,
)
