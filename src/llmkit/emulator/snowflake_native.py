"""Cortex's own ``inference:complete`` and ``inference:embed``, from cortex-inference.yaml and
cortex-embed.yaml (snowflakedb/snowflake-rest-api-specs@42671a90).

``inference:complete`` checks the ``CompleteRequest`` body (known fields only, ``model`` and a
non-empty ``messages``; each message a role with ``content`` or a ``content_list`` of typed items;
``tools`` as ``tool_spec``; ``tool_results`` answering a ``tool_use``) and answers in events: typed
deltas (``text`` ``content``, ``tool_use`` with its id and name first, then ``input`` as string
fragments), the last event carrying ``usage`` (``guard_tokens`` too when ``guardrails`` are on).
``stream: false`` gets the spec's ``NonStreamingCompleteResponse``. Faults: ``cut`` drops the
connection, ``no_terminator`` leaves out the usage event, ``malformed`` corrupts an event,
``stream_error`` sends ``{"error": {"message"}}`` (the shape snowflake-ml's client reads).
"""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator._faults import break_stream, early_reply, stream_reply
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply
from llmkit.emulator.snowflake import error, scripted_error

COMPLETE_FIELDS = frozenset(
    {
        "model", "anthropic", "openai", "messages", "temperature", "top_p", "max_tokens",
        "max_output_tokens", "response_format", "guardrails", "tools", "tool_choice",
        "provisioned_throughput_id", "stream", "sf-ml-xp-inflight-prompt-action",
        "sf-ml-xp-inflight-prompt-client-id", "sf-ml-xp-inflight-prompt-public-key",
    }
)  # fmt: skip
ITEM_TYPES = frozenset({"text", "tool_results", "tool_use", "image", "anthropic", "openai"})
EMBED_FIELDS = frozenset({"model", "text", "provisioned_throughput_id"})


class Invalid(Exception):
    pass


def _check_item(item: Any, role: str, pending: set[str]) -> None:
    if not isinstance(item, dict) or item.get("type") not in ITEM_TYPES:
        raise Invalid(f"content_list items need a type of {sorted(ITEM_TYPES)}")
    kind = item["type"]
    if kind == "text" and not isinstance(item.get("text"), str):
        raise Invalid("a text item needs text")
    if kind == "tool_use":
        use = item.get("tool_use") or {}
        if role != "assistant" or not all(k in use for k in ("tool_use_id", "name", "input")):
            raise Invalid("tool_use items belong to assistant messages, with tool_use_id, name and input")
        if not isinstance(use["input"], dict):
            raise Invalid("tool_use.input must be an object")
        pending.add(use["tool_use_id"])
    if kind == "tool_results":
        res = item.get("tool_results") or {}
        if not all(k in res for k in ("tool_use_id", "name", "content")):
            raise Invalid("tool_results need tool_use_id, name and content")
        if res["tool_use_id"] not in pending:
            raise Invalid(f"tool_results for unknown tool_use_id {res['tool_use_id']!r}")
        if not isinstance(res["content"], list) or not all(
            c.get("type") in ("text", "json") for c in res["content"]
        ):
            raise Invalid("tool_results.content is a list of text or json items")
    if kind == "image":
        details = item.get("details") or {}
        if details.get("type") != "base64" or not details.get("content") or not details.get("content_type"):
            raise Invalid("image items carry details {type: base64, content, content_type}")


