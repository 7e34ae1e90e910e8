"""The Gemini API handler (Google AI Studio and Vertex AI URL shapes), written from Google's API
reference (the ``generativelanguage`` v1beta protos and the ``aiplatform`` v1 discovery document).

It shares no code with ``llmkit.dialects.gemini``. Routes, after the profile prefix:

* AI Studio: ``/v1beta/models/{model}:{method}`` (also ``/v1``), key in ``x-goog-api-key``
  (or ``?key=``, which Google also takes); a wrong key is 400 INVALID_ARGUMENT / API_KEY_INVALID.
* Vertex AI: ``/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}``
  (also ``v1beta1``), ``Authorization: Bearer`` with a token the emulator's Google OAuth
  endpoint issued (or the emulator's API key, standing in for a token obtained elsewhere).

Methods: ``generateContent``, ``streamGenerateContent`` (SSE with ``?alt=sse``, else one JSON
array), ``countTokens``, ``embedContent``, ``batchEmbedContents``.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from typing import Any

from llmkit.emulator import google_oauth
from llmkit.emulator._content import count_tokens, default_answer, sample, split_text
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

AI_STUDIO = Profile(
    "gemini",
    "llmkit.emulator.gemini:handle",
    base_path="/v1beta",
    auth_headers=(("x-goog-api-key", ""),),
    bad_key_status=400,
    error_shape="google",
)
VERTEX = Profile(
    "vertex_ai",
    "llmkit.emulator.gemini:handle",
    base_path="/v1",
    auth_headers=(("authorization", "Bearer "),),
    error_shape="google",
    extra={"surface": "vertex"},
)
# Vertex AI's OpenAI-compatible MaaS endpoint (Llama, DeepSeek, Qwen, ... ``-maas`` models) speaks
# OpenAI Chat Completions under ``/v1/projects/{p}/locations/{l}/endpoints/openapi``.
VERTEX_MAAS = Profile(
    "vertex_ai_maas",
    "llmkit.emulator.openai:handle",
    base_path="/v1/projects/test-proj/locations/us-central1/endpoints/openapi",
)

_ROUTE = re.compile(
    r"^/(?P<version>v1|v1beta|v1alpha|v1beta1)/"
    r"(?:projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers/(?P<publisher>[^/]+)/)?"
    r"models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$"
)

# google.rpc.Code names by HTTP status, as Google's JSON error bodies carry them.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

REQUEST_FIELDS = frozenset(
    {
        "model",
        "contents",
        "systemInstruction",
        "tools",
        "toolConfig",
        "safetySettings",
        "generationConfig",
        "cachedContent",
    }
)
VERTEX_ONLY_FIELDS = frozenset({"labels", "modelArmorConfig"})
GENERATION_FIELDS = frozenset(
    {
        "candidateCount",
        "stopSequences",
        "maxOutputTokens",
        "temperature",
        "topP",
        "topK",
        "seed",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "presencePenalty",
        "frequencyPenalty",
        "responseLogprobs",
        "logprobs",
        "enableEnhancedCivicAnswers",
        "responseModalities",
        "speechConfig",
        "thinkingConfig",
        "imageConfig",
        "mediaResolution",
    }
)
THINKING_FIELDS = frozenset({"includeThoughts", "thinkingBudget", "thinkingLevel"})
PART_DATA = (
    "text",
    "inlineData",
    "fileData",
    "functionCall",
    "functionResponse",
    "executableCode",
    "codeExecutionResult",
)
PART_EXTRA = frozenset({"thought", "thoughtSignature", "videoMetadata", "partMetadata", "mediaResolution"})
HARM_CATEGORIES = frozenset(
    {
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
        "HARM_CATEGORY_IMAGE_HATE",
        "HARM_CATEGORY_IMAGE_DANGEROUS_CONTENT",
        "HARM_CATEGORY_IMAGE_HARASSMENT",
        "HARM_CATEGORY_IMAGE_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_JAILBREAK",
    }
)
THRESHOLDS = frozenset(
    {"BLOCK_LOW_AND_ABOVE", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_ONLY_HIGH", "BLOCK_NONE", "OFF"}
)
SCHEMA_TYPES = frozenset({"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"})
FINISH = {
    "stop": "STOP",
    "tool_calls": "STOP",  # Gemini has no tool-call finish reason
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
}


class Invalid(Exception):
    pass


# Values that are free-form JSON (google.protobuf.Struct / Value) or user-named maps: their keys are data.
_OPAQUE = frozenset(
    {"args", "response", "parametersJsonSchema", "responseJsonSchema", "example", "default", "labels"}
)


def camel_keys(value: Any, opaque: bool = False) -> Any:
    """Proto3 JSON parsers take a field's original snake_case name as well as its lowerCamelCase
    JSON name (Google's SDKs send some of each); bring every field name to lowerCamelCase."""
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    if not isinstance(value, dict) or opaque:
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        head, *rest = key.split("_")
        name = head + "".join(w[:1].upper() + w[1:] for w in rest) if rest and head else key
        if name == "properties" and isinstance(item, dict):
            out[name] = {k: camel_keys(v) for k, v in item.items()}
        else:
            out[name] = camel_keys(item, name in _OPAQUE)
    return out


def error_reply(err: ScriptedError) -> Reply:
    status_name = err.type or STATUS_NAMES.get(err.status, "UNKNOWN")
    error: dict[str, Any] = {"code": err.status, "message": err.message, "status": status_name}
    if err.code:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": err.code,
                "domain": "googleapis.com",
            }
        ]
    retry = err.headers.get("x-retry-delay")
    headers = {k: v for k, v in err.headers.items() if k != "x-retry-delay"}
    if retry:
        error.setdefault("details", []).append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry}s"}
        )
    return json_reply(err.status, {"error": error}, headers)


