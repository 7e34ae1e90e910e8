"""Ollama's native API, emulated from its OpenAPI document (../shared/specs/ollama/openapi.yaml)
and docs (docs.ollama.com/api), not from llmkit's dialect.

``/api/chat``, ``/api/generate`` and ``/api/embed``. ``stream`` defaults to true, as on the real
server: the answer is then NDJSON (``application/x-ndjson``), one JSON object a line, the last
with ``done: true``, ``done_reason``, ``prompt_eval_count``/``eval_count`` and the durations in
nanoseconds. Thinking (``think``) arrives in ``message.thinking`` (``thinking`` on generate);
tool calls carry their arguments as an object, all in one line. Errors are ``{"error": "..."}``,
also as a line inside a 200 stream. A local server takes no key; a Bearer key, when sent, must be
the emulator's (as on ollama.com's hosted API)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["PROFILE", "error_reply", "handle"]

PROFILE = Profile("ollama_chat", "llmkit.emulator.ollama:handle", base_path="", auth_headers=())

_ROLES = frozenset({"system", "user", "assistant", "tool"})
_THINK = (True, False, "high", "medium", "low", "max")
_CHAT_FIELDS = frozenset(
    {"model", "messages", "tools", "format", "options", "stream", "think", "keep_alive", "logprobs",
     "top_logprobs"}
)  # fmt: skip
_GENERATE_FIELDS = frozenset(
    {"model", "prompt", "suffix", "images", "format", "system", "stream", "think", "raw", "keep_alive",
     "options", "logprobs", "top_logprobs", "context", "template"}
)  # fmt: skip
_EMBED_FIELDS = frozenset({"model", "input", "truncate", "dimensions", "keep_alive", "options"})
_NDJSON = {"content-type": "application/x-ndjson"}


def error_reply(err: ScriptedError) -> Reply:
    return json_reply(err.status, {"error": err.message}, dict(err.headers))


def _denied(req: EmuRequest, emu: Emulator) -> Reply | None:
    value = req.headers.get("authorization")
    if value is None:
        return None
    scheme, _, key = value.partition(" ")
    if scheme == "Bearer" and key and (emu.api_key is None or key == emu.api_key):
        return None
    return error_reply(ScriptedError(401, "unauthorized"))


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    kind = {"/api/chat": "chat", "/api/generate": "generate", "/api/embed": "embed"}.get(req.path)
    if req.method != "POST" or kind is None:
        return error_reply(ScriptedError(404, "404 page not found"))
    denied = _denied(req, emu)
    if denied is not None:
        return denied
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "invalid character in JSON body"))
    problem = _check(body, kind)
    if problem:
        return error_reply(ScriptedError(400, problem))
    if body["model"].startswith("missing"):
        return error_reply(ScriptedError(404, f"model '{body['model']}' not found"))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    if kind == "embed":
        return _embed(body)
    script = _plan(body, script, kind)
    lines = _lines(body, script, kind)
    if body.get("stream", True) is False:
        return _whole(lines, kind, script)
    return _stream(lines, script)


def _check(body: Any, kind: str) -> str | None:
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    allowed = {"chat": _CHAT_FIELDS, "generate": _GENERATE_FIELDS, "embed": _EMBED_FIELDS}[kind]
    unknown = sorted(set(body) - allowed)
    if unknown:
        return f"json: unknown field {unknown[0]!r}"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model is required"
    if "think" in body and body["think"] not in _THINK:
        return f"invalid think value: {body['think']!r}"
    fmt = body.get("format")
    if fmt is not None and fmt != "json" and not isinstance(fmt, dict):
        return 'format must be "json" or a JSON schema object'
    if not isinstance(body.get("options", {}), dict):
        return "options must be an object"
    if kind == "embed":
        inputs = body.get("input")
        ok = isinstance(inputs, str) or (isinstance(inputs, list) and all(isinstance(i, str) for i in inputs))
        return None if ok and inputs else "input must be a string or a non-empty array of strings"
    if kind == "generate":
        return _images(body.get("images"), "images")
    return _check_messages(body)


def _images(images: Any, where: str) -> str | None:
    if images is None:
        return None
    if not isinstance(images, list):
        return f"{where} must be an array of base64 strings"
    for img in images:
        try:
            base64.b64decode(img, validate=True)
        except (binascii.Error, TypeError, ValueError):
            return f"{where}: illegal base64 data"
    return None


def _check_messages(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return "messages must be an array"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            return f"messages[{i}]: role must be system, user, assistant or tool"
        if not isinstance(m.get("content", ""), str):
            return f"messages[{i}].content must be a string"
        problem = _images(m.get("images"), f"messages[{i}].images")
        if problem:
            return problem
        for call in m.get("tool_calls") or ():
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("arguments", {}), dict):
                return f"messages[{i}].tool_calls: function.arguments must be an object"
    for tool in body.get("tools") or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if tool.get("type") != "function" or not isinstance(fn, dict) or not fn.get("name"):
            return "tools[] must be {type: function, function: {name, parameters}}"
    return None


def _plan(body: dict[str, Any], script: Script, kind: str) -> Script:
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in body.get("tools") or ()]
    fmt = body.get("format")
    schema = fmt if isinstance(fmt, dict) else ({"type": "object"} if fmt == "json" else None)
    if kind == "generate":
        return default_answer(str(body.get("prompt") or ""), [], None, schema, script)
    messages = body["messages"]
    last = messages[-1] if messages else {}
    if last.get("role") == "tool" and script.text is None and script.tool_calls is None:
        name = last.get("tool_name") or "the tool"
        script.text = f"Thanks, {name} answered: " + str(last.get("content"))[:200]
    user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
    return default_answer(user, tools, None, schema, script)


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def _lines(body: dict[str, Any], script: Script, kind: str) -> list[dict[str, Any]]:
    """The stream's objects, in order; a whole answer is these merged."""
    model, chat = body["model"], kind == "chat"

    def line(**fields: Any) -> dict[str, Any]:
        if chat:
            msg = {"role": "assistant", "content": fields.pop("content", "")}
            msg.update({k: fields.pop(k) for k in ("thinking", "tool_calls") if k in fields})
            return {"model": model, "created_at": _stamp(), "message": msg, "done": False, **fields}
        return {"model": model, "created_at": _stamp(), "response": fields.pop("content", ""),
                "done": False, **fields}  # fmt: skip

    out = []
    # A thinking model thinks unless told not to (think: false); unset is the model's default.
    thinking = script.reasoning if body.get("think") is not False else None
    for piece in split_text(thinking, script.chunk_chars, script.n_chunks) if thinking else ():
        out.append(line(thinking=piece))
    text = script.text or ""
    for piece in split_text(text, script.chunk_chars, script.n_chunks) if text else ():
        out.append(line(content=piece))
    calls = [
        {"function": {"name": c.name, "arguments": json.loads(call_arguments(c))}}
        for c in script.tool_calls or ()
    ]
    if calls and chat:
        out.append(line(tool_calls=calls))
    prompt = script.input_tokens if script.input_tokens is not None else count_tokens(json.dumps(body))
    output = script.output_tokens if script.output_tokens is not None else count_tokens(text) + 1
    final = line(done_reason=script.finish_reason or "stop")
    final.update(done=True, total_duration=5_043_500_667, load_duration=5_025_959,
                 prompt_eval_count=prompt, prompt_eval_duration=325_953_000, eval_count=output,
                 eval_duration=4_709_213_000)  # fmt: skip
    out.append(final)
    return out


