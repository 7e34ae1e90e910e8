"""Amazon Bedrock's Rerank API (``bedrock-agent-runtime``, ``POST /rerank``): Cohere Rerank 3.5
(``cohere.rerank-v3-5:0``) and Amazon Rerank 1.0 (``amazon.rerank-v1:0``) through one request shape.

``{"queries": [{"type": "TEXT", "textQuery": {"text": q}}], "sources": [{"type": "INLINE",
"inlineDocumentSource": {"type": "TEXT", "textDocument": {"text": d}}} | {..."type": "JSON",
"jsonDocument": {...}}], "rerankingConfiguration": {"type": "BEDROCK_RERANKING_MODEL",
"bedrockRerankingConfiguration": {"modelConfiguration": {"modelArn": arn,
"additionalModelRequestFields": {...}}, "numberOfResults": n}}}`` answered by ``{"results":
[{"index", "relevanceScore", "document"?}], "nextToken"?}``.

Why this API and not InvokeModel: AWS's reranking guide sends every reranker through ``Rerank``
(https://docs.aws.amazon.com/bedrock/latest/userguide/rerank-use.html); InvokeModel bodies are
documented for Cohere Rerank 3.5 only, so one shape here covers both models, with JSON documents,
up to 1,000 sources, and a botocore service model to hold it to (``bedrock-agent-runtime``
2023-07-26). The model is named by ARN: a bare model id becomes
``arn:aws:bedrock:{region}::foundation-model/{id}``. Errors are Bedrock's ``x-amzn-ErrorType``
shape, read by the Bedrock Converse dialect's classifier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmkit.dialects._errors import decode_body, json_or_raise
from llmkit.dialects.base import CallContext, Quirks, RerankRequest
from llmkit.dialects.bedrock._errors import classify
from llmkit.dialects.ranking._rows import results_list, row
from llmkit.errors import ConfigurationError, ProviderError, ResponseDecodeError
from llmkit.ranking import RankedDocument, Ranking
from llmkit.types import Usage
from llmkit.wire import HttpRequest, HttpResponse, dumps

__all__ = ["DIALECT", "BedrockRerankDialect", "model_arn", "rerank_body"]

# additionalModelRequestFields: model fields such as Cohere's max_tokens_per_doc.
OPTIONS = frozenset({"additional_model_request_fields"})
# botocore's BedrockModelArn pattern, for a model given as an ARN (or a bare id).
_ARN = re.compile(
    r"^(arn:aws(-[^:]+)?:(bedrock|sagemaker):[a-z0-9-]{1,20}:([0-9]{12})?:([a-z-]+/)?)?"
    r"([a-z0-9.-]{1,63}){0,2}(([:][a-z0-9-]{1,63}){0,2})?(/[a-z0-9]{1,12})?$"
)
MAX_SOURCES = 1000  # RerankSourcesList max


def model_arn(model: str, ctx: CallContext) -> str:
    """The model's ARN: as given when it is one, else the foundation model's in the call's region."""
    if model.startswith("arn:"):
        arn = model
    else:
        region = ctx.params.get("region")
        if not region:
            raise ConfigurationError(
                "Bedrock rerank names the model by ARN and needs the region: pass region= or set "
                "AWS_REGION / AWS_DEFAULT_REGION (or give the model's full ARN)"
            )
        partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if "gov" in region else "aws"
        arn = f"arn:{partition}:bedrock:{region}::foundation-model/{model}"
    if len(arn) > 2048 or _ARN.match(arn) is None:
        raise ConfigurationError(f"{model!r} is not a Bedrock reranker model id or ARN"[:200])
    return arn


def _source(doc: Any) -> dict[str, Any]:
    if isinstance(doc, str):
        document: dict[str, Any] = {"type": "TEXT", "textDocument": {"text": doc}}
    else:
        document = {"type": "JSON", "jsonDocument": dict(doc)}
    return {"type": "INLINE", "inlineDocumentSource": document}


def rerank_body(req: RerankRequest, ctx: CallContext) -> dict[str, Any]:
    if len(req.documents) > MAX_SOURCES:
        raise ConfigurationError(f"Bedrock rerank takes at most {MAX_SOURCES} documents per call")
    model: dict[str, Any] = {"modelArn": model_arn(req.model, ctx)}
    extra = req.options.get("additional_model_request_fields")
    if extra is not None:
        if not isinstance(extra, Mapping):
            raise ConfigurationError("additional_model_request_fields must be a dict")
        model["additionalModelRequestFields"] = dict(extra)
    config: dict[str, Any] = {"modelConfiguration": model}
    # numberOfResults defaults to the service's own (few) results: ask for every document.
    config["numberOfResults"] = req.top_n if req.top_n is not None else len(req.documents)
    body: dict[str, Any] = {
        "queries": [{"type": "TEXT", "textQuery": {"text": req.query}}],
        "rerankingConfiguration": {
            "type": "BEDROCK_RERANKING_MODEL",
            "bedrockRerankingConfiguration": config,
        },
        "sources": [_source(d) for d in req.documents],
    }
    if req.extra_body:
        body.update(req.extra_body)
    return body


def _document(result: Mapping[str, Any]) -> Any:
    doc = result.get("document")
    if not isinstance(doc, Mapping):
        return None
    if doc.get("type") == "JSON":
        return doc.get("jsonDocument")
    text = doc.get("textDocument")
    return text.get("text") if isinstance(text, Mapping) else None


def parse_ranking(resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
    obj = json_or_raise(resp.body, "Bedrock Rerank", ctx.provider)
    try:
        rows = results_list(obj, "results", "Bedrock Rerank")
        seen: set[int] = set()
        results = []
        for item in rows:
            if not isinstance(item, Mapping):
                raise ResponseDecodeError("a Bedrock Rerank result is not an object")
            index, score = row(
                item.get("index"), item.get("relevanceScore"), len(req.documents), seen, "Rerank"
            )
            results.append(RankedDocument(index, score, _document(item) if req.return_documents else None))
    except ResponseDecodeError as exc:
        raise ResponseDecodeError(str(exc), provider=ctx.provider, snippet=resp.body) from None
    results.sort(key=lambda r: -r.relevance_score)
    return Ranking(results, model=req.model, provider=ctx.provider, usage=Usage(), raw=obj)


class BedrockRerankDialect:
    """Rerank only (the agent runtime serves no chat through this spec)."""

    name = "bedrock_rerank"
    options = OPTIONS
    quirks_type = Quirks

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return classify(resp, decode_body(resp), ctx)

    def build_rerank(self, req: RerankRequest, ctx: CallContext) -> HttpRequest:
        body = rerank_body(req, ctx)
        headers = {"content-type": "application/json", "accept": "application/json"}
        return HttpRequest("POST", ctx.base_url.rstrip("/") + "/rerank", headers, dumps(body), body)

    def parse_rerank(self, resp: HttpResponse, req: RerankRequest, ctx: CallContext) -> Ranking:
        return parse_ranking(resp, req, ctx)


DIALECT = BedrockRerankDialect()

if TYPE_CHECKING:
    from llmkit.dialects.base import RerankDialect

    _rerank: RerankDialect = DIALECT