def _auth(req: EmuRequest, emu: Emulator, vertex: bool) -> Reply | None:
    if vertex:
        value = req.headers.get("authorization", "")
        token = value[len("Bearer ") :] if value.startswith("Bearer ") else ""
        if token and (
            google_oauth.token_is_live(emu, token) or (emu.api_key is not None and token == emu.api_key)
        ):
            return None
        message = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
            "or other valid authentication credential."
        )
        return error_reply(
            ScriptedError(401, message, code="ACCESS_TOKEN_TYPE_UNSUPPORTED" if not token else None)
        )
    key = req.headers.get("x-goog-api-key") or req.query.get("key")
    if not key:
        return error_reply(
            ScriptedError(403, "Method doesn't allow unregistered callers. Please use an API Key.")
        )
    if emu.api_key is not None and key != emu.api_key:
        return error_reply(
            ScriptedError(400, "API key not valid. Please pass a valid API key.", code="API_KEY_INVALID")
        )
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    match = _ROUTE.match(req.path)
    if req.method != "POST" or match is None:
        return error_reply(
            ScriptedError(404, f"The requested URL {req.full_path} was not found on this server.")
        )
    vertex = match["project"] is not None
    publisher = match["publisher"]
    if vertex and publisher != "google" and publisher not in PARTNERS:
        return error_reply(ScriptedError(404, f"Publisher model {publisher}/{match['model']} not found."))
    denied = _auth(req, emu, vertex)
    if denied is not None:
        return denied
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "Invalid JSON payload received."))
    if not isinstance(body, dict):
        return error_reply(ScriptedError(400, "Invalid JSON payload received. Expected an object."))
    if vertex and publisher != "google":
        return _partner(req, emu, publisher, match["model"], match["method"], match["version"], body)
    body = camel_keys(body)
    method, model = match["method"], match["model"]
    resource = (
        f"projects/{match['project']}/locations/{match['location']}/publishers/google/models/{model}"
        if vertex
        else f"models/{model}"
    )
    try:
        if method in ("generateContent", "streamGenerateContent"):
            _check_generate(body, vertex)
            return _generate(req, emu, body, model, vertex, stream=method == "streamGenerateContent")
        if method == "countTokens":
            return _count_tokens(body, vertex, resource)
        if method == "embedContent":
            return _embed(req, emu, [body], None, single=True)
        if method == "batchEmbedContents":
            return _embed(req, emu, body.get("requests"), resource, single=False)
    except Invalid as exc:
        return error_reply(ScriptedError(400, str(exc)))
    return error_reply(ScriptedError(404, f"Method {method} not found."))


# ---------------------------------------------------------------- validation


