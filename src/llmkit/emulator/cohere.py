"""Cohere's v2 API, written from its API reference (https://docs.cohere.com/reference), not from
llmkit's dialect: ``POST /v2/chat`` (answers, tool plans and calls, documents and citations,
the event stream), ``/v2/embed`` (input and embedding types), ``/v2/rerank``; a Bearer key;
errors as ``{"id", "message"}``.

A ``Script`` shapes the next answer as everywhere (text, tool calls, errors, faults);
``extra={"citations": [...]}`` adds citations to a chat answer."""

from __future__ import annotations

import json
import secrets
from typing import Any

from llmkit.emulator import _rerank as ranker
from llmkit.emulator import cohere_chat
from llmkit.emulator._faults import early_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply

PROFILE = Profile("cohere", "llmkit.emulator.cohere:handle", base_path="", error_shape="cohere")

_HTML = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"id": secrets.token_hex(8), "message": message}
    return Reply(status, {"content-type": "application/json", **(headers or {})}, json.dumps(body).encode())


def scripted_error(e: ScriptedError) -> Reply:
    return error(e.status, e.message, e.headers)


def ok(obj: Any) -> Reply:
    return Reply(200, {"content-type": "application/json"}, json.dumps(obj).encode())


def _auth(req: EmuRequest, emu: Emulator) -> Reply | None:
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer ") or not value[7:]:
        return error(401, "no api key supplied")
    if emu.api_key is not None and value[7:] != emu.api_key:
        return error(401, "invalid api token")
    return None


def _meta(**billed: int) -> dict[str, Any]:
    return {"api_version": {"version": "2"}, "billed_units": billed}


def rerank_problem(body: Any) -> str | None:
    """What the reference says a rerank body must be, or None."""
    if not isinstance(body, dict):
        return "invalid request: body must be a JSON object"
    unknown = set(body) - {"model", "query", "documents", "top_n", "max_tokens_per_doc", "priority"}
    if unknown:
        return f"invalid request: unknown field(s) {sorted(unknown)}"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "invalid request: model must be a non-empty string"
    if not isinstance(body.get("query"), str) or not body["query"]:
        return "invalid request: query must be a non-empty string"
    docs = body.get("documents")
    if not isinstance(docs, list) or not docs or not all(isinstance(d, str) for d in docs):
        return "invalid request: documents must be a non-empty list of strings"
    for name, low, high in (("top_n", 1, None), ("max_tokens_per_doc", 1, None), ("priority", 0, 999)):
        value = body.get(name)
        if value is not None and (type(value) is not int or value < low or (high and value > high)):
            return f"invalid request: {name} must be an integer from {low}" + (f" to {high}" if high else "")
    return None


def rerank_answer(body: dict[str, Any]) -> dict[str, Any]:
    ranked = ranker.rank(body["query"], body["documents"], body.get("top_n"))
    return {
        "id": secrets.token_hex(16),
        "results": [{"index": i, "relevance_score": s} for i, s in ranked],
        "meta": _meta(search_units=1),
    }


def _rerank(req: EmuRequest, script: Script) -> Reply:
    body = _json(req)
    wrong = rerank_problem(body)
    if wrong is not None:
        return error(400, wrong)
    if script.extra.get("body") is not None:  # a verbatim answer (a drifted or recorded body)
        return ok(script.extra["body"])
    return ok(rerank_answer(body))


def _json(req: EmuRequest) -> Any:
    try:
        return json.loads(req.body) if req.body else None
    except ValueError:
        return None


def _chat(req: EmuRequest, script: Script) -> Reply:
    body = _json(req)
    wrong = cohere_chat.problem(body)
    if wrong is not None:
        return error(400, wrong)
    if script.extra.get("body") is not None:
        return ok(script.extra["body"])
    ans = cohere_chat.answer(body, script)
    return cohere_chat.stream(ans, script) if body.get("stream") else ok(ans)


