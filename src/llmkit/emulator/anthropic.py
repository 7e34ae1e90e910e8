"""The Anthropic Messages handler, written from Anthropic's API documentation.

It shares no code with ``llmkit.dialects.anthropic`` on purpose: a misreading
in one shows up as a failure against the other.

What it checks, as the real API does:
- ``x-api-key`` (or ``Authorization: Bearer``) and an ``anthropic-version`` header;
- the body: required ``model``/``max_tokens``/``messages``, no unknown top-level
  fields, ``user``/``assistant`` roles only, known block shapes, tool results
  that answer the ``tool_use`` blocks of the turn right before them (and every
  ``tool_use`` answered), a thinking budget below ``max_tokens``, and thinking
  signatures that this emulator issued;
- consecutive turns of the same role are *accepted* and combined, as the
  Messages API reference says ("Consecutive user or assistant turns in your
  request will be combined into a single turn").

Errors use Anthropic's shape: ``{"type": "error", "error": {"type", "message"}, "request_id"}``.
Streams send every event type: ``message_start``, ``content_block_start``,
``ping``, ``content_block_delta`` (``text_delta``, ``input_json_delta``,
``thinking_delta``, ``signature_delta``), ``content_block_stop``,
``message_delta``, ``message_stop``, and ``error`` inside a 200 stream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

# Top-level fields of "Create a Message" (API reference, plus the sampling fields the docs list).
MESSAGE_FIELDS = frozenset(
    {
        "model",
        "messages",
        "max_tokens",
        "system",
        "metadata",
        "stop_sequences",
        "stream",
        "temperature",
        "top_p",
        "top_k",
        "tools",
        "tool_choice",
        "thinking",
        "service_tier",
        "cache_control",
        "container",
        "inference_geo",
        "output_config",
        "speed",
        "diagnostics",
        "mcp_servers",
        "context_management",
        "user_profile_id",
        "workspace_id",
    }
)
# "Count tokens in a Message" takes the same prompt fields, and no generation settings.
COUNT_FIELDS = frozenset(
    {
        "model",
        "messages",
        "system",
        "tools",
        "tool_choice",
        "thinking",
        "cache_control",
        "output_config",
        "speed",
        "mcp_servers",
        "context_management",
        "user_profile_id",
        "workspace_id",
    }
)
USER_BLOCKS = frozenset(
    {
        "text",
        "image",
        "document",
        "tool_result",
        "search_result",
        "container_upload",
        "web_search_tool_result",
    }
)
ASSISTANT_BLOCKS = frozenset(
    {"text", "tool_use", "thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result"}
)
STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SIG_PREFIX = "emusig1:"
_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class Invalid(Exception):
    """A request the real API would refuse with 400 invalid_request_error."""


# ---------------------------------------------------------------- replies


def _error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")


def error_body(err: ScriptedError, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": err.type or _error_type(err.status), "message": err.message},
        "request_id": request_id,
    }


def error_reply(err: ScriptedError, request_id: str = "req_emu_error") -> Reply:
    headers = {"request-id": request_id, **err.headers}
    return json_reply(err.status, error_body(err, request_id), headers)


def _invalid(message: str) -> Reply:
    return error_reply(ScriptedError(400, message, "invalid_request_error"))


def sign(thinking: str) -> str:
    """An opaque signature over thinking text, as only this emulator issues them."""
    digest = hashlib.sha256(thinking.encode()).hexdigest()[:40]
    return base64.b64encode((_SIG_PREFIX + digest).encode()).decode()


def _signature_ok(thinking: str, signature: Any) -> bool:
    return isinstance(signature, str) and signature == sign(thinking)


# ---------------------------------------------------------------- auth and routing


def check_auth(req: EmuRequest, emu: Emulator) -> Reply | None:
    key = req.headers.get("x-api-key")
    if not key:
        auth = req.headers.get("authorization", "")
        key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
    if not key:
        return error_reply(ScriptedError(401, "x-api-key header is required", "authentication_error"))
    if emu.api_key is not None and key != emu.api_key:
        return error_reply(ScriptedError(401, "invalid x-api-key", "authentication_error"))
    version = req.headers.get("anthropic-version")
    if not version:
        return _invalid("anthropic-version: header is required")
    if not _VERSION.match(version):
        return _invalid(f"anthropic-version: invalid version {version!r}")
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check_auth(req, emu)
    if denied is not None:
        return denied
    path = req.path.rstrip("/")
    if req.method == "GET" and path.endswith("/v1/models"):
        models = [{"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5"}]
        return json_reply(
            200, {"data": models, "has_more": False, "first_id": models[0]["id"], "last_id": None}
        )
    if req.method != "POST":
        return error_reply(ScriptedError(405, f"Method {req.method} not allowed", "invalid_request_error"))
    if path.endswith("/v1/messages/count_tokens"):
        return _count_tokens(req, emu)
    if path.endswith("/v1/messages"):
        return _messages(req, emu)
    return error_reply(ScriptedError(404, f"Not found: {req.method} {req.full_path}", "not_found_error"))


# ---------------------------------------------------------------- validation


def _combined_turns(messages: list[Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Messages as (role, blocks), consecutive same-role turns combined."""
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise Invalid(f"messages.{i}: Input should be an object")
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise Invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        content = m.get("content")
        if isinstance(content, str):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": content}] if content else []
        elif isinstance(content, list):
            blocks = []
            for j, b in enumerate(content):
                _check_block(b, role, f"messages.{i}.content.{j}")
                blocks.append(b)
        else:
            raise Invalid(f"messages.{i}.content: Input should be a valid string or list")
        if not blocks and not (role == "assistant" and i == len(messages) - 1):
            raise Invalid(
                f"messages.{i}: all messages must have non-empty content except for the optional final "
                "assistant message"
            )
        if turns and turns[-1][0] == role:
            turns[-1][1].extend(blocks)
        else:
            turns.append((role, blocks))
    return turns