def _check_schema(schema: Any, where: str) -> None:
    if not isinstance(schema, dict):
        raise Invalid(f"{where}: a Schema must be an object")
    allowed = {
        "type", "format", "title", "description", "nullable", "enum", "items", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minimum", "maximum", "minLength",
        "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default",
    }  # fmt: skip
    for key in schema:
        if key not in allowed:
            raise Invalid(
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field."
            )
    kind = schema.get("type")
    if kind is not None and str(kind).upper() not in SCHEMA_TYPES:
        raise Invalid(f"{where}.type: invalid value {kind!r}")
    for name, sub in (schema.get("properties") or {}).items():
        _check_schema(sub, f"{where}.properties[{name}]")
    if "items" in schema:
        _check_schema(schema["items"], f"{where}.items")
    for i, sub in enumerate(schema.get("anyOf") or ()):
        _check_schema(sub, f"{where}.anyOf[{i}]")
    if str(kind).upper() == "OBJECT" and "properties" in schema and not schema["properties"]:
        raise Invalid(f"{where}.properties: should be non-empty for OBJECT type")


def _check_content(content: Any, where: str, vertex: bool, system: bool = False) -> None:
    if not isinstance(content, dict):
        raise Invalid(f"{where} must be a Content object")
    role = content.get("role")
    if not system:
        if role is None and vertex:
            raise Invalid(f"Please use a valid role: user, model. ({where}.role is missing)")
        if role not in (None, "user", "model"):
            raise Invalid(f"Please use a valid role: user, model. ({where}.role={role!r})")
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts:
        raise Invalid(f"{where}.parts: must contain at least one part")
    for i, part in enumerate(parts):
        pw = f"{where}.parts[{i}]"
        if not isinstance(part, dict):
            raise Invalid(f"{pw} must be an object")
        data = [k for k in PART_DATA if k in part]
        unknown = [k for k in part if k not in PART_DATA and k not in PART_EXTRA]
        if unknown:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{unknown[0]}\" at '{pw}'")
        if len(data) != 1 and not (data == [] and "thoughtSignature" in part):
            raise Invalid(f"{pw}: a part must hold exactly one of {', '.join(PART_DATA)} (got {data})")
        if "inlineData" in part:
            blob = part["inlineData"]
            if not isinstance(blob, dict) or not blob.get("mimeType") or "data" not in blob:
                raise Invalid(f"{pw}.inlineData needs mimeType and data")
        if "fileData" in part and not (part["fileData"] or {}).get("fileUri"):
            raise Invalid(f"{pw}.fileData.fileUri is required")
        if "functionCall" in part:
            fc = part["functionCall"]
            if role == "user" or not fc.get("name") or not isinstance(fc.get("args", {}), dict):
                raise Invalid(f"{pw}.functionCall needs a name and object args, in a model turn")
        if "functionResponse" in part:
            fr = part["functionResponse"]
            if role == "model" or not fr.get("name") or not isinstance(fr.get("response"), dict):
                raise Invalid(f"{pw}.functionResponse needs a name and an object response, in a user turn")


