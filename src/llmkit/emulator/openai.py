"""The OpenAI Chat Completions / Embeddings handler, written from OpenAI's API reference.

It shares no code with ``llmkit.dialects.openai_chat`` on purpose: a misreading
in one shows up as a failure against the other.
"""

from __future__ import annotations

import base64
import json
import struct
import time
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import (
    call_arguments,
    count_tokens,
    default_answer,
    sample,
    split_args,
    split_text,
)
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

# Top-level fields of CreateChatCompletionRequest in OpenAI's OpenAPI spec (2.3.0).
CHAT_FIELDS = frozenset(
    {
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)
EMBED_FIELDS = frozenset({"dimensions", "encoding_format", "input", "model", "user"})
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls", "content_filter": "content_filter"}


class Invalid(Exception):
    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.code = code


def error_body(
    profile: Profile,
    status: int,
    message: str,
    etype: str | None,
    code: str | None,
    shape: str | None = None,
    param: str | None = None,
) -> Any:
    """The error body in the shape the provider documents (``Profile.error_shape``)."""
    shape = shape or profile.error_shape
    if shape == "flat":  # {"error": "...", "code": "..."} as some gateways (and xAI) answer
        return {"error": message, "code": code}
    if shape == "detail":
        return {"detail": message}
    if shape == "text":  # a plain-text body
        return message
    if shape == "object_error":  # top-level error object (Mistral, older vLLM)
        return {
            "object": "error",
            "message": message,
            "type": etype or _type_for(status),
            "param": None,
            "code": code,
        }
    if shape == "status_code":  # OpenAI envelope with the HTTP status as an integer code
        return {"error": {"message": message, "type": etype or _type_for(status), "code": status}}
    if shape == "code_message":  # {"error": {"code": "1002", "message": ...}} (Zhipu / Z.ai)
        return {"error": {"code": code or str(status), "message": message}}
    if shape == "azure":  # Azure Core envelope; content-filter refusals carry an innererror
        err: dict[str, Any] = {"code": code or str(status), "message": message}
        if code == "content_filter":
            err["param"] = "prompt"
            err["status"] = status
            err["innererror"] = {
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": {
                    "hate": {"filtered": False, "severity": "safe"},
                    "self_harm": {"filtered": False, "severity": "safe"},
                    "sexual": {"filtered": False, "severity": "safe"},
                    "violence": {"filtered": True, "severity": "high"},
                },
            }
        return {"error": err}
    if shape == "envelope_list":  # Cloudflare API v4
        num = int(code) if code and code.isdigit() else 10000 + status
        return {
            "result": None,
            "success": False,
            "errors": [{"code": num, "message": message}],
            "messages": [],
        }
    if shape == "error_code":  # Databricks
        return {"error_code": code or _DATABRICKS_CODES.get(status, "INTERNAL_ERROR"), "message": message}
    if shape == "code_int":  # {"code": 30014, "message": ..., "data": null} (SiliconFlow)
        return {"code": int(code) if code and code.isdigit() else status, "message": message, "data": None}
    return {"error": {"message": message, "type": etype or _type_for(status), "param": param, "code": code}}


_DATABRICKS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    429: "REQUEST_LIMIT_EXCEEDED",
}


def _type_for(status: int) -> str:
    return {401: "invalid_request_error", 404: "invalid_request_error", 429: "rate_limit_error"}.get(
        status, "invalid_request_error" if status < 500 else "server_error"
    )


def error_reply(profile: Profile, err: ScriptedError, shape: str | None = None) -> Reply:
    body = error_body(profile, err.status, err.message, err.type, err.code, shape, err.param)
    headers = {"x-request-id": "req_emulated_error", **err.headers}
    if (shape or profile.error_shape) == "azure":
        headers.setdefault("x-ms-error-code", err.code or str(err.status))
    if isinstance(body, str):
        return Reply(err.status, {"content-type": "text/plain; charset=utf-8", **headers}, body.encode())
    return json_reply(err.status, body, headers)


