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


ROUTES = {"/v2/rerank": _rerank, "/v2/chat": _chat}


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