def _check_generate(body: dict[str, Any], vertex: bool) -> None:
    allowed = REQUEST_FIELDS | (VERTEX_ONLY_FIELDS if vertex else frozenset())
    for key in body:
        if key not in allowed:
            raise Invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Invalid("* GenerateContentRequest.contents: contents is not specified")
    for i, content in enumerate(contents):
        _check_content(content, f"contents[{i}]", vertex)
    # Each function-response turn must answer every call of the model turn before it.
    for prev, cur in itertools.pairwise(contents):
        calls = sum(1 for p in prev.get("parts", ()) if "functionCall" in p)
        answers = sum(1 for p in cur.get("parts", ()) if "functionResponse" in p)
        if answers and answers != calls:
            raise Invalid(
                "Please ensure that the number of function response parts is equal to the number of "
                "function call parts of the function call turn."
            )
    if "systemInstruction" in body:
        _check_content(body["systemInstruction"], "systemInstruction", vertex, system=True)
    declared: set[str] = set()
    for i, tool in enumerate(body.get("tools") or ()):
        for j, decl in enumerate(tool.get("functionDeclarations") or ()):
            where = f"tools[{i}].functionDeclarations[{j}]"
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}", str(decl.get("name", ""))):
                raise Invalid(f"{where}.name: invalid function name")
            if "parameters" in decl and "parametersJsonSchema" in decl:
                raise Invalid(f"{where}: set parameters or parametersJsonSchema, not both")
            if "parameters" in decl:
                _check_schema(decl["parameters"], f"{where}.parameters")
            declared.add(decl["name"])
    mode_cfg = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    if mode_cfg.get("mode") not in (None, "AUTO", "ANY", "NONE", "VALIDATED", "MODE_UNSPECIFIED"):
        raise Invalid(f"toolConfig.functionCallingConfig.mode: invalid value {mode_cfg.get('mode')!r}")
    for name in mode_cfg.get("allowedFunctionNames") or ():
        if name not in declared:
            raise Invalid(f"allowedFunctionNames: {name!r} is not a declared function")
    for i, setting in enumerate(body.get("safetySettings") or ()):
        if setting.get("category") not in HARM_CATEGORIES or setting.get("threshold") not in THRESHOLDS:
            raise Invalid(f"safetySettings[{i}]: invalid category or threshold")
    config = body.get("generationConfig") or {}
    for key in config:
        if key not in GENERATION_FIELDS:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{key}\" at 'generation_config'")
    for key in config.get("thinkingConfig") or {}:
        if key not in THINKING_FIELDS:
            raise Invalid(f"Invalid JSON payload received. Unknown name \"{key}\" at 'thinking_config'")
    if "responseSchema" in config:
        if "responseJsonSchema" in config:
            raise Invalid("generationConfig: responseSchema and responseJsonSchema are mutually exclusive")
        _check_schema(config["responseSchema"], "generationConfig.responseSchema")
    if ("responseSchema" in config or "responseJsonSchema" in config) and config.get(
        "responseMimeType"
    ) != "application/json":
        raise Invalid("generationConfig.responseMimeType must be application/json when a schema is set")
    temp = config.get("temperature")
    if temp is not None and not (isinstance(temp, (int, float)) and 0 <= temp <= 2):
        raise Invalid("generationConfig.temperature must be between 0 and 2")


# ---------------------------------------------------------------- generateContent


def _texts(contents: list[Any]) -> str:
    out: list[str] = []
    for content in contents:
        for part in content.get("parts", ()):
            if "text" in part and not part.get("thought"):
                out.append(part["text"])
            for key in ("functionCall", "functionResponse"):
                if key in part:
                    out.append(json.dumps(part[key]))
    return " ".join(out)


def _prompt_tokens(body: dict[str, Any]) -> int:
    """The emulator's count of a request's prompt: what countTokens answers for the same request."""
    text = _texts(body.get("contents") or [])
    if "systemInstruction" in body:
        text += " " + _texts([body["systemInstruction"]])
    if body.get("tools"):
        text += " " + json.dumps(body["tools"])
    return count_tokens(text)


