"""A Cohere-compatible ``POST /v1/rerank`` beside the OpenAI routes (Together AI), answered as
Together's RerankResponse: ``{object: "rerank", id, model, results: [{index, relevance_score,
document}], usage}``; scores from ``emulator._rerank`` (text-dependent, best first)."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator import _rerank as ranker
from llmkit.emulator._content import count_tokens
from llmkit.emulator.openai._errors import error_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

FIELDS = frozenset({"model", "query", "documents", "top_n", "return_documents", "rank_fields"})


def _problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    unknown = [k for k in body if k not in FIELDS]
    if unknown:
        return f"Unrecognized request argument supplied: {unknown[0]}"
    if not isinstance(body.get("model"), str) or not isinstance(body.get("query"), str):
        return "model and query are required strings"
    docs = body.get("documents")
    if not isinstance(docs, list) or not docs or not all(isinstance(d, (str, dict)) for d in docs):
        return "documents must be a non-empty list of strings or objects"
    top_n = body.get("top_n")
    if top_n is not None and (type(top_n) is not int or top_n < 1):
        return "top_n must be a positive integer"
    return None


def rerank(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return error_reply(profile, ScriptedError(400, "We could not parse the JSON body of your request."))
    wrong = _problem(body)
    if wrong is not None:
        return error_reply(profile, ScriptedError(400, wrong))
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(profile, script.error)
    docs = body["documents"]
    results = []
    for index, score in ranker.rank(body["query"], docs, body.get("top_n")):
        doc = docs[index]
        text = doc if isinstance(doc, str) else json.dumps(doc)
        echoed = {"text": text} if body.get("return_documents") else {"text": None}
        results.append({"index": index, "relevance_score": score, "document": echoed})
    tokens = count_tokens(body["query"]) + sum(count_tokens(ranker.text_of(d)) for d in docs)
    return json_reply(
        200,
        {
            "object": "rerank",
            "id": f"rr-emu{len(emu.requests)}",
            "model": body["model"],
            "results": results,
            "usage": {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens},
        },
    )
