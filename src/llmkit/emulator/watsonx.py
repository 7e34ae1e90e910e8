"""IBM watsonx.ai and IBM Cloud IAM, emulated from IBM's API reference and the live bodies in
IBM's Java SDK tests (IBM/watsonx-ai-java-sdk), not from llmkit's dialect.

* ``watsonx_iam`` (``llmkit.emulator.watsonx_iam``): IBM Cloud IAM's ``/identity/token``, which
  issues the tokens this handler accepts.
* ``watsonx``: ``/ml/v1/text/chat``, ``/ml/v1/text/chat_stream``, ``/ml/v1/text/embeddings`` and
  ``/ml/v1/deployments/{id}/text/chat[_stream]``, each with a ``?version=YYYY-MM-DD`` query.
  ``Authorization: Bearer <token>`` must be a live token the IAM endpoint issued (an expired one
  is a 401 ``authentication_token_expired``), or Cloud Pak for Data's
  ``ZenApiKey base64(username:key)``. Streams are ``id: N`` / ``event: message`` / ``data:``
  events with no ``[DONE]``, a last ``choices: []`` chunk with ``usage``, and ``event: error``
  for an in-stream error. Errors are ``{"errors": [{code, message, more_info}], "trace",
  "status_code"}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply
from llmkit.emulator.watsonx_iam import store_for

__all__ = ["PROFILE", "error_reply", "handle"]

PROFILE = Profile(
    "watsonx", "llmkit.emulator.watsonx:handle", base_path="", auth_headers=(), credentials="watsonx_iam"
)

_PATH = re.compile(r"^/ml/v1/(?:deployments/([^/]+)/)?text/(chat|chat_stream|embeddings)$")
_DEPLOYMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# TextChatRequest's fields (IBM's Java SDK); anything else is refused, as the service's schema does.
_CHAT_FIELDS = frozenset(
    {
        "model_id", "model", "space_id", "project_id", "messages", "tools", "tool_choice_option",
        "tool_choice", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
        "max_completion_tokens", "max_tokens", "n", "presence_penalty", "seed", "stop", "temperature",
        "top_p", "time_limit", "response_format", "chat_template_kwargs", "include_reasoning",
        "reasoning_effort", "guided_choice", "guided_regex", "guided_grammar", "repetition_penalty",
        "length_penalty", "context", "moderations", "crypto",
    }
)  # fmt: skip
_EMBED_FIELDS = frozenset({"inputs", "model_id", "project_id", "space_id", "parameters"})
_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "content_filter": "content_filter"}


def _errors(status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "errors": [
            {"code": code, "message": message, "more_info": "https://cloud.ibm.com/apidocs/watsonx-ai"}
        ],
        "trace": secrets.token_hex(16),
        "status_code": status,
    }


def error_reply(err: ScriptedError) -> Reply:
    codes = {401: "authentication_token_not_valid", 404: "model_not_supported", 429: "rate_limit_reached"}
    code = err.code or codes.get(err.status, "invalid_request_entity" if err.status < 500 else "server_error")
    return json_reply(err.status, _errors(err.status, code, err.message), dict(err.headers))


def _check_credentials(req: EmuRequest, emu: Emulator) -> Reply | None:
    value = req.headers.get("authorization", "")
    scheme, _, credential = value.partition(" ")
    if scheme == "ZenApiKey":
        try:
            user, _, key = base64.b64decode(credential, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, key = "", ""
        if user and key and (emu.api_key is None or key == emu.api_key):
            return None
        return error_reply(ScriptedError(401, "Invalid ZenApiKey.", code="authentication_token_not_valid"))
    if scheme != "Bearer" or not credential:
        return error_reply(
            ScriptedError(
                401,
                "Failed to authenticate the request due to no Bearer token.",
                code="authorization_rejected",
            )
        )
    store = store_for(emu)
    with store.lock:
        expiry = store.tokens.get(credential)
    if expiry is None:
        return error_reply(ScriptedError(401, "Failed to authenticate the request due to invalid token."))
    if time.time() >= expiry:
        return error_reply(
            ScriptedError(
                401,
                "Failed to authenticate the request due to an expired token.",
                code="authentication_token_expired",
            )
        )
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    m = _PATH.match(req.path)
    if req.method != "POST" or m is None:
        return error_reply(ScriptedError(404, f"Route {req.method} {req.path} not found.", code="not_found"))
    denied = _check_credentials(req, emu)
    if denied is not None:
        return denied
    version = req.query.get("version", "")
    if not _VERSION.match(version):
        return error_reply(
            ScriptedError(
                400, "Missing or invalid query parameter version (YYYY-MM-DD).", code="invalid_parameter"
            )
        )
    deployment, kind = m.group(1), m.group(2)
    if deployment is not None and (kind == "embeddings" or not _DEPLOYMENT_ID.match(deployment)):
        return error_reply(
            ScriptedError(404, f"Deployment {deployment!r} not found.", code="deployment_not_found")
        )
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "Failed to parse the JSON body.", code="json_validation_error"))
    problem = _check_body(body, kind, deployment is not None)
    if problem:
        return error_reply(ScriptedError(400, problem, code="json_validation_error"))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    if kind == "embeddings":
        return _embeddings(body)
    model = str(body.get("model_id") or f"deployment-{deployment}")
    script = _plan(body, script)
    if kind == "chat_stream":
        return _stream(body, script, model)
    return _chat(body, script, model)


def _check_body(body: Any, kind: str, deployment: bool) -> str | None:
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    allowed = _EMBED_FIELDS if kind == "embeddings" else _CHAT_FIELDS
    unknown = sorted(set(body) - allowed)
    if unknown:
        return f"Unknown fields: {', '.join(unknown)}."
    if deployment:
        if "model_id" in body:
            return "A deployment's model is fixed; model_id is not allowed."
    else:
        if not isinstance(body.get("model_id"), str) or not body["model_id"]:
            return "Missing required field: model_id."
        if not body.get("project_id") and not body.get("space_id"):
            return "Either project_id or space_id must be specified."
    if kind == "embeddings":
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
            return "inputs must be a non-empty array of strings."
        return None
    return _check_chat(body)


def _check_chat(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty array."
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in (
            "system",
            "user",
            "assistant",
            "tool",
            "control",
        ):
            return f"messages[{i}] needs a role of system, user, assistant or tool."
        if msg["role"] == "tool" and not msg.get("tool_call_id"):
            return f"messages[{i}]: a tool message needs tool_call_id."
    option = body.get("tool_choice_option")
    if option is not None and option not in ("none", "auto", "required"):
        return "tool_choice_option must be none, auto or required."
    choice = body.get("tool_choice")
    if choice is not None and not (isinstance(choice, dict) and isinstance(choice.get("function"), dict)):
        return "tool_choice must be an object naming a function."
    for tool in body.get("tools") or ():
        if (
            not isinstance(tool, dict)
            or tool.get("type") != "function"
            or not (tool.get("function") or {}).get("name")
        ):
            return "tools[] must be {type: function, function: {name, ...}}."
    return None


def _last_user_text(body: dict[str, Any]) -> str:
    for msg in reversed(body["messages"]):
        if msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _plan(body: dict[str, Any], script: Script) -> Script:
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in body.get("tools") or ()]
    option = body.get("tool_choice_option")
    forced = (body.get("tool_choice") or {}).get("function", {}).get("name") or (
        "none" if option == "none" else None
    )
    fmt = body.get("response_format") or {}
    schema = None
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
    elif fmt.get("type") == "json_object":
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    last = body["messages"][-1]
    if last.get("role") == "tool" and script.text is None and script.tool_calls is None:
        script.text = "Thanks, the tool answered: " + str(last.get("content"))[:200]
    return default_answer(_last_user_text(body), tools, forced, schema, script)


def _usage(body: dict[str, Any], script: Script, text: str) -> dict[str, int]:
    prompt = (
        script.input_tokens if script.input_tokens is not None else count_tokens(json.dumps(body["messages"]))
    )
    completion = script.output_tokens if script.output_tokens is not None else count_tokens(text)
    return {"completion_tokens": completion, "prompt_tokens": prompt, "total_tokens": prompt + completion}


def _envelope(model: str, cid: str, created: int, obj_type: str) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(created))
    return {"id": cid, "object": obj_type, "model_id": model, "model": model, "created": created,
            "model_version": "1.0.0", "created_at": stamp}  # fmt: skip


def _calls(script: Script) -> list[dict[str, Any]]:
    return [
        {"id": c.id or f"chatcmpl-tool-{i}", "type": "function",
         "function": {"name": c.name, "arguments": call_arguments(c)}}
        for i, c in enumerate(script.tool_calls or ())
    ]  # fmt: skip


def _finish(script: Script, calls: bool) -> str:
    return _FINISH.get(script.finish_reason or "", script.finish_reason or "") or (
        "tool_calls" if calls else "stop"
    )


def _chat(body: dict[str, Any], script: Script, model: str) -> Reply:
    created = int(time.time())
    obj = _envelope(model, f"chatcmpl-{secrets.token_hex(16)}", created, "chat.completion")
    text = script.text or ""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    calls = _calls(script)
    if calls:
        message["tool_calls"] = calls
    obj["choices"] = [{"index": 0, "message": message, "finish_reason": _finish(script, bool(calls))}]
    obj["usage"] = _usage(body, script, text)
    reply = json_reply(200, obj)
    reply.delay = script.delay
    return reply


def _stream(body: dict[str, Any], script: Script, model: str) -> Reply:
    created = int(time.time())
    cid = f"chatcmpl-{secrets.token_hex(16)}"
    numbered = _numbered(_stream_events(body, script, model, cid, created))

    def corrupt(event: bytes) -> bytes:
        return event.replace(b"data: {", b"data: {{", 1)

    def error() -> Iterator[bytes]:
        err = script.error or ScriptedError(500, "The model failed while generating.")
        code = err.code or "generation_failed"
        yield (
            b"id: 99\nevent: error\ndata: "
            + json.dumps(_errors(err.status, code, err.message)).encode()
            + b"\n\n"
        )

    events: Iterator[bytes] = numbered
    if script.fault in STREAM_FAULTS:
        events = break_stream(numbered, script, corrupt, error)
    return stream_reply(script, {"content-type": "text/event-stream", "cache-control": "no-cache"}, events)


def _numbered(datas: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for n, obj in enumerate(datas, 1):
        yield f"id: {n}\nevent: message\ndata: ".encode() + json.dumps(obj).encode() + b"\n\n"


def _stream_events(
    body: dict[str, Any], script: Script, model: str, cid: str, created: int
) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any] | None, finish: str | None = None) -> dict[str, Any]:
        obj = _envelope(model, cid, created, "chat.completion.chunk")
        obj["choices"] = [] if delta is None else [{"index": 0, "finish_reason": finish, "delta": delta}]
        return obj

    first = chunk({"role": "assistant", "content": ""})
    first["system"] = {"warnings": [{"message": "emulated model", "id": "disclaimer_warning"}]}
    yield first
    text = script.text or ""
    if text:
        for piece in split_text(text, script.chunk_chars, script.n_chunks):
            yield chunk({"content": piece})
    calls = _calls(script)
    for i, call in enumerate(calls):
        fn = call["function"]
        yield chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                     "function": {"name": fn["name"], "arguments": ""}}]})  # fmt: skip
        for piece in split_args(fn["arguments"]):
            yield chunk({"tool_calls": [{"index": i, "function": {"name": "", "arguments": piece}}]})
    yield chunk({"content": ""}, _finish(script, bool(calls)))
    last = chunk(None)
    last["usage"] = _usage(body, script, text)
    yield last


def _embeddings(body: dict[str, Any]) -> Reply:
    vectors = [_vector(text) for text in body["inputs"]]
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json_reply(
        200,
        {
            "model_id": body["model_id"],
            "results": [{"embedding": v} for v in vectors],
            "created_at": created,
            "input_token_count": sum(count_tokens(t) for t in body["inputs"]),
        },
    )


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round((b - 128) / 128, 6) for b in digest[:8]]
