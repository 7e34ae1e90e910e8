"""Jina AI, written from its API reference (api.jina.ai/redoc, jina.ai/embeddings), not from
llmkit's dialect: ``/v1/embeddings`` (``task``, ``dimensions``, ``embedding_type``,
``late_chunking``, text or ``{"text"}``/``{"image"}`` inputs for CLIP and v4 models) and
``/v1/rerank`` (``top_n``, ``return_documents``; documents answered as ``{"text"}``); errors as
``{"detail": "..."}``. Scripts as in the Voyage emulator."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator import _vectors as V
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

PROFILE = Profile("jina_ai", "llmkit.emulator.jina:handle", base_path="/v1", error_shape="detail")

MAX_INPUTS = 2048
TASKS = {
    "retrieval.query", "retrieval.passage", "text-matching", "classification", "separation",
    "code.query", "code.passage",
}  # fmt: skip
TYPES = {"float", "base64", "binary", "ubinary"}
_EMBED = {"model", "input", "task", "dimensions", "embedding_type", "normalized", "late_chunking", "truncate"}
_RERANK = {"model", "query", "documents", "top_n", "return_documents"}


def detail(status: int, message: str) -> Reply:
    return json_reply(status, {"detail": message})


def _text_of(item: Any, model: str) -> str | None:
    if type(item) is str:
        return item
    multimodal = "clip" in model or model.startswith("jina-embeddings-v4")
    if multimodal and isinstance(item, dict) and len(item) == 1:
        key, value = next(iter(item.items()))
        if key in ("text", "image") and type(value) is str and value:
            return value
    return None


def embeddings(body: dict[str, Any]) -> Reply:
    model, items = body["model"], body.get("input")
    items = [items] if type(items) is str else items
    if type(items) is not list or not 0 < len(items) <= MAX_INPUTS:
        return detail(422, f"input: must be a string or a list of 1 to {MAX_INPUTS} items")
    texts = [_text_of(i, model) for i in items]
    if any(t is None for t in texts):
        return detail(
            422, "input: each item must be a string (or {'text'} / {'image'} for multimodal models)"
        )
    task = body.get("task")
    if task is not None and task not in TASKS:
        return detail(422, f"task: {task!r} is not a valid task")
    dim = body.get("dimensions")
    if dim is not None and (type(dim) is not int or not 32 <= dim <= 2048):
        return detail(422, "dimensions: must be an integer from 32 to 2048")
    etype = body.get("embedding_type", "float")
    if etype not in TYPES:
        return detail(422, "embedding_type: must be float, base64, binary or ubinary")
    rows = []
    for i, text in enumerate(t for t in texts if t is not None):
        vec = V.fake_vector(f"{task}:{text}", dim or 64, body.get("normalized", True) is not False)
        out: Any = vec
        if etype == "base64":
            out = V.b64(vec, "float")
        elif etype in ("binary", "ubinary"):
            out = V.quantized(vec, etype)
        rows.append({"object": "embedding", "index": i, "embedding": out})
    used = sum(V.tokens(t) for t in texts if t is not None)
    usage = {"total_tokens": used, "prompt_tokens": used}
    return json_reply(200, {"model": model, "object": "list", "usage": usage, "data": rows})


def rerank(body: dict[str, Any]) -> Reply:
    query, docs = body.get("query"), body.get("documents")
    if type(query) is not str or not V.is_str_list(docs, MAX_INPUTS):
        return detail(422, "query must be a string and documents a list of strings")
    top_n = body.get("top_n")
    if top_n is not None and (type(top_n) is not int or top_n < 1):
        return detail(422, "top_n: must be a positive integer")
    scored = sorted(((V.score(query, d), i) for i, d in enumerate(docs)), key=lambda r: (-r[0], r[1]))
    rows = []
    for s, i in scored[:top_n]:
        row: dict[str, Any] = {"index": i, "relevance_score": s}
        if body.get("return_documents", True):
            row["document"] = {"text": docs[i]}
        rows.append(row)
    used = V.tokens(query) + sum(V.tokens(d) for d in docs)
    return json_reply(200, {"model": body["model"], "usage": {"total_tokens": used}, "results": rows})


_ROUTES = {"/embeddings": (_EMBED, embeddings), "/rerank": (_RERANK, rerank)}


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer ") or (emu.api_key is not None and value[7:] != emu.api_key):
        return detail(401, "Invalid API key. Please get a new one from https://jina.ai")
    route = _ROUTES.get(req.path.removeprefix("/v1"))
    if req.method != "POST" or route is None:
        return detail(404, "Not Found")
    try:
        body = req.json()
    except ValueError:
        return detail(400, "Request body is not valid JSON")
    if not isinstance(body, dict) or type(body.get("model")) is not str:
        return detail(422, "model: field required")
    unknown = sorted(set(body) - route[0])
    if unknown:
        return detail(422, f"extra fields not permitted: {', '.join(unknown)}")
    script = emu.take_script(req.path) or Script()
    faulted = V.fault(script)
    if faulted is not None:
        return faulted
    if script.error is not None:
        headers = {"content-type": "application/json", **script.error.headers}
        return Reply(script.error.status, headers, json.dumps({"detail": script.error.message}).encode())
    return route[1](body)
