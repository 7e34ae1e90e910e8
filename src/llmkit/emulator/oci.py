"""The Oracle OCI Generative AI inference handler, written from the service's API reference
(generative-ai-inference/20231130: ChatDetails, GenericChatRequest, CohereChatRequest,
EmbedTextDetails) and the live answers recorded in openllmetry's cassettes, not from
``llmkit.dialects.oci``.

It verifies every request's OCI signature (``oci_auth.check``), then serves
``POST /20231130/actions/chat`` (GENERIC, COHERE and COHEREV2, the last in ``oci_cohere_v2``;
JSON or a stream) and
``POST /20231130/actions/embedText``. Streams look like the recorded ones: ``data:`` lines with
no ``event:``, a random ``pad`` member; GENERIC ends with an index-less ``finishReason`` chunk,
a ``usage`` chunk (with ``streamOptions.isIncludeUsage``) and ``data: [DONE]``; COHERE ends with
a chunk that repeats the whole text with ``finishReason``, ``chatHistory`` and ``usage``, and no
``[DONE]``. Errors are ``{"code", "message"}`` with ``opc-request-id``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

from llmkit.emulator import oci_cohere_v2 as v2
from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.oci_auth import (
    COMPARTMENT,
    REGION,
    TENANCY,
    USER,
    check,
    error,
    new_api_key,
    opc_request_id,
)
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["COMPARTMENT", "REGION", "TENANCY", "USER", "handle", "new_api_key"]

_OCID = re.compile(r"([0-9a-zA-Z_-]+[.:])([0-9a-zA-Z_-]*[.:]){3,}([0-9a-zA-Z_-]+)")
_CODES = {
    400: "InvalidParameter",
    401: "NotAuthenticated",
    404: "NotAuthorizedOrNotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}
GENERIC_FIELDS = {
    "apiFormat",
    "messages",
    "reasoningEffort",
    "verbosity",
    "metadata",
    "isStream",
    "streamOptions",
    "numGenerations",
    "seed",
    "isEcho",
    "topK",
    "topP",
    "temperature",
    "frequencyPenalty",
    "presencePenalty",
    "stop",
    "logProbs",
    "maxTokens",
    "maxCompletionTokens",
    "logitBias",
    "prediction",
    "responseFormat",
    "toolChoice",
    "isParallelToolCalls",
    "tools",
    "webSearchOptions",
}
COHERE_FIELDS = {
    "apiFormat",
    "message",
    "chatHistory",
    "documents",
    "responseFormat",
    "isSearchQueriesOnly",
    "preambleOverride",
    "isStream",
    "streamOptions",
    "maxTokens",
    "maxInputTokens",
    "temperature",
    "topK",
    "topP",
    "promptTruncation",
    "frequencyPenalty",
    "presencePenalty",
    "seed",
    "isEcho",
    "tools",
    "toolResults",
    "isForceSingleStep",
    "stopSequences",
    "isRawPrompting",
    "citationQuality",
    "safetyMode",
}
_ROLES = {"SYSTEM", "USER", "ASSISTANT", "TOOL", "DEVELOPER"}
_COHERE_ROLES = {"SYSTEM", "USER", "CHATBOT", "TOOL"}
_PY_TYPES = {"str", "float", "int", "bool", "list", "dict"}
_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "content_filter": "content_filter"}
_COHERE_FINISH = {
    "stop": "COMPLETE",
    "length": "MAX_TOKENS",
    "tool_calls": "COMPLETE",
    "content_filter": "ERROR_TOXIC",
}


class Invalid(Exception):
    pass


def scripted_error(err: ScriptedError) -> Reply:
    reply = error(err.status, err.code or _CODES.get(err.status, "InternalServerError"), err.message)
    reply.headers.update(err.headers)
    return reply


def _stream_error() -> Iterator[bytes]:
    # OCI documents no in-stream error event; an error object in a data line is the nearest shape.
    yield _sse({"code": "InternalServerError", "message": "the model failed while streaming"})


def _pad() -> str:
    return "a" * random.randint(1, 12)


def _check_serving(body: dict[str, Any]) -> str:
    if not isinstance(body.get("compartmentId"), str) or not _OCID.fullmatch(body["compartmentId"]):
        raise Invalid("compartmentId must be a compartment OCID")
    mode = body.get("servingMode")
    if not isinstance(mode, dict):
        raise Invalid("servingMode is required")
    if mode.get("servingType") == "ON_DEMAND" and set(mode) == {"servingType", "modelId"}:
        return str(mode["modelId"])
    if mode.get("servingType") == "DEDICATED" and set(mode) == {"servingType", "endpointId"}:
        if not _OCID.fullmatch(str(mode["endpointId"])):
            raise Invalid("servingMode.endpointId must be an endpoint OCID")
        return str(mode["endpointId"])
    raise Invalid(
        "servingMode must be {servingType: ON_DEMAND, modelId} or {servingType: DEDICATED, endpointId}"
    )


def _check_generic(chat: dict[str, Any]) -> tuple[str, list[tuple[str, Any]], str | None]:
    unknown = set(chat) - GENERIC_FIELDS
    if unknown:
        raise Invalid(f"unknown GENERIC chatRequest fields: {sorted(unknown)}")
    messages = chat.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Invalid("chatRequest.messages must be a non-empty list")
    last = ""
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            raise Invalid("each message needs a role of SYSTEM, USER, ASSISTANT, TOOL or DEVELOPER")
        for part in m.get("content") or ():
            if part.get("type") == "TEXT" and isinstance(part.get("text"), str):
                last = part["text"] if m["role"] == "USER" else last
            elif part.get("type") == "IMAGE" and isinstance((part.get("imageUrl") or {}).get("url"), str):
                continue
            else:
                raise Invalid("a content part must be {type: TEXT, text} or {type: IMAGE, imageUrl: {url}}")
        if m["role"] == "TOOL" and not isinstance(m.get("toolCallId"), str):
            raise Invalid("a TOOL message needs toolCallId")
    tools = []
    for t in chat.get("tools") or ():
        if t.get("type") != "FUNCTION" or not isinstance(t.get("name"), str):
            raise Invalid("a tool must be {type: FUNCTION, name, description, parameters}")
        tools.append((t["name"], t.get("parameters") or {}))
    if messages[-1]["role"] == "TOOL":
        tools = []  # answer the results with text
    choice = chat.get("toolChoice")
    forced = None
    if isinstance(choice, dict):
        forced = choice.get("name") if choice.get("type") == "FUNCTION" else str(choice.get("type")).lower()
    return last, tools, forced


def _check_cohere(chat: dict[str, Any]) -> tuple[str, list[tuple[str, Any]], str | None]:
    unknown = set(chat) - COHERE_FIELDS
    if unknown:
        raise Invalid(f"unknown COHERE chatRequest fields: {sorted(unknown)}")
    if not isinstance(chat.get("message"), str):
        raise Invalid("chatRequest.message must be a string")
    for h in chat.get("chatHistory") or ():
        if not isinstance(h, dict) or h.get("role") not in _COHERE_ROLES:
            raise Invalid("chatHistory roles are USER, CHATBOT, SYSTEM and TOOL")
    tools = []
    for t in chat.get("tools") or ():
        defs = t.get("parameterDefinitions") or {}
        for d in defs.values():
            if d.get("type") not in _PY_TYPES:
                # What the service does with JSON type names (litellm's note): a 500.
                raise Invalid(f"parameter type {d.get('type')!r} is not a Python type name")
        props = {
            k: {
                "type": {
                    "str": "string",
                    "float": "number",
                    "int": "integer",
                    "bool": "boolean",
                    "list": "array",
                    "dict": "object",
                }[d["type"]]
            }
            for k, d in defs.items()
        }
        tools.append((t["name"], {"type": "object", "properties": props}))
    if chat.get("toolResults"):
        tools = []  # answer the results with text
    return chat["message"], tools, None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check(req)
    if denied is not None:
        return denied
    if req.method != "POST" or req.path not in ("/20231130/actions/chat", "/20231130/actions/embedText"):
        return error(404, "NotAuthorizedOrNotFound", f"Unknown resource {req.path}")
    try:
        body = json.loads(req.body)
    except ValueError:
        return error(400, "InvalidParameter", "The request body is not valid JSON")
    if not isinstance(body, dict):
        return error(400, "InvalidParameter", "The request body must be a JSON object")
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, scripted_error)
    if early is not None:
        return early
    try:
        model = _check_serving(body)
        if req.path.endswith("embedText"):
            return _embed(body, model)
        return _chat(body, model, script)
    except (Invalid, v2.InvalidV2) as exc:
        return error(400, "InvalidParameter", str(exc))


def _embed(body: dict[str, Any], model: str) -> Reply:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
        raise Invalid("inputs must be a non-empty list of strings")
    dims = body.get("outputDimensions") or 8
    vectors = [[round(((hash(t) >> k) % 1000) / 1000 - 0.5, 6) for k in range(dims)] for t in inputs]
    tokens = sum(count_tokens(t) for t in inputs)
    return json_reply(
        200,
        {
            "id": opc_request_id(),
            "embeddings": vectors,
            "modelId": model,
            "modelVersion": "1.0",
            "inputTextTokenCounts": None,
            "usage": {"promptTokens": tokens, "totalTokens": tokens},
        },
        {"opc-request-id": opc_request_id()},
    )


def _chat(body: dict[str, Any], model: str, script: Script) -> Reply:
    chat = body.get("chatRequest")
    if not isinstance(chat, dict) or chat.get("apiFormat") not in ("GENERIC", "COHERE", "COHEREV2"):
        raise Invalid("chatRequest.apiFormat must be GENERIC, COHERE or COHEREV2")
    cohere, is_v2 = chat["apiFormat"] == "COHERE", chat["apiFormat"] == "COHEREV2"
    checker = _check_cohere if cohere else v2.check if is_v2 else _check_generic
    last, tools, forced = checker(chat)
    schema = ((chat.get("responseFormat") or {}).get("jsonSchema") or {}).get("schema")
    script = default_answer(last, tools, forced, schema, script)
    prompt = script.input_tokens if script.input_tokens is not None else count_tokens(json.dumps(chat))
    output = script.output_tokens if script.output_tokens is not None else count_tokens(script.text or "") + 1
    usage = {"completionTokens": output, "promptTokens": prompt, "totalTokens": prompt + output}
    neutral = script.finish_reason or ("tool_calls" if script.tool_calls else "stop")
    headers = {"opc-request-id": opc_request_id()}
    if chat.get("isStream"):
        events = (
            _cohere_stream(chat, script, usage, neutral)
            if cohere
            else v2.stream(script, usage, neutral)
            if is_v2
            else _generic_stream(chat, script, usage, neutral)
        )
        if script.fault in STREAM_FAULTS:
            events = break_stream(events, script, lambda e: e[: len(e) // 2] + b"\n\n", _stream_error)
        return stream_reply(script, {"content-type": "text/event-stream", **headers}, events)
    if is_v2:
        answer = v2.answer(script, usage, neutral)
    else:
        answer = (
            _cohere_answer(chat, script, usage, neutral)
            if cohere
            else _generic_answer(script, usage, neutral)
        )
    return json_reply(200, {"modelId": model, "modelVersion": "1.0", "chatResponse": answer}, headers)


def _calls_generic(script: Script) -> list[dict[str, Any]]:
    return [
        {"type": "FUNCTION", "id": c.id or f"call_{i}", "name": c.name, "arguments": call_arguments(c)}
        for i, c in enumerate(script.tool_calls or ())
    ]


def _generic_answer(script: Script, usage: dict[str, int], neutral: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": script.text or ""}]}
    message["toolCalls"] = _calls_generic(script)
    return {
        "apiFormat": "GENERIC",
        "timeCreated": "2026-09-18T19:46:59.025Z",
        "choices": [
            {"index": 0, "message": message, "finishReason": _FINISH.get(neutral, neutral), "logprobs": {}}
        ],
        "usage": usage,
    }


def _sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def _generic_stream(
    chat: dict[str, Any], script: Script, usage: dict[str, int], neutral: str
) -> Iterator[bytes]:
    def delta(extra: dict[str, Any]) -> bytes:
        return _sse({"index": 0, "message": {"role": "ASSISTANT", **extra}, "pad": _pad()})

    if script.text:
        for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
            yield delta({"content": [{"type": "TEXT", "text": piece}]})
    for call in _calls_generic(script):
        # Partial calls, as some models stream them: id and name first, then argument pieces.
        yield delta(
            {"toolCalls": [{"type": "FUNCTION", "id": call["id"], "name": call["name"], "arguments": ""}]}
        )
        for piece in split_args(call["arguments"]):
            yield delta({"toolCalls": [{"type": "FUNCTION", "arguments": piece}]})
    yield _sse(
        {
            "message": {"role": "ASSISTANT", "content": [{"type": "TEXT", "text": ""}]},
            "finishReason": _FINISH.get(neutral, neutral),
            "pad": _pad(),
        }
    )
    if (chat.get("streamOptions") or {}).get("isIncludeUsage"):
        yield _sse({"usage": usage, "pad": _pad()})
    yield b"data: [DONE]\n\n"


def _cohere_calls(script: Script) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "parameters": json.loads(call_arguments(c) or "{}")} for c in script.tool_calls or ()
    ]


def _cohere_answer(
    chat: dict[str, Any], script: Script, usage: dict[str, int], neutral: str
) -> dict[str, Any]:
    history = [
        *(chat.get("chatHistory") or ()),
        {"role": "USER", "message": chat["message"]},
        {"role": "CHATBOT", "message": script.text or ""},
    ]
    answer: dict[str, Any] = {
        "apiFormat": "COHERE",
        "text": script.text or "",
        "chatHistory": history,
        "finishReason": _COHERE_FINISH.get(neutral, "COMPLETE"),
        "usage": usage,
    }
    if script.tool_calls:
        answer["toolCalls"] = _cohere_calls(script)
    return answer


def _cohere_stream(
    chat: dict[str, Any], script: Script, usage: dict[str, int], neutral: str
) -> Iterator[bytes]:
    if script.text:
        for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
            yield _sse({"apiFormat": "COHERE", "text": piece, "pad": _pad()})
    final = _cohere_answer(chat, script, usage, neutral)
    final["pad"] = _pad()
    yield _sse(final)
