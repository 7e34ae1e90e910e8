"""NVIDIA Triton Inference Server's ``generate`` extension, emulated from Triton's
``docs/protocol/extension_generate.md``, not from llmkit's dialect.

``POST /v2/models/{model}[/versions/{version}]/generate`` with ``{"text_input", "parameters"?}``
(parameters: a flat object of strings, numbers and booleans) -> ``{"model_name",
"model_version", "text_output"}``; ``generate_stream`` -> SSE, each event's data the same object
with a piece of the text, and nothing after the last. Errors ``{"error": "..."}`` with 400 (an
unknown model: 400 too, as Triton answers), also as an event inside a 200 stream. The server
takes no key; a Bearer key, when sent (a gateway in front), must be the emulator's."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["PROFILE", "handle"]

PROFILE = Profile(
    "triton", "llmkit.emulator.triton:handle", base_path="", auth_headers=(), error_shape="triton"
)

_PATH = re.compile(r"^/v2/models/([A-Za-z0-9_.~%-]+)(?:/versions/([0-9]+))?/(generate|generate_stream)$")
_SSE = {"content-type": "text/event-stream; charset=utf-8"}


def error_reply(err: ScriptedError) -> Reply:
    return json_reply(err.status, {"error": err.message}, dict(err.headers))


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    m = _PATH.match(req.path)
    if req.method != "POST" or m is None:
        return error_reply(ScriptedError(404, "Not Found"))
    value = req.headers.get("authorization")
    if value is not None and (emu.api_key is None or value != f"Bearer {emu.api_key}"):
        return error_reply(ScriptedError(401, "Unauthorized"))
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "failed to parse the request JSON buffer"))
    problem = _check(body)
    if problem:
        return error_reply(ScriptedError(400, problem))
    model, version = m.group(1), m.group(2) or "1"
    if model.startswith("missing"):
        return error_reply(ScriptedError(400, f"Request for unknown model: '{model}' is not found"))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    text = script.text
    if text is None:
        text = (
            json.dumps(script.json) if script.json is not None else f"Hello! You said: {body['text_input']}"
        )
    head = {"model_name": model, "model_version": version}
    if m.group(3) == "generate":
        reply = json_reply(200, {**head, "text_output": text})
        if script.fault == "malformed":
            reply.body = reply.body[: len(reply.body) // 2]
        reply.delay = script.delay
        return reply
    pieces = split_text(text, script.chunk_chars, script.n_chunks) if text else [""]
    return _stream(head, pieces, script)


def _check(body: Any) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("text_input"), str):
        return "generate request must have a 'text_input' string"
    params = body.get("parameters", {})
    if not isinstance(params, dict):
        return "'parameters' must be a JSON object"
    for name, value in params.items():
        if not isinstance(value, (str, int, float, bool)) or value is None:
            return f"parameter '{name}' must be a string, number or boolean"
    return None


def _stream(head: dict[str, str], pieces: list[str], script: Script) -> Reply:
    encoded: Iterator[bytes] = (
        b"data: " + json.dumps({**head, "text_output": p}).encode() + b"\n\n" for p in pieces
    )

    def corrupt(event: bytes) -> bytes:
        return event.replace(b"{", b"{{", 1)

    def error() -> Iterator[bytes]:
        err = script.error or ScriptedError(500, "Generation failed")
        yield b"data: " + json.dumps({"error": err.message}).encode() + b"\n\n"

    if script.fault in STREAM_FAULTS:
        encoded = break_stream(encoded, script, corrupt, error)
    return stream_reply(script, dict(_SSE), encoded)
