"""NVIDIA NeMo Retriever reranking (``nim_ranking``): the hosted API catalog's
``POST https://ai.api.nvidia.com/v1/retrieval/{publisher}/{model}/reranking`` and a self-hosted
Reranking NIM's ``POST {base}/ranking`` (base ``http://<host>:8000/v1``), one body for both
(https://docs.nvidia.com/nim/nemo-retriever/text-reranking/latest/using-reranking.html;
https://docs.api.nvidia.com/nim/reference/nvidia-llama-3_2-nv-rerankqa-1b-v2-infer).

``{"model", "query": {"text"}, "passages": [{"text"}], "truncate": "NONE"|"END"}`` answered by
``{"rankings": [{"index", "logit"}], "usage"?}``, best first. The score is the model's logit (not
in [0, 1]); ``top_n`` is applied here, as the API has no such field. Which path is data: the
spec's ``NimRankingQuirks.hosted``. Errors: ``{"detail"}`` (FastAPI) or the catalog's
``{"type", "title", "status", "detail"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmkit._urls import model_segment
from llmkit.dialects._errors import class_for_status, count, decode_body, json_or_raise, make_error
from llmkit.dialects.base import CallContext, Quirks, RerankRequest
from llmkit.dialects.ranking._rows import results_list, row
from llmkit.errors import AuthenticationError, ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.ranking import RankedDocument, Ranking, document_text
from llmkit.types import Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "NimRankingDialect", "NimRankingQuirks", "rerank_body"]

OPTIONS = frozenset({"truncate"})
_TRUNCATE = ("NONE", "END")
_PROVIDER = "nvidia_nim_rerank"


@dataclass(frozen=True, slots=True)
class NimRankingQuirks(Quirks):
    """``hosted``: the API catalog's per-model path, else a self-hosted NIM's ``/ranking``."""

    hosted: bool = False


def _quirks(ctx: CallContext) -> NimRankingQuirks:
    q = ctx.spec.quirks
    return q if isinstance(q, NimRankingQuirks) else NimRankingQuirks()


def rerank_body(req: RerankRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": req.model,
        "query": {"text": req.query},
        "passages": [{"text": document_text(d)} for d in req.documents],
    }
    truncate = req.options.get("truncate")
    if truncate is not None:
        if truncate not in _TRUNCATE:
            raise ConfigurationError(f"truncate must be one of {', '.join(_TRUNCATE)}, not {truncate!r}")
        body["truncate"] = truncate
    if req.extra_body:
        body.update(req.extra_body)
    return body


def path(model: str, hosted: bool) -> str:
    if not hosted:
        return "/ranking"
    # The catalog's path names the publisher and the model as two segments (nvidia/llama-...).
    # A model without a publisher is NVIDIA's own (the catalog's rerankers are nvidia/...).
    publisher, _, name = model.rpartition("/") if "/" in model else ("nvidia", "/", model)
    if not publisher or "/" in publisher:
        raise ConfigurationError(
            f"a hosted NIM reranker is named publisher/model (e.g. nvidia/llama-3.2-nv-rerankqa-1b-v2), "
            f"not {model!r}"[:200]
        )
    # The catalog spells the model's dots as underscores in the path (llama-3_2-...).
    segments = (model_segment(publisher, _PROVIDER), model_segment(name.replace(".", "_"), _PROVIDER))
    return "/retrieval/{}/{}/reranking".format(*segments)


def parse_ranking(resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
    obj = json_or_raise(resp.body, "NIM ranking", ctx.provider)
    try:
        seen: set[int] = set()
        results = []
        for item in results_list(obj, "rankings", "NIM ranking"):
            if not isinstance(item, Mapping):
                raise ResponseDecodeError("a NIM ranking is not an object")
            index, score = row(item.get("index"), item.get("logit"), len(req.documents), seen, "NIM ranking")
            results.append(RankedDocument(index, score))
        usage = obj.get("usage")
        tokens = count(usage.get("total_tokens"), "usage.total_tokens") if isinstance(usage, Mapping) else 0
    except ResponseDecodeError as exc:
        raise ResponseDecodeError(str(exc), provider=ctx.provider, snippet=resp.body) from None
    results.sort(key=lambda r: -r.relevance_score)
    if req.top_n is not None:
        results = results[: req.top_n]
    return Ranking(
        results,
        model=req.model,
        provider=ctx.provider,
        usage=Usage(input_tokens=tokens, total_tokens=tokens),
        raw=obj,
    )


def parse_error(resp: HttpResponse, ctx: CallContext) -> ProviderError:
    body = decode_body(resp)
    message = None
    if isinstance(body, Mapping):
        for key in ("detail", "title", "error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                message = value.strip()[:500]
                break
            if isinstance(value, list) and value:  # FastAPI validation: [{"loc", "msg"}]
                msgs = [str(d.get("msg")) for d in value if isinstance(d, Mapping) and d.get("msg")]
                message = "; ".join(msgs)[:500] or None
                break
    cls = class_for_status(resp.status)
    text = message or f"{ctx.spec.display_name} answered HTTP {resp.status}"
    if cls is AuthenticationError and ctx.spec.env_keys:
        text += f" (check {ctx.spec.env_keys[0]} or api_key=)"
    return make_error(cls, text, resp, provider=ctx.provider, model=ctx.model, body=body)


class NimRankingDialect:
    """Rerank only."""

    name = "nim_ranking"
    options = OPTIONS
    quirks_type = NimRankingQuirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return parse_error(resp, ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        body = rerank_body(req)
        url = ctx.base_url.rstrip("/") + path(req.model, _quirks(ctx).hosted)
        headers = {"content-type": "application/json", "accept": "application/json"}
        return HttpRequest("POST", url, headers, dumps(body), body)

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        return parse_ranking(resp, req, ctx)


DIALECT = NimRankingDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import RerankDialect

    _rerank: RerankDialect = DIALECT