def _check_source(source: Any, where: str, kinds: tuple[str, ...]) -> None:
    if not isinstance(source, dict) or source.get("type") not in kinds:
        raise Invalid(f"{where}.source: source.type must be one of {', '.join(kinds)}")
    kind = source["type"]
    if kind == "url" and not str(source.get("url", "")).startswith(("http://", "https://")):
        raise Invalid(f"{where}.source.url: must be an http(s) URL")
    if kind == "base64":
        data = source.get("data")
        if not isinstance(data, str) or not data or not source.get("media_type"):
            raise Invalid(f"{where}.source: base64 sources need media_type and data")
        try:
            base64.b64decode(data, validate=True)
        except ValueError:
            raise Invalid(f"{where}.source.data: invalid base64 data") from None
    if kind == "text" and not isinstance(source.get("data"), str):
        raise Invalid(f"{where}.source.data: text sources need a string")


def _check_block(b: Any, role: str, where: str) -> None:
    if not isinstance(b, dict) or not isinstance(b.get("type"), str):
        raise Invalid(f"{where}: content blocks must be objects with a type")
    kind = b["type"]
    allowed = USER_BLOCKS if role == "user" else ASSISTANT_BLOCKS
    if kind not in allowed:
        raise Invalid(f"{where}.type: block type {kind!r} is not allowed in a {role} turn")
    cache = b.get("cache_control")
    if cache is not None and (not isinstance(cache, dict) or cache.get("type") != "ephemeral"):
        raise Invalid(f"{where}.cache_control: only type 'ephemeral' is supported")
    if kind == "text":
        if not isinstance(b.get("text"), str) or not b["text"]:
            raise Invalid(f"{where}: text content blocks must be non-empty")
    elif kind == "image":
        _check_source(b.get("source"), where, ("base64", "url", "file"))
        src = b["source"]
        if src["type"] == "base64" and src.get("media_type") not in _IMAGE_TYPES:
            raise Invalid(f"{where}.source.media_type: must be one of {', '.join(sorted(_IMAGE_TYPES))}")
    elif kind == "document":
        _check_source(b.get("source"), where, ("base64", "url", "text", "content", "file"))
        src = b["source"]
        if src["type"] == "base64" and src.get("media_type") != "application/pdf":
            raise Invalid(f"{where}.source.media_type: base64 documents must be application/pdf")
    elif kind == "tool_use":
        if not b.get("id") or not b.get("name") or not isinstance(b.get("input"), dict):
            raise Invalid(f"{where}: tool_use blocks need id, name and an input object")
    elif kind == "tool_result":
        if not b.get("tool_use_id"):
            raise Invalid(f"{where}.tool_use_id: Field required")
        content = b.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise Invalid(f"{where}.content: must be a string or a list of blocks")
        for k, inner in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(inner, dict) or inner.get("type") not in (
                "text",
                "image",
                "document",
                "search_result",
            ):
                raise Invalid(
                    f"{where}.content.{k}: tool results hold text, image, document or search_result"
                )
            _check_block(inner, "user", f"{where}.content.{k}")
    elif kind == "thinking":
        if not isinstance(b.get("thinking"), str) or "signature" not in b:
            raise Invalid(f"{where}: thinking blocks need thinking and signature")
        if not _signature_ok(b["thinking"], b["signature"]):
            raise Invalid(f"{where}: Invalid `signature` in `thinking` block")
    elif kind == "redacted_thinking" and not isinstance(b.get("data"), str):
        raise Invalid(f"{where}.data: Field required")


