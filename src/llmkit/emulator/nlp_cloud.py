"""NLP Cloud's ``chatbot`` and ``generation`` endpoints, emulated from its API reference and its
official clients (nlpcloud-python, nlpcloud-go's README), not from llmkit's dialect.

``POST /v1/gpu/{model}/chatbot`` with ``{"input", "context"?, "history"?: [{"input",
"response"}], "stream"?}`` -> ``{"response", "history"}`` (the history with this exchange
appended); ``POST /v1/gpu/{model}/generation`` with ``{"text", "max_length"?, "temperature"?,
"end_sequence"?, ...}`` -> ``{"generated_text", "nb_input_tokens", "nb_generated_tokens"}``.
The clients send every optional field, null when unset, so null is accepted everywhere.
``"stream": true`` answers plain text, each piece followed by a NUL byte. Errors are
``{"detail": "..."}``; a key (``Authorization: Token <key>``) is required. Unknown fields are a
422 here (the emulator is stricter than the service, to catch misspelt parameters)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import count_tokens, split_text
from llmkit.emulator._faults import early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["PROFILE", "handle"]

PROFILE = Profile(
    "nlp_cloud",
    "llmkit.emulator.nlp_cloud:handle",
    base_path="/v1/gpu",
    auth_headers=(("authorization", "Token "),),
    error_shape="detail",
)

# /v1/[gpu/][async/][lang/]{model}/{endpoint}, as the clients build it.
_PATH = re.compile(r"^/v1/(?:gpu/)?(?:[a-z]{3}_[A-Z][a-z]{3}/)?([A-Za-z0-9_.~%-]+)/(chatbot|generation)$")
_TEXT = {"content-type": "text/plain; charset=utf-8"}
_NUMBERS = (int, float)
# generation's fields (the Python client's ``generation`` arguments) -> the JSON types allowed.
_GENERATION: dict[str, tuple[type, ...]] = {
    "text": (str,), "max_length": (int,), "length_no_input": (bool,), "end_sequence": (str,),
    "remove_input": (bool,), "num_beams": (int,), "num_return_sequences": (int,), "top_k": (int,),
    "top_p": _NUMBERS, "temperature": _NUMBERS, "repetition_penalty": _NUMBERS, "bad_words": (list,),
    "remove_end_sequence": (bool,), "stream": (bool,),
}  # fmt: skip
_CHATBOT: dict[str, tuple[type, ...]] = {
    "input": (str,),
    "context": (str,),
    "history": (list,),
    "stream": (bool,),
}


def error_reply(err: ScriptedError) -> Reply:
    return json_reply(err.status, {"detail": err.message}, dict(err.headers))


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    m = _PATH.match(req.path)
    if req.method != "POST" or m is None:
        return error_reply(ScriptedError(404, "Not Found"))
    value = req.headers.get("authorization", "")
    if not value.startswith("Token ") or (emu.api_key is not None and value != f"Token {emu.api_key}"):
        return error_reply(ScriptedError(401, "Invalid token."))
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "JSON parse error"))
    endpoint = m.group(2)
    problem = _check(body, _CHATBOT if endpoint == "chatbot" else _GENERATION)
    if problem:
        return error_reply(ScriptedError(422, problem))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    prompt = body["input"] if endpoint == "chatbot" else body["text"]
    text = script.text
    if text is None:
        text = json.dumps(script.json) if script.json is not None else f"Hello! You said: {prompt}"
    if body.get("stream") is True:
        return _stream(split_text(text, script.chunk_chars, script.n_chunks) if text else [], script)
    if endpoint == "chatbot":
        history = [*(body.get("history") or []), {"input": prompt, "response": text}]
        answer: dict[str, Any] = {"response": text, "history": history}
    else:
        inputs = script.input_tokens if script.input_tokens is not None else count_tokens(prompt)
        outputs = script.output_tokens if script.output_tokens is not None else count_tokens(text)
        answer = {"generated_text": text, "nb_input_tokens": inputs, "nb_generated_tokens": outputs}
    reply = json_reply(200, answer)
    if script.fault == "malformed":
        reply.body = reply.body[: len(reply.body) // 2]
    reply.delay = script.delay
    return reply


def _check(body: Any, fields: dict[str, tuple[type, ...]]) -> str | None:
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    required = "input" if "input" in fields else "text"
    if not isinstance(body.get(required), str):
        return f"field required: {required}"
    for name, value in body.items():
        if name not in fields:
            return f"extra fields not permitted: {name}"
        if value is not None and (
            not isinstance(value, fields[name]) or (bool in fields[name]) != isinstance(value, bool)
        ):
            return f"{name}: wrong type"
    for pair in body.get("history") or []:
        if (
            not isinstance(pair, dict)
            or set(pair) != {"input", "response"}
            or not all(isinstance(v, str) for v in pair.values())
        ):
            return "history: each item is {input, response} strings"
    return None


def _stream(pieces: list[str], script: Script) -> Reply:
    encoded: Iterator[bytes] = (p.encode() + b"\x00" for p in pieces)
    if script.fault == "malformed":
        encoded = _corrupt(encoded, script.after)
    return stream_reply(script, dict(_TEXT), encoded)


def _corrupt(pieces: Iterator[bytes], after: int) -> Iterator[bytes]:
    for i, piece in enumerate(pieces):
        if i == after:
            yield b"\xff\xfe\x00"  # not UTF-8
            return
        yield piece
