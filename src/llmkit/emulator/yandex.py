"""Yandex Foundation Models' native ``completion`` API, emulated from its REST reference
(yandex.cloud/en/docs/foundation-models/text-generation/api-ref/TextGeneration/completion) and
the SDK's recorded responses, not from llmkit's dialect.

``POST /foundationModels/v1/completion``: the body is checked field by field (camelCase names,
``modelUri`` as ``gpt://<folder>/<model>/<version>``, ``maxTokens`` an int64 string, one content
per message). The answer is ``{"result": {alternatives, usage, modelVersion}}`` with token
counts as strings; with ``completionOptions.stream`` it is NDJSON, each line the **whole text so
far** with status ``ALTERNATIVE_STATUS_PARTIAL``, the last with a final status and the tool
calls. Keys: ``Authorization: Api-Key <key>``, or ``Bearer <IAM token>`` with ``x-folder-id``.
Errors: ``{"error": {"grpcCode", "httpCode", "message", "httpStatus", "details"}}``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["PROFILE", "handle"]

PROFILE = Profile(
    "yandex",
    "llmkit.emulator.yandex:handle",
    base_path="",
    auth_headers=(("authorization", "Api-Key "), ("authorization", "Bearer ")),
)

_PATH = "/foundationModels/v1/completion"
_URI = re.compile(r"gpt://[a-z0-9]+/[A-Za-z0-9._@:-]+(/[A-Za-z0-9._@:-]+)?")
_FIELDS = frozenset(
    {"modelUri", "completionOptions", "messages", "tools", "jsonObject", "jsonSchema", "parallelToolCalls",
     "toolChoice"}
)  # fmt: skip
_OPTIONS = frozenset({"stream", "temperature", "maxTokens", "reasoningOptions"})
_CONTENT = ("text", "toolCallList", "toolResultList")
_STATUS = {
    "stop": "ALTERNATIVE_STATUS_FINAL",
    "length": "ALTERNATIVE_STATUS_TRUNCATED_FINAL",
    "content_filter": "ALTERNATIVE_STATUS_CONTENT_FILTER",
    "tool_calls": "ALTERNATIVE_STATUS_TOOL_CALLS",
}
_GRPC = {
    400: (3, "Bad Request"),
    401: (16, "Unauthorized"),
    403: (7, "Forbidden"),
    404: (5, "Not Found"),
    429: (8, "Too Many Requests"),
    500: (13, "Internal Server Error"),
    503: (14, "Service Unavailable"),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    grpc, text = _GRPC.get(status, (2, "Error"))
    return {
        "error": {"grpcCode": grpc, "httpCode": status, "message": message, "httpStatus": text, "details": []}
    }


def error_reply(err: ScriptedError) -> Reply:
    return json_reply(err.status, error_body(err.status, err.message), dict(err.headers))


def _denied(req: EmuRequest, emu: Emulator) -> Reply | None:
    scheme, _, key = req.headers.get("authorization", "").partition(" ")
    if scheme not in ("Api-Key", "Bearer") or not key:
        return error_reply(ScriptedError(401, "Unknown api key or iam token"))
    if emu.api_key is not None and key != emu.api_key:
        return error_reply(ScriptedError(401, "Unknown api key or iam token"))
    if scheme == "Bearer" and not req.headers.get("x-folder-id"):
        return error_reply(ScriptedError(400, "x-folder-id header is required with an IAM token"))
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.method != "POST" or req.path != _PATH:
        return error_reply(ScriptedError(404, f"no such method: {req.path}"))
    denied = _denied(req, emu)
    if denied is not None:
        return denied
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "invalid JSON payload"))
    problem = check(body)
    if problem:
        return error_reply(ScriptedError(400, problem))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply)
    if early is not None:
        return early
    script = _plan(body, script)
    results = _results(body, script)
    if not body.get("completionOptions", {}).get("stream"):
        reply = json_reply(200, {"result": results[-1]})
        if script.fault == "malformed":
            reply.body = reply.body[: len(reply.body) // 2]
        reply.delay = script.delay
        return reply
    return _stream(results, script)


def check(body: Any) -> str | None:
    """What the REST gateway would refuse in this body (None: nothing)."""
    if not isinstance(body, dict):
        return "the request body must be a JSON object"
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        return f'invalid JSON payload: unknown name "{unknown[0]}"'
    if not isinstance(body.get("modelUri"), str) or not _URI.fullmatch(body["modelUri"]):
        return "modelUri must be gpt://<folder_id>/<model>[/<version>]"
    options = body.get("completionOptions", {})
    if not isinstance(options, dict) or set(options) - _OPTIONS:
        return "completionOptions: unknown field"
    tokens = options.get("maxTokens")
    if tokens is not None and not (isinstance(tokens, str) and tokens.isdigit()):
        return "completionOptions.maxTokens must be an int64 (a decimal string)"
    temperature = options.get("temperature")
    if temperature is not None and not (isinstance(temperature, (int, float)) and 0 <= temperature <= 1):
        return "completionOptions.temperature must be between 0 and 1"
    if "jsonObject" in body and "jsonSchema" in body:
        return "only one of jsonObject and jsonSchema may be set"
    return _check_messages(body.get("messages")) or _check_tools(body.get("tools"))


def _check_messages(messages: Any) -> str | None:
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty array"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            return f"messages[{i}].role must be system, user or assistant"
        present = [k for k in _CONTENT if k in m]
        if len(present) != 1 or set(m) - {"role", *_CONTENT}:
            return f"messages[{i}] must hold exactly one of text, toolCallList, toolResultList"
        if "text" in m and not isinstance(m["text"], str):
            return f"messages[{i}].text must be a string"
        for call in (m.get("toolCallList") or {}).get("toolCalls", []) if "toolCallList" in m else ():
            fn = call.get("functionCall") if isinstance(call, dict) else None
            if (
                not isinstance(fn, dict)
                or not fn.get("name")
                or not isinstance(fn.get("arguments", {}), dict)
            ):
                return f"messages[{i}].toolCallList: functionCall needs a name and object arguments"
        for res in (m.get("toolResultList") or {}).get("toolResults", []) if "toolResultList" in m else ():
            fr = res.get("functionResult") if isinstance(res, dict) else None
            if not isinstance(fr, dict) or not fr.get("name") or not isinstance(fr.get("content"), str):
                return f"messages[{i}].toolResultList: functionResult needs a name and string content"
    return None


def _check_tools(tools: Any) -> str | None:
    for tool in tools or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not fn.get("name") or set(tool) != {"function"}:
            return "tools[] must be {function: {name, description, parameters}}"
    return None


def _plan(body: dict[str, Any], script: Script) -> Script:
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in body.get("tools") or ()]
    schema = (body.get("jsonSchema") or {}).get("schema") or (
        {"type": "object"} if body.get("jsonObject") else None
    )
    messages = body["messages"]
    last = messages[-1]
    if "toolResultList" in last and script.text is None and script.tool_calls is None:
        results = last["toolResultList"]["toolResults"]
        said = [
            f"{r['functionResult']['name']} answered: {r['functionResult']['content'][:100]}" for r in results
        ]
        script.text = "Thanks, " + ", ".join(said)
    choice = body.get("toolChoice") or {}
    forced = "none" if choice.get("mode") == "NONE" else choice.get("functionName")
    user = next((m["text"] for m in reversed(messages) if m["role"] == "user" and "text" in m), "")
    return default_answer(user, tools, forced, schema, script)


def _results(body: dict[str, Any], script: Script) -> list[dict[str, Any]]:
    """The cumulative results a stream sends, in order; the last is the whole answer."""
    prompt = script.input_tokens if script.input_tokens is not None else count_tokens(json.dumps(body))
    text = script.text or ""
    pieces = split_text(text, script.chunk_chars, script.n_chunks) if text else []
    total = script.output_tokens if script.output_tokens is not None else count_tokens(text) + 1

    def result(message: dict[str, Any], status: str, done: int) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "inputTextTokens": str(prompt),
            "completionTokens": str(done),
            "totalTokens": str(prompt + done),
        }
        if script.reasoning_tokens:
            usage["completionTokensDetails"] = {"reasoningTokens": str(script.reasoning_tokens)}
        return {"alternatives": [{"message": {"role": "assistant", **message}, "status": status}],
                "usage": usage, "modelVersion": "23.10.2024"}  # fmt: skip

    out, so_far = [], ""
    for i, piece in enumerate(pieces[:-1]):
        so_far += piece
        out.append(
            result({"text": so_far}, "ALTERNATIVE_STATUS_PARTIAL", max(1, total * (i + 1) // len(pieces)))
        )
    if script.tool_calls:
        calls = [{"functionCall": {"name": c.name, "arguments": json.loads(call_arguments(c))}}
                 for c in script.tool_calls]  # fmt: skip
        out.append(result({"toolCallList": {"toolCalls": calls}}, "ALTERNATIVE_STATUS_TOOL_CALLS", total))
    else:
        status = _STATUS.get(script.finish_reason or "stop", "ALTERNATIVE_STATUS_FINAL")
        out.append(result({"text": text}, status, total))
    return out


def _stream(results: list[dict[str, Any]], script: Script) -> Reply:
    encoded: Iterator[bytes] = (json.dumps({"result": r}).encode() + b"\n" for r in results)

    def corrupt(line: bytes) -> bytes:
        return line.replace(b"{", b"{{", 1)

    def error() -> Iterator[bytes]:
        err = script.error or ScriptedError(500, "internal error while generating")
        yield json.dumps(error_body(err.status, err.message)).encode() + b"\n"

    if script.fault in STREAM_FAULTS:
        encoded = break_stream(encoded, script, corrupt, error)
    return stream_reply(script, {"content-type": "application/json"}, encoded)