def _lower_types(schema: Any) -> Any:
    """A Gemini Schema (upper-case types) as a JSON schema, for ``sample``."""
    if isinstance(schema, dict):
        return {k: (str(v).lower() if k == "type" else _lower_types(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_lower_types(v) for v in schema]
    return schema


def _plan(body: dict[str, Any], script: Script) -> Script:
    tools: list[tuple[str, Any]] = []
    for tool in body.get("tools") or ():
        for decl in tool.get("functionDeclarations") or ():
            params = decl.get("parametersJsonSchema") or _lower_types(decl.get("parameters"))
            tools.append((decl["name"], params))
    cfg = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    forced: str | None = None
    if cfg.get("mode") == "NONE":
        forced = "none"
    elif cfg.get("allowedFunctionNames"):
        forced = cfg["allowedFunctionNames"][0]
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or _lower_types(config.get("responseSchema"))
    if schema is None and config.get("responseMimeType") == "application/json":
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    last = body["contents"][-1]
    answered = any("functionResponse" in p for p in last.get("parts", ()))
    if answered and script.text is None and script.tool_calls is None:
        responses = [p["functionResponse"] for p in last["parts"] if "functionResponse" in p]
        script.text = "Thanks, the tool answered: " + json.dumps([r["response"] for r in responses])[:200]
    user_text = " ".join(p.get("text", "") for p in last.get("parts", ()) if "text" in p)
    return default_answer(user_text, tools if not answered else [], forced, schema, script)


def _usage(body: dict[str, Any], script: Script, text: str, vertex: bool) -> dict[str, Any]:
    prompt = script.input_tokens if script.input_tokens is not None else _prompt_tokens(body)
    output = script.output_tokens
    if output is None:
        output = count_tokens(text) + sum(
            count_tokens(json.dumps(c.arguments)) for c in script.tool_calls or ()
        )
    usage: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output,
        "totalTokenCount": prompt + output + script.reasoning_tokens,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    if script.reasoning_tokens:
        usage["thoughtsTokenCount"] = script.reasoning_tokens
    if script.cached_tokens:
        usage["cachedContentTokenCount"] = script.cached_tokens
    if vertex:
        usage["trafficType"] = "ON_DEMAND"
    return usage


def _call_parts(script: Script) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    signature = script.extra.get("thought_signature")
    for i, call in enumerate(script.tool_calls or ()):
        args = json.loads(call.arguments) if isinstance(call.arguments, str) else call.arguments
        fc: dict[str, Any] = {"name": call.name, "args": args}
        if call.id:
            fc["id"] = call.id
        part: dict[str, Any] = {"functionCall": fc}
        if i == 0 and signature:
            part["thoughtSignature"] = signature  # only the first of parallel calls carries it
        parts.append(part)
    return parts


def _envelope(model: str, response_id: str, vertex: bool) -> dict[str, Any]:
    env: dict[str, Any] = {"modelVersion": model, "responseId": response_id}
    if vertex:
        env["createTime"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    return env


def _finish(script: Script) -> str:
    raw = script.extra.get("finish_reason")
    if raw:
        return str(raw)
    return FINISH.get(script.finish_reason or "stop", "OTHER")


def _generate(
    req: EmuRequest, emu: Emulator, body: dict[str, Any], model: str, vertex: bool, stream: bool
) -> Reply:
    script = emu.take_script(req.path) or Script()
    if script.error is not None and script.fault != "stream_error":
        reply = error_reply(script.error)
        reply.delay = script.delay
        return reply
    if script.fault == "disconnect":
        return Reply(disconnect=True, delay=script.delay)
    if script.fault == "html_error":
        status = script.error.status if script.error else 502
        return Reply(
            status, {"content-type": "text/html"}, b"<html><body>Error 502 (Server Error)</body></html>"
        )
    response_id = f"emu-{len(emu.requests)}"
    block = script.extra.get("block_reason")
    if block:
        blocked = {
            "promptFeedback": {
                "blockReason": block,
                "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}],
            },
            "usageMetadata": {
                "promptTokenCount": _prompt_tokens(body),
                "totalTokenCount": _prompt_tokens(body),
            },
            **_envelope(model, response_id, vertex),
        }
        if stream:
            return _sse([blocked], script, req)
        return json_reply(200, blocked)
    script = _plan(body, script)
    thinking = (body.get("generationConfig") or {}).get("thinkingConfig") or {}
    show_thoughts = bool(thinking.get("includeThoughts")) and bool(script.reasoning)
    if script.reasoning and not script.reasoning_tokens:
        script.reasoning_tokens = count_tokens(script.reasoning)
    text = script.text or ""
    finish = _finish(script)
    usage = _usage(body, script, text, vertex)
    if not stream:
        parts: list[dict[str, Any]] = []
        if show_thoughts:
            parts.append({"text": script.reasoning, "thought": True})
        if text and finish not in ("SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"):
            parts.append({"text": text})
        parts.extend(_call_parts(script))
        candidate: dict[str, Any] = {"finishReason": finish, "index": 0}
        if parts:
            candidate = {"content": {"role": "model", "parts": parts}, **candidate}
        obj = {"candidates": [candidate], "usageMetadata": usage, **_envelope(model, response_id, vertex)}
        reply = json_reply(200, obj)
        reply.delay = script.delay
        return reply

    chunks: list[dict[str, Any]] = []
    env = _envelope(model, response_id, vertex)
    if show_thoughts:
        for piece in split_text(script.reasoning or ""):
            chunks.append(
                {"candidates": [{"content": {"role": "model", "parts": [{"text": piece, "thought": True}]}}]}
            )
    if finish in ("SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"):
        text = ""
    pieces = split_text(text, script.chunk_chars, script.n_chunks) if text else []
    for piece in pieces:
        chunks.append({"candidates": [{"content": {"role": "model", "parts": [{"text": piece}]}}]})
    calls = _call_parts(script)
    last: dict[str, Any] = {"finishReason": finish, "index": 0}
    if calls:
        # Function calls arrive whole, in one chunk.
        last = {"content": {"role": "model", "parts": calls}, **last}
    elif chunks:
        # The final chunk carries the finish reason with the last text.
        last = {**chunks.pop()["candidates"][0], **last}
    chunks.append({"candidates": [last], "usageMetadata": usage})
    # Before the last chunk, Vertex AI sends only the traffic type; AI Studio the prompt count so far.
    partial = {"promptTokenCount": usage["promptTokenCount"], "totalTokenCount": usage["promptTokenCount"]}
    for c in chunks:
        c.update(env)
        c.setdefault("usageMetadata", {"trafficType": "ON_DEMAND"} if vertex else partial)
    return _sse(chunks, script, req)


def _sse(chunks: list[dict[str, Any]], script: Script, req: EmuRequest) -> Reply:
    if req.query.get("alt") != "sse":
        # Without alt=sse Google streams one JSON array of responses.
        body = json.dumps(chunks).encode()
        return Reply(200, {"content-type": "application/json; charset=UTF-8"}, body, delay=script.delay)

    def events() -> Iterator[bytes]:
        for i, chunk in enumerate(chunks):
            if script.fault == "no_terminator" and i == min(script.after, len(chunks) - 1):
                return
            if script.fault == "malformed" and i == script.after:
                yield b'data: {"candidates": [\r\n\r\n'
                return
            if script.fault == "stream_error" and i == script.after:
                err = script.error or ScriptedError(500, "An internal error has occurred.")
                status_name = err.type or STATUS_NAMES.get(err.status, "UNKNOWN")
                error = {"error": {"code": err.status, "message": err.message, "status": status_name}}
                yield b"data: " + json.dumps(error).encode() + b"\r\n\r\n"
                return
            yield b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\r\n\r\n"

    return Reply(
        200,
        {"content-type": "text/event-stream", "cache-control": "no-cache"},
        chunks=events(),
        delay=script.delay,
        chunk_delay=script.chunk_delay,
        cut_after=script.after if script.fault == "cut" else None,
    )


# ---------------------------------------------------------------- countTokens, embeddings


def _count_tokens(body: dict[str, Any], vertex: bool, resource: str) -> Reply:
    if vertex:
        allowed = {"contents", "systemInstruction", "tools", "generationConfig", "instances", "model"}
        request = body
    else:
        allowed = {"contents", "generateContentRequest"}
        if "contents" in body and "generateContentRequest" in body:
            raise Invalid("countTokens takes contents or generateContentRequest, not both")
        request = body.get("generateContentRequest") or {"contents": body.get("contents")}
        if "generateContentRequest" in body and request.get("model") != resource:
            raise Invalid(f"generateContentRequest.model must be {resource!r}")
    for key in body:
        if key not in allowed:
            raise Invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
    contents = request.get("contents")
    if not isinstance(contents, list) or not contents:
        raise Invalid("countTokens needs contents")
    for i, content in enumerate(contents):
        _check_content(content, f"contents[{i}]", vertex)
    total = _prompt_tokens(request)
    out: dict[str, Any] = {
        "totalTokens": total,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": total}],
    }
    if vertex:
        out["totalBillableCharacters"] = len(_texts(contents).replace(" ", ""))
    return json_reply(200, out)


def _embed(req: EmuRequest, emu: Emulator, requests: Any, resource: str | None, single: bool) -> Reply:
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(script.error)
    if not isinstance(requests, list) or not requests:
        raise Invalid("requests: at least one EmbedContentRequest is required")
    vectors: list[dict[str, Any]] = []
    allowed = {"model", "content", "taskType", "title", "outputDimensionality", "autoTruncate"}
    for i, one in enumerate(requests):
        if not isinstance(one, dict):
            raise Invalid(f"requests[{i}] must be an object")
        for key in one:
            if key not in allowed:
                raise Invalid(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
        if resource is not None:
            # AI Studio requires each request to name the model; Vertex AI lets it be empty.
            ok = (None, "", resource) if "/projects/" in req.path else (resource,)
            if one.get("model") not in ok:
                raise Invalid(f"requests[{i}].model must be {resource!r}")
        content = one.get("content")
        if not isinstance(content, dict) or not content.get("parts"):
            raise Invalid(f"requests[{i}].content is required")
        text = " ".join(p.get("text", "") for p in content["parts"])
        dims = int(one.get("outputDimensionality") or 8)
        seed = sum(map(ord, text)) or 1
        vectors.append({"values": [((seed * (j + 5)) % 89) / 89.0 - 0.5 for j in range(dims)]})
    if single:
        return json_reply(200, {"embedding": vectors[0]})
    return json_reply(200, {"embeddings": vectors})


# ---------------------------------------------------------------- Vertex AI partner models

# Publishers whose models Vertex AI serves through rawPredict / streamRawPredict, in their own format.
PARTNERS = frozenset({"anthropic", "mistralai", "ai21"})
# anthropic_version values Anthropic's SDKs send to Vertex AI (≤1.17 and litellm; ≥2.0).
ANTHROPIC_VERTEX_VERSIONS = frozenset({"vertex-2023-10-16", "2026-10-21"})


def _delegate(req: EmuRequest, path: str, headers: dict[str, str], body: dict[str, Any]) -> EmuRequest:
    return EmuRequest("POST", path, req.full_path, {}, headers, json.dumps(body).encode(), req.profile)


def _partner(
    req: EmuRequest,
    emu: Emulator,
    publisher: str,
    model: str,
    method: str,
    version: str,
    body: dict[str, Any],
) -> Reply:
    """Anthropic (Messages body, ``anthropic_version`` in the body, no ``model``), Mistral and AI21
    (OpenAI-like chat bodies that keep ``model``), answered by the emulator's own handlers for
    those formats."""
    from llmkit.emulator import anthropic as emu_anthropic
    from llmkit.emulator import openai as emu_openai
    from llmkit.emulator.profiles import PROFILES

    if method not in ("rawPredict", "streamRawPredict"):
        return error_reply(ScriptedError(404, f"Method {method} is not served for publisher {publisher}."))
    stream = method == "streamRawPredict"
    key = emu.api_key or "vertex-partner"
    if publisher == "anthropic":
        # Google's count-tokens example sends no anthropic_version; a message must carry one.
        given = body.get("anthropic_version")
        if given not in ANTHROPIC_VERTEX_VERSIONS and (model != "count-tokens" or given is not None):
            return error_reply(ScriptedError(400, "anthropic_version: a supported version is required"))
        inner = {k: v for k, v in body.items() if k != "anthropic_version"}
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json"}
        profile = PROFILES.get("anthropic") or Profile("anthropic", "llmkit.emulator.anthropic:handle")
        if model == "count-tokens":
            if "model" not in inner:
                return error_reply(ScriptedError(400, "count-tokens:rawPredict needs model in the body"))
            return emu_anthropic.handle(
                _delegate(req, "/v1/messages/count_tokens", headers, inner), emu, profile
            )
        if "model" in inner:
            return error_reply(ScriptedError(400, "model: Extra inputs are not permitted (it is in the URL)"))
        if bool(inner.get("stream")) != stream:
            return error_reply(ScriptedError(400, f"{method} and the body's stream flag disagree"))
        inner["model"] = model.split("@")[0]
        return emu_anthropic.handle(_delegate(req, "/v1/messages", headers, inner), emu, profile)
    if publisher == "ai21" and version != "v1beta1":
        return error_reply(ScriptedError(404, "AI21 models are served under v1beta1."))
    if not isinstance(body.get("model"), str) or not body["model"]:
        return error_reply(ScriptedError(400, "model is required in the body"))
    if bool(body.get("stream")) != stream:
        return error_reply(ScriptedError(400, f"{method} and the body's stream flag disagree"))
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    inner_req = _delegate(req, "/v1/chat/completions", headers, body)
    return emu_openai.handle(inner_req, emu, PROFILES["openai"])


def sample_for(schema: Any) -> Any:
    """A value matching a Gemini Schema (exposed for tests)."""
    return sample(_lower_types(schema))


__all__ = ["AI_STUDIO", "VERTEX", "VERTEX_MAAS", "error_reply", "handle", "sample_for"]
