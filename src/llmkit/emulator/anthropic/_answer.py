"""What a message answers, whether streamed or not: the plan, the stop reason, the usage, the blocks."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer
from llmkit.emulator.anthropic._signature import sign
from llmkit.emulator.script import Script

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def _text_of(blocks: list[dict[str, Any]]) -> str:
    return " ".join(b["text"] for b in blocks if b["type"] == "text")


def plan(body: dict[str, Any], turns: list[tuple[str, list[dict[str, Any]]]], script: Script) -> Script:
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


def stop_reason_of(script: Script) -> str:
    if script.refusal is not None:
        return "refusal"
    if script.finish_reason:
        return STOP_REASONS.get(script.finish_reason, script.finish_reason)
    return "tool_use" if script.tool_calls else "end_turn"


def prompt_tokens(body: dict[str, Any]) -> int:
    prompt = {k: body[k] for k in ("system", "messages", "tools") if k in body}
    return count_tokens(json.dumps(prompt))


def usage_of(body: dict[str, Any], script: Script, output: int) -> dict[str, Any]:
    total_in = script.input_tokens if script.input_tokens is not None else prompt_tokens(body)
    written = int(script.extra.get("cache_creation_input_tokens", 0))
    read = script.cached_tokens
    return {
        "input_tokens": max(total_in - written - read, 0),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "output_tokens": output,
        "service_tier": "standard",
    }


def output_tokens(script: Script) -> int:
    if script.output_tokens is not None:
        return script.output_tokens
    n = sum(count_tokens(t or "") for t in (script.text, script.reasoning, script.refusal))
    return n + sum(count_tokens(call_arguments(c)) for c in script.tool_calls or ())


def stop_details(script: Script) -> dict[str, Any] | None:
    """A refusal's details as the Messages API gives them (``RefusalStopDetails``: type, the
    policy category, a human-readable explanation); None for any other stop."""
    if script.refusal is None:
        return None
    category = script.extra.get("refusal_category")
    return {"type": "refusal", "category": category, "explanation": script.refusal or None}


def content_blocks(script: Script) -> list[dict[str, Any]]:
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