def _whole(lines: list[dict[str, Any]], kind: str, script: Script) -> Reply:
    final = dict(lines[-1])
    key = "message" if kind == "chat" else "response"
    if kind == "chat":
        msg: dict[str, Any] = {"role": "assistant", "content": ""}
        for ln in lines:
            m = ln["message"]
            msg["content"] += m.get("content", "")
            if m.get("thinking"):
                msg["thinking"] = msg.get("thinking", "") + m["thinking"]
            if m.get("tool_calls"):
                msg["tool_calls"] = msg.get("tool_calls", []) + m["tool_calls"]
        final[key] = msg
    else:
        final[key] = "".join(ln["response"] for ln in lines)
        thinking = "".join(ln.get("thinking", "") for ln in lines)
        if thinking:
            final["thinking"] = thinking
    reply = json_reply(200, final)
    if script.fault == "malformed":  # a body cut short: not JSON
        reply.body = reply.body[: len(reply.body) // 2]
    reply.delay = script.delay
    return reply


def _stream(lines: list[dict[str, Any]], script: Script) -> Reply:
    encoded: Iterator[bytes] = (json.dumps(ln).encode() + b"\n" for ln in lines)

    def corrupt(line: bytes) -> bytes:
        return line.replace(b"{", b"{{", 1)

    def error() -> Iterator[bytes]:
        err = script.error or ScriptedError(500, "an error was encountered while running the model")
        yield json.dumps({"error": err.message}).encode() + b"\n"

    if script.fault in STREAM_FAULTS:
        encoded = break_stream(encoded, script, corrupt, error)
    return stream_reply(script, dict(_NDJSON), encoded)


def _embed(body: dict[str, Any]) -> Reply:
    inputs = [body["input"]] if isinstance(body["input"], str) else body["input"]
    size = body.get("dimensions") or 8
    vectors = [_vector(text, size) for text in inputs]
    return json_reply(
        200,
        {
            "model": body["model"],
            "embeddings": vectors,
            "total_duration": 14_143_917,
            "load_duration": 1_019_500,
            "prompt_eval_count": sum(count_tokens(t) for t in inputs),
        },
    )


def _vector(text: str, size: int) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest() * (size // 32 + 1)
    return [round((b - 128) / 128, 6) for b in digest[:size]]
