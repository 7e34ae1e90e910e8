"""Voyage AI, written from its API reference (docs.voyageai.com/reference), not from llmkit's
dialect: ``/v1/embeddings``, ``/v1/multimodalembeddings`` and ``/v1/rerank`` with their field
checks and per-request limits (1,000 inputs; the total tokens per model), errors as FastAPI's
``{"detail": "..."}``. A ``Script`` shapes the next answer: ``error`` (status, message),
``fault`` ``malformed``/``disconnect``/``html_error``."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator import _vectors as V
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

PROFILE = Profile("voyage", "llmkit.emulator.voyage:handle", base_path="/v1", error_shape="detail")

MAX_INPUTS = 1000
# Total tokens one request may hold, per model (the reference's embeddings limits).
TOKEN_LIMITS = {
    "voyage-3.5-lite": 1_000_000,
    "voyage-3.5": 320_000,
    "voyage-2": 320_000,
    "voyage-3-large": 120_000,
    "voyage-code-3": 120_000,
    "voyage-finance-2": 120_000,
    "voyage-law-2": 120_000,
    "voyage-multilingual-2": 120_000,
    "voyage-code-2": 120_000,
}
FLEXIBLE = {"voyage-3.5", "voyage-3.5-lite", "voyage-3-large", "voyage-code-3", "voyage-context-3"}
DTYPES = {"float", "int8", "uint8", "binary", "ubinary"}
_EMBED = {"input", "model", "input_type", "truncation", "output_dimension", "output_dtype", "encoding_format"}
# The voyageai SDK sends output_dtype, output_dimension and encoding_format (null) here too.
_MULTI = {
    "inputs",
    "model",
    "input_type",
    "truncation",
    "output_dtype",
    "output_dimension",
    "encoding_format",
}
_RERANK = {"query", "documents", "model", "top_k", "return_documents", "truncation"}
_RERANKERS = {"rerank-2.5", "rerank-2.5-lite", "rerank-2", "rerank-2-lite", "rerank-lite-1", "rerank-1"}


def detail(status: int, message: str) -> Reply:
    return json_reply(status, {"detail": message})


def _common(body: Any, allowed: set[str]) -> str | None:
    if not isinstance(body, dict):
        return "Request body must be a JSON object."
    unknown = sorted(set(body) - allowed)
    if unknown:
        return f"Unexpected field(s): {', '.join(unknown)}."
    if type(body.get("model")) is not str:
        return "model: field required."
    if body.get("input_type") not in (None, "query", "document"):
        return "input_type: must be None, 'query' or 'document'."
    if body.get("truncation") not in (None, True, False):
        return "truncation: must be a boolean."
    return None


def embeddings(body: dict[str, Any]) -> Reply:
    texts = [body["input"]] if type(body.get("input")) is str else body.get("input")
    if not V.is_str_list(texts, MAX_INPUTS):
        return detail(400, f"input: must be a string or a list of 1 to {MAX_INPUTS} strings.")
    model = body["model"]
    used = sum(V.tokens(t) for t in texts)
    limit = TOKEN_LIMITS.get(model, 120_000)
    if used > limit:
        return detail(
            400,
            f"Request to model '{model}' failed. The max allowed tokens per submitted batch is "
            f"{limit}. Your batch has {used} tokens after truncation.",
        )
    dim = body.get("output_dimension")
    if dim is not None and (model not in FLEXIBLE or dim not in (256, 512, 1024, 2048)):
        return detail(400, f"output_dimension: {dim} is not supported by {model}.")
    dtype = body.get("output_dtype", "float")
    if dtype not in DTYPES:
        return detail(400, "output_dtype: must be one of float, int8, uint8, binary, ubinary.")
    if body.get("encoding_format") not in (None, "base64"):
        return detail(400, "encoding_format: must be None or 'base64'.")
    rows = []
    for i, text in enumerate(texts):
        vec: Any = V.quantized(V.fake_vector(text, dim or V.DEFAULT_DIM * 8), dtype)
        if body.get("encoding_format") == "base64":
            vec = V.b64(vec, dtype)
        rows.append({"object": "embedding", "embedding": vec, "index": i})
    return json_reply(200, {"object": "list", "data": rows, "model": model, "usage": {"total_tokens": used}})


def _piece(piece: Any) -> tuple[int, int] | str:
    """(text tokens, image pixels) of one content piece, or what is wrong with it."""
    if not isinstance(piece, dict):
        return "content: each piece must be an object."
    kind = piece.get("type")
    if kind == "text" and type(piece.get("text")) is str:
        return V.tokens(piece["text"]), 0
    if kind == "image_url" and str(piece.get("image_url", "")).startswith(("http://", "https://")):
        return 0, 1_000_000
    if kind == "image_base64" and str(piece.get("image_base64", "")).startswith("data:image/"):
        _, _, data = piece["image_base64"].partition(";base64,")
        return (0, 1_000_000) if data else "image_base64: not a base64 data URL."
    return f"content: a piece of type {kind!r} is not valid."


def multimodal(body: dict[str, Any]) -> Reply:
    inputs = body.get("inputs")
    if type(inputs) is not list or not 0 < len(inputs) <= MAX_INPUTS:
        return detail(400, "inputs: must be a list of 1 to 1000 objects.")
    dtype = body.get("output_dtype") or "float"
    if dtype not in DTYPES or body.get("encoding_format") not in (None, "base64"):
        return detail(400, "output_dtype / encoding_format: not a supported value.")
    text_tokens = pixels = 0
    rows = []
    for i, item in enumerate(inputs):
        content = item.get("content") if isinstance(item, dict) and set(item) == {"content"} else None
        if type(content) is not list or not content:
            return detail(400, "inputs: each input must be {'content': [...]}.")
        for piece in content:
            got = _piece(piece)
            if isinstance(got, str):
                return detail(400, got)
            text_tokens, pixels = text_tokens + got[0], pixels + got[1]
        vec: Any = V.quantized(V.fake_vector(json.dumps(content), body.get("output_dimension") or 64), dtype)
        if body.get("encoding_format") == "base64":
            vec = V.b64(vec, dtype)
        rows.append({"object": "embedding", "embedding": vec, "index": i})
    # The SDK reads all four (video_pixels too).
    usage = {
        "text_tokens": text_tokens,
        "image_pixels": pixels,
        "video_pixels": 0,
        "total_tokens": text_tokens + pixels // 560,
    }
    return json_reply(200, {"object": "list", "data": rows, "model": body["model"], "usage": usage})


def rerank(body: dict[str, Any]) -> Reply:
    docs, query = body.get("documents"), body.get("query")
    if type(query) is not str or not V.is_str_list(docs, MAX_INPUTS):
        return detail(400, "query must be a string and documents a list of 1 to 1000 strings.")
    if body["model"] not in _RERANKERS:
        return detail(400, f"Model {body['model']} is not supported for rerank.")
    top_k = body.get("top_k")
    if top_k is not None and (type(top_k) is not int or top_k < 1):
        return detail(400, "top_k: must be a positive integer.")
    scored = sorted(((V.score(query, d), i) for i, d in enumerate(docs)), key=lambda r: (-r[0], r[1]))
    rows = []
    for s, i in scored[:top_k]:
        row: dict[str, Any] = {"relevance_score": s, "index": i}
        if body.get("return_documents"):
            row["document"] = docs[i]
        rows.append(row)
    used = V.tokens(query) * len(docs) + sum(V.tokens(d) for d in docs)
    return json_reply(
        200, {"object": "list", "data": rows, "model": body["model"], "usage": {"total_tokens": used}}
    )


_ROUTES = {
    "/embeddings": (_EMBED, embeddings),
    "/multimodalembeddings": (_MULTI, multimodal),
    "/rerank": (_RERANK, rerank),
}


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer ") or (emu.api_key is not None and value[7:] != emu.api_key):
        return detail(401, "Provided API key is invalid.")
    path = req.path.removeprefix("/v1")
    route = _ROUTES.get(path)
    if req.method != "POST" or route is None:
        return detail(404, "Not Found")
    try:
        body = req.json()
    except ValueError:
        return detail(400, "Request body is not valid JSON.")
    wrong = _common(body, route[0])
    if wrong is not None:
        return detail(400, wrong)
    script = emu.take_script(req.path) or Script()
    faulted = V.fault(script)
    if faulted is not None:
        return faulted
    if script.error is not None:
        return Reply(
            script.error.status,
            {"content-type": "application/json", **script.error.headers},
            json.dumps({"detail": script.error.message}).encode(),
        )
    return route[1](body)