def _key_error(profile: Profile, missing: bool, key: str = "") -> Reply:
    """A rejected or missing key, with the provider's own status, code, message and shape."""
    x = profile.extra
    if missing:
        where = " or ".join(h for h, _ in profile.auth_headers)
        msg = x.get("missing_key_message") or (
            f"You didn't provide an API key. You need to provide your API key in the {where} header."
        )
        status = x.get("missing_key_status", profile.bad_key_status)
        code = x.get("missing_key_code", "missing_api_key")
    else:
        # Echo the key as OpenAI does, so clients' redaction is exercised.
        msg = x.get("bad_key_message") or (
            f"Incorrect API key provided: {key}. You can find your API key in your account settings."
        )
        status = profile.bad_key_status
        code = x.get("bad_key_code", "invalid_api_key")
    err = ScriptedError(status, msg, type=x.get("bad_key_type"), code=code)
    return error_reply(profile, err, x.get("bad_key_shape"))


def check_auth(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply | None:
    for header, expected in profile.required_headers.items():
        got = req.headers.get(header)
        if not got or (expected and got != expected):
            # A gateway in front of the server (Modal's proxy auth) may answer in plain text.
            status = profile.extra.get("missing_header_status", 400)
            text = profile.extra.get("missing_header_text")
            if text:
                return Reply(status, {"content-type": "text/plain; charset=utf-8"}, str(text).encode())
            return error_reply(profile, ScriptedError(status, f"missing or wrong header {header}"))
    # No auth_headers: the server takes no key (Ollama); key_optional: only a wrong key is refused.
    key = None
    for header, prefix in profile.auth_headers:
        value = req.headers.get(header)
        if value is not None and value.startswith(prefix) and value[len(prefix) :]:
            key = value[len(prefix) :]
            break
    if profile.auth_headers and key is None and not profile.extra.get("key_optional"):
        return _key_error(profile, missing=True)
    if key is not None and emu.api_key is not None and key != emu.api_key:
        return _key_error(profile, missing=False, key=key)
    for q in profile.required_query:
        if q not in req.query:
            return error_reply(profile, ScriptedError(400, f"missing required query parameter {q}"))
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check_auth(req, emu, profile)
    if denied is not None:
        return denied
    path = req.path
    if req.method == "GET" and path.endswith("/models"):
        return json_reply(200, {"object": "list", "data": [{"id": "emulated-model", "object": "model"}]})
    if req.method != "POST":
        return error_reply(profile, ScriptedError(405, f"method {req.method} not allowed"))
    chat_path = profile.extra.get("chat_path", "/chat/completions")
    if path.rstrip("/").endswith(chat_path):
        return _chat(req, emu, profile)
    if path.endswith("/embeddings"):
        return _embeddings(req, emu, profile)
    return error_reply(profile, ScriptedError(404, f"Invalid URL (POST {req.full_path})", code="unknown_url"))


def _allowed_fields(req: EmuRequest, profile: Profile) -> frozenset[str]:
    x = profile.extra
    strict = x.get("strict_fields")
    if strict is not None:
        # Azure AI Inference: only its common schema, unless extra-parameters says otherwise
        # ("pass-through" hands everything to the model, "drop" discards the rest).
        if req.headers.get("extra-parameters") in ("pass-through", "drop"):
            body = req.json()
            return frozenset(body) if isinstance(body, dict) else frozenset(strict)
        return frozenset(strict)
    return (CHAT_FIELDS | frozenset(x.get("extra_fields", ()))) - frozenset(x.get("reject_fields", ()))


def _validate_chat(body: Any, profile: Profile, allowed: frozenset[str] = CHAT_FIELDS) -> None:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    for key in body:
        if key not in allowed:
            if profile.extra.get("strict_fields") is not None:
                raise Invalid(
                    f"Extra parameters ['{key}'] are not allowed when extra-parameters is not set "
                    "or set to be 'error'. Set extra-parameters to 'pass-through' to pass to the model.",
                    key,
                )
            raise Invalid(f"Unrecognized request argument supplied: {key}", key)
    for key in ("model", "messages"):
        if key not in body:
            raise Invalid(f"Missing required parameter: '{key}'.", key)
    if not isinstance(body["model"], str) or not body["model"]:
        raise Invalid("model must be a non-empty string", "model")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise Invalid("'messages' must be a non-empty array", "messages")
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise Invalid(f"Invalid value for 'messages[{i}].role'", f"messages[{i}].role")
        if m["role"] == "tool":
            tid = m.get("tool_call_id")
            if tid not in open_calls:
                raise Invalid(
                    f"messages[{i}]: a 'tool' message must answer an earlier assistant tool_call ({tid!r})",
                    f"messages[{i}].tool_call_id",
                )
        if m["role"] == "assistant":
            for c in m.get("tool_calls") or ():
                if not isinstance(c, dict) or c.get("type") != "function" or "function" not in c:
                    raise Invalid(f"messages[{i}].tool_calls entries need type 'function'")
                if not isinstance(c["function"].get("arguments"), str):
                    raise Invalid(f"messages[{i}].tool_calls[].function.arguments must be a string")
                open_calls.add(str(c.get("id")))
        content = m.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise Invalid(f"messages[{i}].content must be a string or an array", f"messages[{i}].content")
        for part in content if isinstance(content, list) else ():
            kind = part.get("type") if isinstance(part, dict) else None
            if kind not in ("text", "image_url", "input_audio", "file", "refusal"):
                raise Invalid(f"Invalid content part type {kind!r} in messages[{i}]")
    temp = body.get("temperature")
    if temp is not None and (not isinstance(temp, (int, float)) or not 0 <= temp <= 2):
        raise Invalid("temperature must be a number between 0 and 2", "temperature")
    for key in ("max_tokens", "max_completion_tokens"):
        if key in body and (not isinstance(body[key], int) or body[key] < 1):
            raise Invalid(f"{key} must be a positive integer", key)
    for t in body.get("tools") or ():
        if (
            not isinstance(t, dict)
            or t.get("type") != "function"
            or not (t.get("function") or {}).get("name")
        ):
            raise Invalid("each tool needs type 'function' and a function name", "tools")
    if "stream_options" in body and not body.get("stream"):
        raise Invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"
        )
    rf = body.get("response_format")
    if rf is not None:
        if not isinstance(rf, dict) or rf.get("type") not in ("text", "json_object", "json_schema"):
            raise Invalid("response_format.type must be text, json_object or json_schema", "response_format")
        if rf["type"] == "json_schema" and not (rf.get("json_schema") or {}).get("name"):
            raise Invalid("response_format.json_schema.name is required", "response_format")


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, str):
                return c
            return " ".join(
                p.get("text", "") for p in c or () if isinstance(p, dict) and p.get("type") == "text"
            )
    return ""