def _check_tool_pairs(turns: list[tuple[str, list[dict[str, Any]]]]) -> None:
    for t, (role, blocks) in enumerate(turns):
        uses = [b["id"] for b in blocks if b["type"] == "tool_use"] if role == "assistant" else []
        nxt = turns[t + 1][1] if t + 1 < len(turns) else None
        answered = [b["tool_use_id"] for b in nxt or () if b["type"] == "tool_result"]
        if uses and nxt is not None and set(uses) - set(answered):
            missing = ", ".join(sorted(set(uses) - set(answered)))
            raise Invalid(
                f"messages.{t + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {missing}. Each `tool_use` block must have a corresponding `tool_result` block "
                "in the next message."
            )
        if role == "user":
            prev = {b["id"] for b in turns[t - 1][1] if b["type"] == "tool_use"} if t > 0 else set()
            for b in blocks:
                if b["type"] == "tool_result" and b["tool_use_id"] not in prev:
                    raise Invalid(
                        f"messages.{t}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{b['tool_use_id']}. Each `tool_result` block must have a corresponding `tool_use` "
                        "block in the previous message."
                    )


def _check_prompt(
    body: Any, fields: frozenset[str], *, generation: bool
) -> list[tuple[str, list[dict[str, Any]]]]:
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object")
    for key in body:
        if key not in fields:
            raise Invalid(f"{key}: Extra inputs are not permitted")
    required = ("model", "max_tokens", "messages") if generation else ("model", "messages")
    for key in required:
        if key not in body:
            raise Invalid(f"{key}: Field required")
    if not isinstance(body["model"], str) or not body["model"]:
        raise Invalid("model: Input should be a non-empty string")
    if not isinstance(body["messages"], list) or not body["messages"]:
        raise Invalid("messages: at least one message is required")
    turns = _combined_turns(body["messages"])
    _check_tool_pairs(turns)
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        if not isinstance(system, list):
            raise Invalid("system: Input should be a valid string or a list of text blocks")
        for i, b in enumerate(system):
            if not isinstance(b, dict) or b.get("type") != "text":
                raise Invalid(f"system.{i}: system blocks must be text blocks")
            _check_block(b, "user", f"system.{i}")
    for i, tool in enumerate(body.get("tools") or ()):
        if not isinstance(tool, dict) or not tool.get("name"):
            raise Invalid(f"tools.{i}.name: Field required")
        if tool.get("type", "custom") == "custom":
            schema = tool.get("input_schema")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise Invalid(f"tools.{i}.input_schema: must be a JSON schema of type 'object'")
    choice = body.get("tool_choice")
    if choice is not None:
        if not isinstance(choice, dict) or choice.get("type") not in ("auto", "any", "tool", "none"):
            raise Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
        if choice["type"] == "tool":
            names = {t.get("name") for t in body.get("tools") or () if isinstance(t, dict)}
            if not choice.get("name"):
                raise Invalid("tool_choice.name: Field required")
            if choice["name"] not in names:
                raise Invalid(f"tool_choice: tool {choice['name']!r} is not among the request's tools")
    thinking = body.get("thinking")
    if thinking is not None:
        if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled", "adaptive"):
            raise Invalid("thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'")
        if thinking["type"] == "enabled":
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or budget < 1024:
                raise Invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
            if generation and budget >= body.get("max_tokens", 0):
                raise Invalid("`max_tokens` must be greater than `thinking.budget_tokens`")
        if thinking["type"] != "disabled":
            _check_thinking_turn(turns)
    return turns


def _check_thinking_turn(turns: list[tuple[str, list[dict[str, Any]]]]) -> None:
    """With thinking on, an assistant turn whose tool use is being answered must start with its thinking."""
    if len(turns) < 2 or turns[-1][0] != "user" or turns[-2][0] != "assistant":
        return
    if not any(b["type"] == "tool_result" for b in turns[-1][1]):
        return
    blocks = turns[-2][1]
    if blocks and blocks[0]["type"] not in ("thinking", "redacted_thinking"):
        raise Invalid(
            "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
            f"`{blocks[0]['type']}`. When `thinking` is enabled, a final `assistant` message must start with "
            "a thinking block."
        )


