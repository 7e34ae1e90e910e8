"""chat.petals.dev's HTTP API, emulated from its ``README.md`` and ``http_api.py``
(petals-infra/chat.petals.dev @9e2faf0), not from llmkit's dialect.

``POST /api/v1/generate`` reads Flask's ``request.values``: the query string and a form body
(``application/x-www-form-urlencoded``); a JSON body is not read at all, so its fields are
missing. Values are parsed as ``get_typed_arg`` does (``int(...)``/``float(...)``: a value that
does not parse fails the call). Every failure is HTTP 200 ``{"ok": false, "traceback": ...}``
(``format_exc()``), success ``{"ok": true, "outputs": ...}``. No key. The model name is looked up
in the server's configured models: the emulator serves any name (as a server configured with it
would) except an empty one (``KeyError``) and Falcon-180B, for which the real server refuses a
public API (``ValueError``). ``max_new_tokens`` cuts the scripted text to that many words.
Other paths and methods get Flask's HTML 404/405 pages.

Scripts: an ``error`` with status 200 is an ``ok: false`` answer whose traceback ends with
``<type or RuntimeError>: <message>``; another status is an HTML page with that status. Faults:
``malformed`` (half a body), ``cut`` (the connection lost midway through the body),
``disconnect``, ``html_error``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from llmkit.emulator._content import split_text
from llmkit.emulator._faults import early_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply

__all__ = ["PROFILE", "handle"]

PROFILE = Profile(
    "petals",
    "llmkit.emulator.petals:handle",
    base_path="/api/v1",
    auth_headers=(),
    error_shape="petals",
    credentials="none",
)

_NO_PUBLIC_API = {"tiiuae/falcon-180B-chat"}
_INTS = ("do_sample", "top_k", "max_length", "max_new_tokens")
_FLOATS = ("temperature", "top_p", "repetition_penalty")
_FORM = "application/x-www-form-urlencoded"


def _html(status: int, title: str) -> Reply:
    page = f"<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n<h1>{title}</h1>\n"
    return Reply(status, {"content-type": "text/html; charset=utf-8"}, page.encode())


def _answer(obj: dict[str, Any]) -> Reply:
    # Flask's jsonify: compact, keys sorted, a final newline.
    body = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode() + b"\n"
    return Reply(200, {"content-type": "application/json"}, body)


def _traceback(exc_line: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        '  File "/home/petals/chat.petals.dev/http_api.py", line 27, in http_api_generate\n'
        "    model, tokenizer, backend_config = models[model_name]\n"
        f"{exc_line}\n"
    )


def _failed(exc_line: str) -> Reply:
    return _answer({"ok": False, "traceback": _traceback(exc_line)})


def error_reply(err: ScriptedError) -> Reply:
    if err.status == 200:
        return _failed(f"{err.type or 'RuntimeError'}: {err.message}")
    return _html(err.status, err.message)


def _values(req: EmuRequest) -> dict[str, str]:
    values = dict(req.query)
    ctype = req.headers.get("content-type", "").partition(";")[0].strip().lower()
    if req.body and ctype == _FORM:
        # request.values: a name in both keeps the query string's value (args come first).
        for name, value in parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True):
            values.setdefault(name, value)
    return values


def _typed(values: dict[str, str]) -> str | None:
    """The exception line get_typed_arg's int()/float() would end the call with, if any."""
    for name in (*_INTS, *_FLOATS):
        raw = values.get(name)
        if raw is None:
            continue
        try:
            int(raw) if name in _INTS else float(raw)
        except ValueError:
            kind = "int() with base 10" if name in _INTS else "could not convert string to float"
            if name in _INTS:
                return f"ValueError: invalid literal for {kind}: {raw!r}"
            return f"ValueError: {kind}: {raw!r}"
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.path != "/api/v1/generate":
        return _html(404, "Not Found")
    if req.method != "POST":
        return _html(405, "Method Not Allowed")
    values = _values(req)
    problem = _typed(values)
    if problem:
        return _failed(problem)
    model = values.get("model")
    if not model:
        return _failed(f"KeyError: {model!r}")
    if model in _NO_PUBLIC_API:
        return _failed(f"ValueError: We do not provide public API for {model} due to license restrictions")
    script = emu.take_script(req.full_path) or Script()
    early = early_reply(
        script, error_reply, _html(script.error.status if script.error else 502, "Bad Gateway").body
    )
    if early is not None:
        return early
    text = script.text
    if text is None:
        text = (
            json.dumps(script.json)
            if script.json is not None
            else f" Hello! You said: {values.get('inputs', '')}"
        )
    limit = values.get("max_new_tokens")
    if limit is not None:  # one emulated token per word
        text = "".join(split_text(text)[: max(int(limit), 0)]) if text else text
    reply = _answer({"ok": True, "outputs": text})
    if script.fault == "malformed":
        reply.body = reply.body[: len(reply.body) // 2]
    elif script.fault == "cut":
        half = len(reply.body) // 2
        reply.chunks, reply.cut_after = [reply.body[:half], reply.body[half:]], 1
        reply.body = b""
    reply.delay = script.delay
    return reply