def _plan(body: dict[str, Any], script: Script) -> Script:
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in body.get("tools") or ()]
    choice = body.get("tool_choice")
    forced = choice if choice == "none" else None
    if isinstance(choice, dict):
        forced = choice.get("function", {}).get("name")
    rf = body.get("response_format") or {}
    schema = None
    if rf.get("type") == "json_schema":
        schema = rf["json_schema"].get("schema") or {"type": "object"}
    elif rf.get("type") == "json_object":
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    if body["messages"][-1].get("role") == "tool" and script.text is None and script.tool_calls is None:
        script.text = "Thanks, the tool answered: " + str(body["messages"][-1].get("content"))[:200]
    return default_answer(_last_user_text(body["messages"]), tools, forced, schema, script)


def _usage(body: dict[str, Any], script: Script, text: str, profile: Profile | None = None) -> dict[str, Any]:
    prompt = script.input_tokens
    if prompt is None:
        prompt = count_tokens(json.dumps(body["messages"]))
    completion = script.output_tokens
    if completion is None:
        completion = count_tokens(text) + sum(
            count_tokens(call_arguments(c)) for c in script.tool_calls or ()
        )
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": script.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": script.reasoning_tokens, "audio_tokens": 0},
    }
    if profile is not None and profile.extra.get("cache_hit_fields"):
        # DeepSeek reports context-cache hits and misses as top-level usage fields.
        usage["prompt_cache_hit_tokens"] = script.cached_tokens
        usage["prompt_cache_miss_tokens"] = prompt - script.cached_tokens
        del usage["prompt_tokens_details"]
    return usage