def check_body(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    unknown = sorted(k for k in body if k not in COMPLETE_FIELDS)
    if unknown:
        raise Invalid(f"unknown field(s): {', '.join(unknown)}")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise Invalid("model is required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Invalid("messages must be a non-empty list")
    pending: set[str] = set()
    for i, msg in enumerate(messages):
        role = msg.get("role", "user") if isinstance(msg, dict) else None
        if role not in ("system", "user", "assistant") or (role == "system" and i):
            raise Invalid(f"messages[{i}]: role must be user or assistant (system only first)")
        if "content" not in msg and "content_list" not in msg:
            raise Invalid(f"messages[{i}] needs content or content_list")
        if "content" in msg and not isinstance(msg["content"], str):
            raise Invalid(f"messages[{i}].content must be a string")
        for item in msg.get("content_list") or ():
            _check_item(item, role, pending)
    for tool in body.get("tools") or ():
        spec = tool.get("tool_spec") if isinstance(tool, dict) else None
        if not isinstance(spec, dict) or not spec.get("type") or not spec.get("name"):
            raise Invalid("tools need tool_spec {type, name}")
    choice = body.get("tool_choice")
    if choice is not None and choice.get("type") not in ("auto", "required", "tool", "none"):
        raise Invalid("tool_choice.type must be auto, required or tool")
    if body.get("response_format") is not None and body["response_format"].get("type") != "json":
        raise Invalid("response_format.type must be json")
    return messages


def _last_text(messages: list[dict[str, Any]]) -> str:
    msg = messages[-1]
    if "content" in msg:
        return str(msg["content"])
    return " ".join(i.get("text", "") for i in msg.get("content_list") or () if i.get("type") == "text")


def _plan(body: dict[str, Any], messages: list[dict[str, Any]], script: Script) -> Script:
    tools = [
        (t["tool_spec"]["name"], t["tool_spec"].get("input_schema") or {}) for t in body.get("tools") or ()
    ]
    choice = body.get("tool_choice") or {}
    forced = (choice.get("name") or [None])[0] if choice.get("type") == "tool" else None
    schema = (body.get("response_format") or {}).get("schema")
    # A turn that answers tool results gets text, as a model would.
    answered = any(i.get("type") == "tool_results" for i in messages[-1].get("content_list") or ())
    return default_answer(_last_text(messages), [] if answered else tools, forced, schema, script)


def _usage(body: dict[str, Any], script: Script, text: str) -> dict[str, Any]:
    prompt = (
        script.input_tokens if script.input_tokens is not None else count_tokens(json.dumps(body["messages"]))
    )
    completion = script.output_tokens if script.output_tokens is not None else max(count_tokens(text), 1)
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion}
    guard = 0
    if (body.get("guardrails") or {}).get("enabled"):
        guard = prompt + completion
        usage["guard_tokens"] = guard
    usage["total_tokens"] = prompt + completion + guard
    return usage


def _events(body: dict[str, Any], script: Script, rid: str) -> list[dict[str, Any]]:
    base = {"id": rid, "model": body["model"]}
    out = [
        {**base, "choices": [{"delta": {"type": "text", "content": piece}}]}
        for piece in (split_text(script.text, script.chunk_chars, script.n_chunks) if script.text else [])
    ]
    for n, call in enumerate(script.tool_calls or ()):
        call_id = call.id or f"toolu_emu{n:02d}"
        out.append(
            {
                **base,
                "choices": [
                    {"delta": {"type": "tool_use", "tool_use_id": call_id, "name": call.name, "input": ""}}
                ],
            }
        )
        for fragment in split_args(call_arguments(call)):
            out.append(
                {
                    **base,
                    "choices": [{"delta": {"type": "tool_use", "tool_use_id": call_id, "input": fragment}}],
                }
            )
    out.append({**base, "choices": [], "usage": _usage(body, script, script.text or "")})
    return out


def _sse(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def complete(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        body: dict[str, Any] = json.loads(req.body or b"null")
        messages = check_body(body)
    except (ValueError, Invalid, AttributeError, TypeError) as exc:
        return error(400, f"Invalid request: {exc}", "390142")
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, scripted_error)
    if early is not None:
        return early
    script = _plan(body, messages, script)
    rid = f"cortex-emu-{len(emu.requests):04d}"
    events = _events(body, script, rid)
    if body.get("stream") is False:
        return json_reply(200, _non_streaming(events))
    chunks: list[bytes] = [_sse(e) for e in events]
    if script.fault == "no_terminator":
        chunks = chunks[:-1]
    elif script.fault in ("malformed", "stream_error"):
        chunks = list(
            break_stream(
                chunks,
                script,
                lambda ev: ev[:-4] + b"}\n\n",
                lambda: [
                    _sse(
                        {
                            "error": {
                                "message": script.error.message if script.error else "Cortex stream failed"
                            }
                        }
                    )
                ],
            )
        )
    return stream_reply(script, {"content-type": "text/event-stream"}, chunks)


def _non_streaming(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The spec's NonStreamingCompleteResponse: content_list items; finish_reason and usage on top."""
    text = "".join(
        e["choices"][0]["delta"].get("content", "")
        for e in events
        if e["choices"] and e["choices"][0]["delta"]["type"] == "text"
    )
    items: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    calls: dict[str, dict[str, Any]] = {}
    for e in events:
        delta = e["choices"][0]["delta"] if e["choices"] else {}
        if delta.get("type") == "tool_use":
            slot = calls.setdefault(
                delta["tool_use_id"],
                {"tool_use_id": delta["tool_use_id"], "name": delta.get("name"), "input": ""},
            )
            slot["input"] += delta["input"]
    for call in calls.values():
        items.append({"type": "tool_use", "tool_use": {**call, "input": json.loads(call["input"] or "{}")}})
    return {
        "choices": [{"message": {"content": text, "content_list": items}}],
        "finish_reason": "tool_calls" if calls else "stop",
        "usage": events[-1]["usage"],
    }


def embed(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        body = json.loads(req.body) if req.body else None
    except ValueError:
        return error(400, "Invalid request: the body is not JSON", "390142")
    if not isinstance(body, dict) or sorted(k for k in body if k not in EMBED_FIELDS):
        return error(
            400, "Invalid request: known fields are model, text, provisioned_throughput_id", "390142"
        )
    texts = body.get("text")
    if not isinstance(body.get("model"), str) or not isinstance(texts, list) or not texts:
        return error(400, "Invalid request: model and a non-empty text list are required", "390142")
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return scripted_error(script.error)
    data = []
    for i, text in enumerate(texts):
        seed = sum(map(ord, str(text))) or 1
        vec = [((seed * (j + 3)) % 97) / 97.0 - 0.5 for j in range(8)]
        data.append({"object": "embedding", "embedding": [vec], "index": i})
    tokens = sum(count_tokens(str(t)) for t in texts)
    return json_reply(
        200, {"object": "list", "data": data, "model": body["model"], "usage": {"total_tokens": tokens}}
    )