EMBED_FIELDS = {
    "model", "input_type", "texts", "images", "inputs", "embedding_types", "output_dimension",
    "max_tokens", "truncate", "priority",
}  # fmt: skip
INPUT_TYPES = {"search_document", "search_query", "classification", "clustering", "image"}
EMBEDDING_TYPES = {"float", "int8", "uint8", "binary", "ubinary", "base64"}


def embed_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "invalid request: body must be a JSON object"
    unknown = sorted(set(body) - EMBED_FIELDS)
    if unknown:
        return f"invalid request: unknown field(s) {unknown}"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "invalid request: model must be a non-empty string"
    if body.get("input_type") not in INPUT_TYPES:
        return f"invalid request: input_type must be one of {sorted(INPUT_TYPES)}"
    given = [k for k in ("texts", "images", "inputs") if k in body]
    if len(given) != 1 or not isinstance(body[given[0]], list) or not body[given[0]]:
        return "invalid request: exactly one of texts, images or inputs, a non-empty list"
    if len(body[given[0]]) > 96:
        return "invalid request: at most 96 texts per request"
    types = body.get("embedding_types", ["float"])
    if not isinstance(types, list) or not types or not set(types) <= EMBEDDING_TYPES:
        return f"invalid request: embedding_types must be a list of {sorted(EMBEDDING_TYPES)}"
    if body.get("truncate") not in (None, "NONE", "START", "END"):
        return "invalid request: truncate must be NONE, START or END"
    dim = body.get("output_dimension")
    if dim is not None and dim not in (256, 512, 1024, 1536):
        return "invalid request: output_dimension must be 256, 512, 1024 or 1536"
    return None


def _vector(text: str, dim: int) -> list[float]:
    import hashlib

    seed = hashlib.sha256(text.encode()).digest()
    return [round((seed[i % 32] - 128) / 128, 4) for i in range(dim)]


def _typed(vector: list[float], kind: str) -> Any:
    import base64
    import struct

    if kind == "float":
        return vector
    if kind == "int8":
        return [max(-128, min(127, int(x * 127))) for x in vector]
    if kind == "uint8":
        return [int((x + 1) * 127.5) for x in vector]
    if kind == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    bits = [1 if x > 0 else 0 for x in vector]
    packed = [int("".join(map(str, bits[i : i + 8])).ljust(8, "0"), 2) for i in range(0, len(bits), 8)]
    return [b - 128 for b in packed] if kind == "binary" else packed


def _embed(req: EmuRequest, script: Script) -> Reply:
    body = _json(req)
    wrong = embed_problem(body)
    if wrong is not None:
        return error(400, wrong)
    if script.extra.get("body") is not None:
        return ok(script.extra["body"])
    key = "texts" if "texts" in body else "images" if "images" in body else "inputs"
    items = [json.dumps(x) if not isinstance(x, str) else x for x in body[key]]
    vectors = [_vector(t, body.get("output_dimension") or 8) for t in items]
    types = body.get("embedding_types", ["float"])
    answer: dict[str, Any] = {
        "id": secrets.token_hex(16),
        "embeddings": {k: [_typed(v, k) for v in vectors] for k in types},
        "texts": items if key == "texts" else [],
        "meta": _meta(input_tokens=sum(len(t.split()) for t in items)),
        "response_type": "embeddings_by_type",
    }
    if key == "images":
        answer["images"] = [{"width": 1, "height": 1, "format": "png", "bit_depth": 8} for _ in items]
    return ok(answer)


ROUTES = {"/v2/embed": _embed, "/v2/rerank": _rerank, "/v2/chat": _chat}


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = _auth(req, emu)
    if denied is not None:
        return denied
    path = req.path.rstrip("/")
    route = ROUTES.get(path)
    if req.method != "POST" or route is None:
        return error(404, f"no route {req.method} {path}")
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, scripted_error, _HTML)
    if early is not None:
        return early
    return route(req, script)
