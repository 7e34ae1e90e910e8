"""GigaChat's departures from OpenAI Chat Completions, as pure rewrites of the JSON bodies.

GigaChat (``/api/v1/chat/completions``) speaks the older OpenAI *functions* format, not tools
(the official SDK's ``Chat``/``Messages`` models): the request carries ``functions`` and
``function_call`` (``"auto"``, ``"none"`` or ``{"name"}``); an assistant turn carries one
``function_call {name, arguments: <object>}``; a function's result goes back as a
``{"role": "function", "name", "content": <JSON text>}`` message; the answer ends with
``finish_reason: "function_call"``. Calls carry no id: llmkit gives each one
``call_<n>`` (its position in the answer), or ``gcs_<functions_state_id>`` when GigaChat sent
a state id with it (sent back on the assistant turn), and maps a tool result's id back to the name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmkit.errors import NotSupportedError

# A tool call id made of the ``functions_state_id`` GigaChat returned with the call (UNCONFIRMED
# in GigaChat's docs for user functions, which say to send it back on the assistant message).
STATE_PREFIX = "gcs_"
_COMPACT = {"ensure_ascii": False, "separators": (",", ":")}


def to_gigachat_body(body: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI Chat Completions body rewritten in GigaChat's functions format (in place)."""
    tools = body.pop("tools", None)
    if tools:
        body["functions"] = [_function(t) for t in tools]
    choice = body.pop("tool_choice", None)
    if choice is not None:
        body["function_call"] = _function_call(choice, body.get("functions") or [])
    body.pop("parallel_tool_calls", None)
    if "stop" in body:
        raise NotSupportedError("gigachat has no stop sequences (its API takes no stop field); drop stop=")
    rf = body.get("response_format")
    if isinstance(rf, dict) and rf.get("type") == "json_schema" and isinstance(rf.get("json_schema"), dict):
        # GigaChat's shape (the SDK's JsonSchemaResponseFormat; the live cassette): the schema at
        # the top, no name.
        js = rf["json_schema"]
        body["response_format"] = {"type": "json_schema", "schema": js.get("schema") or {}}
        if js.get("strict") is not None:
            body["response_format"]["strict"] = js["strict"]
    body["messages"] = _messages(body.get("messages") or [])
    return body


def _function(tool: Mapping[str, Any]) -> dict[str, Any]:
    fn = dict(tool.get("function") or {})
    fn.pop("strict", None)  # GigaChat's Function has no strict flag
    return fn


def _function_call(choice: Any, functions: list[dict[str, Any]]) -> Any:
    if isinstance(choice, dict):
        return {"name": (choice.get("function") or {}).get("name")}
    if choice in ("auto", "none"):
        return choice
    # "required": GigaChat can only be forced to one named function.
    if len(functions) == 1:
        return {"name": functions[0].get("name")}
    raise NotSupportedError(
        "gigachat: tool_choice='required' has no GigaChat equivalent with several tools; "
        "force one with tool_choice=ForcedTool(name) or use 'auto'"
    )


def _messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool call id -> function name, for the results that follow
    for m in messages:
        calls = m.get("tool_calls")
        if m.get("role") == "assistant" and calls:
            text = m.get("content") or ""
            for call in calls:  # GigaChat holds one call per assistant message
                fn = call.get("function") or {}
                call_id = str(call.get("id"))
                names[call_id] = fn.get("name") or ""
                turn = {
                    "role": "assistant",
                    "content": text,
                    "function_call": _call(fn.get("name"), fn.get("arguments")),
                }
                if call_id.startswith(STATE_PREFIX):
                    # The id GigaChat gave the call: sent back as its state, as its docs ask.
                    turn["functions_state_id"] = call_id[len(STATE_PREFIX) :]
                out.append(turn)
                text = ""
        elif m.get("role") == "tool":
            name = m.get("name") or names.get(str(m.get("tool_call_id")), "")
            out.append({"role": "function", "name": name, "content": _result(m.get("content"))})
        else:
            m.pop("tool_call_id", None)
            out.append(m)
    return out


def _call(name: Any, arguments: Any) -> dict[str, Any]:
    try:
        args = json.loads(arguments) if isinstance(arguments, str) and arguments else {}
    except ValueError:
        args = {}
    return {"name": name, "arguments": args if isinstance(args, dict) else {}}


def _result(content: Any) -> str:
    """A function result as GigaChat wants it: JSON text. Text that is not JSON is wrapped as
    ``{"result": <text>}`` (the service rejects bare text in a function message)."""
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    text = content if isinstance(content, str) else json.dumps(content, **_COMPACT)  # type: ignore[arg-type]
    try:
        json.loads(text)
    except ValueError:
        return json.dumps({"result": text}, **_COMPACT)  # type: ignore[arg-type]
    return text


def to_openai_message(message: dict[str, Any], ordinal: int = 0) -> dict[str, Any]:
    """An answer's (or a delta's) ``function_call`` as an OpenAI ``tool_calls`` entry."""
    fc = message.get("function_call")
    if not isinstance(fc, dict):
        return message
    out = {k: v for k, v in message.items() if k not in ("function_call", "functions_state_id")}
    state = message.get("functions_state_id")
    call_id = STATE_PREFIX + state if isinstance(state, str) and state else f"call_{ordinal}"
    args = fc.get("arguments")
    raw = args if isinstance(args, str) else json.dumps(args if args is not None else {}, **_COMPACT)  # type: ignore[arg-type]
    out["tool_calls"] = [
        {
            "index": ordinal,
            "id": call_id,
            "type": "function",
            "function": {"name": fc.get("name"), "arguments": raw},
        }
    ]
    return out


def to_openai_answer(obj: Any) -> Any:
    """A chat answer or stream chunk with function calls, finish reasons and usage in OpenAI's terms."""
    if not isinstance(obj, dict):
        return obj
    choices = obj.get("choices")
    if isinstance(choices, list):
        fixed = []
        for c in choices:
            if isinstance(c, dict):
                c = dict(c)
                for key in ("message", "delta"):
                    if isinstance(c.get(key), dict):
                        c[key] = to_openai_message(c[key])
                if c.get("finish_reason") == "function_call":
                    c["finish_reason"] = "tool_calls"
            fixed.append(c)
        obj = {**obj, "choices": fixed}
    usage = obj.get("usage")
    if isinstance(usage, dict) and usage.get("precached_prompt_tokens"):
        obj = {
            **obj,
            "usage": {**usage, "prompt_tokens_details": {"cached_tokens": usage["precached_prompt_tokens"]}},
        }
    return obj


def embeddings_usage(obj: Any) -> dict[str, int] | None:
    """GigaChat puts ``usage.prompt_tokens`` on each embedding, none at the top: their sum."""
    rows = obj.get("data") if isinstance(obj, dict) else None
    if not isinstance(rows, list):
        return None
    total = 0
    for row in rows:
        usage = row.get("usage") if isinstance(row, dict) else None
        tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
        if isinstance(tokens, int) and not isinstance(tokens, bool):
            total += tokens
    return {"prompt_tokens": total, "total_tokens": total}


def error_fields(body: Any) -> tuple[str, str | None, str | None]:
    """``(message, type, code)`` from GigaChat's ``{"status", "message"}`` error body."""
    if isinstance(body, dict):
        message = body.get("message")
        status = body.get("status")
        if isinstance(message, str):
            return message, None, str(status) if status is not None else None
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"], err.get("type"), err.get("code")
    text = body if isinstance(body, str) else ""
    return (text[:300] or "GigaChat answered an error without a message"), None, None