def _check_generation(body: dict[str, Any]) -> None:
    max_tokens = body["max_tokens"]
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise Invalid("max_tokens: Input should be greater than or equal to 1")
    for key, hi in (("temperature", 1.0), ("top_p", 1.0)):
        v = body.get(key)
        if v is not None and (not isinstance(v, (int, float)) or not 0 <= v <= hi):
            raise Invalid(f"{key}: Input should be between 0 and {hi}")
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 0):
        raise Invalid("top_k: Input should be a non-negative integer")
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops)
    ):
        raise Invalid("stop_sequences: Input should be a list of non-empty strings")
    metadata = body.get("metadata")
    if metadata is not None and (not isinstance(metadata, dict) or set(metadata) - {"user_id"}):
        raise Invalid("metadata: only user_id is permitted")
    cache = body.get("cache_control")
    if cache is not None and (not isinstance(cache, dict) or cache.get("type") != "ephemeral"):
        raise Invalid("cache_control.type: Input should be 'ephemeral'")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise Invalid("stream: Input should be a valid boolean")


# ---------------------------------------------------------------- answering


def _text_of(blocks: list[dict[str, Any]]) -> str:
    return " ".join(b["text"] for b in blocks if b["type"] == "text")


def _plan(body: dict[str, Any], turns: list[tuple[str, list[dict[str, Any]]]], script: Script) -> Script:
    tools = [
        (t["name"], t.get("input_schema"))
        for t in body.get("tools") or ()
        if t.get("type", "custom") == "custom"
    ]
    choice = body.get("tool_choice") or {}
    forced = "none" if choice.get("type") == "none" else choice.get("name")
    fmt = (body.get("output_config") or {}).get("format") or {}
    schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
    last_role, last_blocks = turns[-1]
    results = [b for b in last_blocks if b["type"] == "tool_result"] if last_role == "user" else []
    if results and script.text is None and script.tool_calls is None:
        content = results[-1].get("content")
        shown = content if isinstance(content, str) else _text_of(content or [])
        script.text = "Thanks, the tool answered: " + shown[:200]
    thinking = body.get("thinking") or {}
    if thinking.get("type") in ("enabled", "adaptive") and script.reasoning is None:
        script.reasoning = "Let me think about how to answer this."
    user_text = _text_of(last_blocks) if last_role == "user" else ""
    return default_answer(user_text, tools, forced, schema, script)


def _stop_reason(script: Script) -> str:
    if script.finish_reason:
        return STOP_REASONS.get(script.finish_reason, script.finish_reason)
    return "tool_use" if script.tool_calls else "end_turn"


def _prompt_tokens(body: dict[str, Any]) -> int:
    prompt = {k: body[k] for k in ("system", "messages", "tools") if k in body}
    return count_tokens(json.dumps(prompt))


def _usage(body: dict[str, Any], script: Script, output: int) -> dict[str, Any]:
    total_in = script.input_tokens if script.input_tokens is not None else _prompt_tokens(body)
    written = int(script.extra.get("cache_creation_input_tokens", 0))
    read = script.cached_tokens
    return {
        "input_tokens": max(total_in - written - read, 0),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "output_tokens": output,
        "service_tier": "standard",
    }


def _output_tokens(script: Script) -> int:
    if script.output_tokens is not None:
        return script.output_tokens
    n = count_tokens(script.text or "") + count_tokens(script.reasoning or "")
    return n + sum(count_tokens(call_arguments(c)) for c in script.tool_calls or ())


def _blocks(script: Script) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if script.reasoning is not None:
        blocks.append({"type": "thinking", "thinking": script.reasoning, "signature": sign(script.reasoning)})
    redacted = script.extra.get("redacted_thinking")
    if isinstance(redacted, str):
        blocks.append({"type": "redacted_thinking", "data": redacted})
    if script.text:
        blocks.append({"type": "text", "text": script.text})
    for i, c in enumerate(script.tool_calls or ()):
        args = call_arguments(c)
        try:
            value = json.loads(args)
        except ValueError:
            value = {"_raw": args}  # the non-streamed API always returns an object
        blocks.append({"type": "tool_use", "id": c.id or f"toolu_emu{i:02d}", "name": c.name, "input": value})
    return blocks