def _chat(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return error_reply(profile, ScriptedError(400, "We could not parse the JSON body of your request."))
    try:
        _validate_chat(body, profile, _allowed_fields(req, profile))
    except Invalid as exc:
        return error_reply(profile, ScriptedError(400, str(exc), code=exc.code, param=exc.param))
    script = emu.take_script(req.path) or Script()
    if script.error is not None and script.fault != "stream_error":
        reply = error_reply(profile, script.error)
        reply.delay = script.delay
        return reply
    if script.fault == "disconnect":
        return Reply(disconnect=True, delay=script.delay)
    if script.fault == "html_error":
        status = script.error.status if script.error else 502
        return Reply(
            status, {"content-type": "text/html"}, b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        )
    script = _plan(body, script)
    created = int(time.time())
    cid = f"chatcmpl-emu{len(emu.requests)}"
    if body.get("stream"):
        return _stream_reply(body, script, cid, created, profile)
    calls = [
        {
            "id": c.id or f"call_{i}",
            "type": "function",
            "function": {"name": c.name, "arguments": call_arguments(c)},
        }
        for i, c in enumerate(script.tool_calls or ())
    ]
    text = script.text or ""
    message: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    # OpenAI itself returns no reasoning text; providers that do name their field in the profile.
    if script.reasoning and profile.extra.get("reasoning_field"):
        message[profile.extra["reasoning_field"]] = script.reasoning
    finish = FINISH.get(script.finish_reason or "", script.finish_reason) or (
        "tool_calls" if calls else "stop"
    )
    obj: dict[str, Any] = {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": _usage(body, script, text, profile),
        "system_fingerprint": "fp_emulator",
    }
    obj.update(profile.extra.get("response_fields", {}))
    obj.update(script.extra.get("response_fields", {}))
    reply = json_reply(200, _reshape(obj, profile), {"x-request-id": f"req_{cid}"})
    reply.delay = script.delay
    return reply


def _reshape(obj: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Per-provider body habits: fields a provider never sends, or always sends."""
    x = profile.extra
    omit = x.get("message_omit", ())
    for choice in obj.get("choices") or ():
        for key in ("message", "delta"):
            part = choice.get(key)
            if isinstance(part, dict):
                for name in omit:
                    part.pop(name, None)
                if key == "delta" and x.get("role_in_every_delta"):  # Together repeats the role
                    part.setdefault("role", "assistant")
    usage = obj.get("usage")
    if isinstance(usage, dict) and x.get("plain_usage"):  # no *_tokens_details objects
        usage.pop("prompt_tokens_details", None)
        usage.pop("completion_tokens_details", None)
    return obj


def _stream_reply(body: dict[str, Any], script: Script, cid: str, created: int, profile: Profile) -> Reply:
    usage_null = (
        bool((body.get("stream_options") or {}).get("include_usage")) and profile.error_shape == "openai"
    )

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        obj: dict[str, Any] = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body["model"],
            "system_fingerprint": "fp_emulator",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if usage_null:  # with include_usage, every chunk but the last carries "usage": null
            obj["usage"] = None
        obj.update(extra)
        return b"data: " + json.dumps(_reshape(obj, profile)).encode() + b"\n\n"

    x = profile.extra
    fields = script.extra.get("response_fields", {})
    # Perplexity sends search results with the final chunk(s); most send extras up front.
    late = bool(x.get("fields_in_last_chunk"))
    running = bool(x.get("usage_every_chunk"))
    emitted: list[str] = []

    def data(obj: dict[str, Any]) -> bytes:
        return b"data: " + json.dumps(obj).encode() + b"\n\n"

    def chunk_with_usage(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        if running:  # a running usage object on every chunk
            if delta.get("content"):
                emitted.append(delta["content"])
            extra["usage"] = _usage(body, script, "".join(emitted), profile)
        return chunk(delta, finish, **extra)

    def events() -> Iterator[bytes]:
        comment = x.get("sse_comment")
        if comment:  # e.g. ": OPENROUTER PROCESSING" keep-alive comments before the first event
            yield f": {comment}\n\n".encode()
        preamble = x.get("stream_preamble")
        if preamble is not None:  # Azure: an empty first chunk with prompt filter results
            yield data({"choices": [], "created": 0, "id": "", "model": "", "object": "", **preamble})
        yield chunk_with_usage(
            {"role": "assistant", "content": "", "refusal": None}, **({} if late else fields)
        )
        if script.reasoning and profile.extra.get("reasoning_field"):
            for piece in split_text(script.reasoning):
                yield chunk({profile.extra["reasoning_field"]: piece})
        text = script.text or ""
        if text:
            for piece in split_text(text, script.chunk_chars, script.n_chunks):
                yield chunk_with_usage({"content": piece})
        for i, c in enumerate(script.tool_calls or ()):
            first = {"index": i, "id": c.id or f"call_{i}", "type": "function"}
            if x.get("whole_tool_calls"):  # Mistral, Together: each call arrives complete in one delta
                yield chunk(
                    {"tool_calls": [{**first, "function": {"name": c.name, "arguments": call_arguments(c)}}]}
                )
                continue
            yield chunk({"tool_calls": [{**first, "function": {"name": c.name, "arguments": ""}}]})
            for piece in split_args(call_arguments(c)):
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        finish = FINISH.get(script.finish_reason or "", script.finish_reason)
        done = finish or ("tool_calls" if script.tool_calls else "stop")
        yield chunk_with_usage({}, done, **(fields if late else {}))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body["model"],
                "choices": [],
                "usage": _usage(body, script, text, profile),
            }
            yield b"data: " + json.dumps(_reshape(usage, profile)).encode() + b"\n\n"
        yield b"data: [DONE]\n\n"

    def faulty(source: Iterator[bytes]) -> Iterator[bytes]:
        for i, item in enumerate(source):
            if i == script.after:
                if script.fault == "no_terminator":
                    return
                if script.fault == "malformed":
                    yield b'data: {"choices": [\n\n'
                    return
                if script.fault == "stream_error":
                    err = script.error or ScriptedError(
                        500, "The server had an error while processing your request."
                    )
                    yield (
                        b"data: "
                        + json.dumps(
                            error_body(profile, err.status, err.message, err.type, err.code)
                        ).encode()
                    )
                    yield b"\n\n"
                    return
            yield item

    chunks: Iterator[bytes] = events()
    if script.fault in ("no_terminator", "malformed", "stream_error"):
        chunks = faulty(chunks)
    return Reply(
        200,
        {"content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": f"req_{cid}"},
        chunks=chunks,
        delay=script.delay,
        chunk_delay=script.chunk_delay,
        cut_after=script.after if script.fault == "cut" else None,
    )


def _embeddings(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return error_reply(profile, ScriptedError(400, "We could not parse the JSON body of your request."))
    if not isinstance(body, dict):
        return error_reply(profile, ScriptedError(400, "The request body must be a JSON object."))
    unknown = [k for k in body if k not in EMBED_FIELDS]
    if unknown:
        return error_reply(
            profile, ScriptedError(400, f"Unrecognized request argument supplied: {unknown[0]}")
        )
    if "model" not in body or "input" not in body:
        return error_reply(profile, ScriptedError(400, "Missing required parameter: 'model' or 'input'."))
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(profile, script.error)
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    dims = int(body.get("dimensions") or 8)
    data = []
    for i, text in enumerate(inputs):
        seed = sum(map(ord, str(text))) or 1
        vec = [((seed * (j + 3)) % 97) / 97.0 - 0.5 for j in range(dims)]
        embedding: Any = vec
        if body.get("encoding_format") == "base64":  # little-endian float32s, base64-encoded
            embedding = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode()
        data.append({"object": "embedding", "index": i, "embedding": embedding})
    tokens = sum(count_tokens(str(t)) for t in inputs)
    obj = {
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return json_reply(200, obj, {"x-request-id": "req_emb"})


__all__ = ["handle", "sample"]