def _messages(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return _invalid("The request body is not valid JSON")
    try:
        turns = _check_prompt(body, MESSAGE_FIELDS, generation=True)
        _check_generation(body)
    except Invalid as exc:
        return _invalid(str(exc))
    script = emu.take_script(req.path) or Script()
    if script.error is not None and script.fault != "stream_error":
        reply = error_reply(script.error)
        reply.delay = script.delay
        return reply
    if script.fault == "disconnect":
        return Reply(disconnect=True, delay=script.delay)
    if script.fault == "html_error":
        status = script.error.status if script.error else 502
        return Reply(status, {"content-type": "text/html"}, b"<html><body><h1>Bad Gateway</h1></body></html>")
    script = _plan(body, turns, script)
    msg_id = f"msg_emu{len(emu.requests):04d}"
    stop_reason = _stop_reason(script)
    stops = body.get("stop_sequences") or []
    stop_sequence = stops[0] if stop_reason == "stop_sequence" and stops else None
    if body.get("stream"):
        return _stream(body, script, msg_id, stop_reason, stop_sequence)
    message = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": _blocks(script),
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "usage": _usage(body, script, _output_tokens(script)),
    }
    reply = json_reply(200, message, {"request-id": f"req_{msg_id}"})
    reply.delay = script.delay
    return reply


def _event(obj: dict[str, Any]) -> bytes:
    return f"event: {obj['type']}\ndata: {json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def _stream(
    body: dict[str, Any], script: Script, msg_id: str, stop_reason: str, stop_sequence: str | None
) -> Reply:
    output = _output_tokens(script)
    usage = _usage(body, script, 1)
    args_size = int(script.extra.get("args_chunk", 5))

    def events() -> Iterator[bytes]:
        start = {
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        yield _event({"type": "message_start", "message": start})
        index = 0
        if script.reasoning is not None:
            yield _event(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": ""},
                }
            )
            yield _event({"type": "ping"})
            for piece in split_text(script.reasoning):
                delta = {"type": "thinking_delta", "thinking": piece}
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            delta = {"type": "signature_delta", "signature": sign(script.reasoning)}
            yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        redacted = script.extra.get("redacted_thinking")
        if isinstance(redacted, str):
            block = {"type": "redacted_thinking", "data": redacted}
            yield _event({"type": "content_block_start", "index": index, "content_block": block})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        if script.text:
            yield _event(
                {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}
            )
            if index == 0:
                yield _event({"type": "ping"})
            for piece in split_text(script.text, script.chunk_chars, script.n_chunks):
                delta = {"type": "text_delta", "text": piece}
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        for i, c in enumerate(script.tool_calls or ()):
            use: dict[str, Any] = {
                "type": "tool_use",
                "id": c.id or f"toolu_emu{i:02d}",
                "name": c.name,
                "input": {},
            }
            yield _event({"type": "content_block_start", "index": index, "content_block": use})
            # The first fragment is empty, as the real API often sends it.
            for piece in ["", *split_args(call_arguments(c), args_size)]:
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield _event({"type": "content_block_delta", "index": index, "delta": delta})
            yield _event({"type": "content_block_stop", "index": index})
            index += 1
        final_usage = {"output_tokens": output}
        stop = {"stop_reason": stop_reason, "stop_sequence": stop_sequence}
        yield _event({"type": "message_delta", "delta": stop, "usage": final_usage})
        yield _event({"type": "message_stop"})

    def faulty(source: Iterator[bytes]) -> Iterator[bytes]:
        for i, item in enumerate(source):
            if i == script.after:
                if script.fault == "no_terminator":
                    return
                if script.fault == "malformed":
                    yield b'event: content_block_delta\ndata: {"type": "content_block_delta", "index"\n\n'
                    return
                if script.fault == "stream_error":
                    err = script.error or ScriptedError(529, "Overloaded", "overloaded_error")
                    obj = error_body(err, f"req_{msg_id}")
                    obj.pop("request_id")
                    yield _event(obj)
                    return
            yield item

    chunks: Iterator[bytes] = events()
    if script.fault in ("no_terminator", "malformed", "stream_error"):
        chunks = faulty(chunks)
    return Reply(
        200,
        {"content-type": "text/event-stream", "cache-control": "no-cache", "request-id": f"req_{msg_id}"},
        chunks=chunks,
        delay=script.delay,
        chunk_delay=script.chunk_delay,
        cut_after=script.after if script.fault == "cut" else None,
    )


def _count_tokens(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return _invalid("The request body is not valid JSON")
    try:
        _check_prompt(body, COUNT_FIELDS, generation=False)
    except Invalid as exc:
        return _invalid(str(exc))
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(script.error)
    tokens = (
        script.input_tokens
        if script is not None and script.input_tokens is not None
        else _prompt_tokens(body)
    )
    return json_reply(200, {"input_tokens": tokens}, {"request-id": "req_emu_count"})


__all__ = ["handle", "sign"]
