"""What a Converse call answers, and the non-streamed answer itself."""

from __future__ import annotations

import json
import zlib
from typing import Any

from llmkit.emulator._content import call_arguments, count_tokens, default_answer
from llmkit.emulator.bedrock._aws import request_id
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.emulator.server import Reply

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "content_filtered",
}


def _last_user_text(body: dict[str, Any]) -> str:
    for m in reversed(body["messages"]):
        if m["role"] == "user":
            return " ".join(b["text"] for b in m["content"] if "text" in b)
    return ""


def _tool_results(body: dict[str, Any]) -> list[str]:
    last = body["messages"][-1]
    out: list[str] = []
    for block in last["content"]:
        if "toolResult" in block:
            out.extend(
                json.dumps(c.get("json", c.get("text"))) for c in block["toolResult"].get("content", [])
            )
    return out


def plan(body: dict[str, Any], script: Script) -> Script:
    tool_config = body.get("toolConfig") or {}
    tools = [
        (t["toolSpec"]["name"], t["toolSpec"]["inputSchema"]["json"])
        for t in tool_config.get("tools", ())
        if "toolSpec" in t
    ]
    choice = tool_config.get("toolChoice") or {}
    forced = (choice.get("tool") or {}).get("name")
    schema = None
    text_format = (body.get("outputConfig") or {}).get("textFormat") or {}
    if text_format.get("type") == "json_schema":
        schema = json.loads(text_format["structure"]["jsonSchema"]["schema"])
    results = _tool_results(body)
    if results and script.text is None and script.tool_calls is None:
        script.text = "Thanks, the tool answered: " + " ".join(results)[:200]
    fields = body.get("additionalModelRequestFields") or {}
    thinking = fields.get("thinking") if isinstance(fields, dict) else None
    if isinstance(thinking, dict) and thinking.get("type") == "enabled" and script.reasoning is None:
        script.reasoning = "Let me think about that step by step."
    return default_answer(_last_user_text(body), tools, forced, schema, script)


def reasoning_signature(text: str) -> str:
    return f"EmuSig{zlib.crc32(text.encode()):08x}"


def tool_use_id(i: int, call: ScriptedCall) -> str:
    return call.id or f"tooluse_emu{i:04d}"


def stop_reason_of(script: Script) -> str:
    if script.finish_reason:
        return STOP_REASONS.get(script.finish_reason, script.finish_reason)
    return "tool_use" if script.tool_calls else "end_turn"


def usage_of(body: dict[str, Any], script: Script) -> dict[str, Any]:
    inputs = script.input_tokens
    if inputs is None:
        inputs = count_tokens(json.dumps(body["messages"]) + json.dumps(body.get("system", [])))
    outputs = script.output_tokens
    if outputs is None:
        outputs = count_tokens((script.text or "") + (script.reasoning or "")) + sum(
            count_tokens(call_arguments(c)) for c in script.tool_calls or ()
        )
    # The scripted input is the whole prompt; Converse reports the part that missed the cache as
    # inputTokens and the cache reads and writes beside it, all three counted in totalTokens
    # (as a recorded live answer shows: tests/fixtures/bedrock/converse_cache_read.json).
    read = script.cached_tokens
    written = int(script.extra.get("cache_creation_input_tokens", 0))
    usage: dict[str, Any] = {
        "inputTokens": max(inputs - read - written, 0),
        "outputTokens": outputs,
        "totalTokens": inputs + outputs,
    }
    if read or written:
        usage["cacheReadInputTokens"] = read
        usage["cacheWriteInputTokens"] = written
    return usage


def converse_reply(body: dict[str, Any], script: Script, model_id: str) -> Reply:
    content: list[dict[str, Any]] = []
    if script.reasoning:
        reasoning = {"text": script.reasoning, "signature": reasoning_signature(script.reasoning)}
        content.append({"reasoningContent": {"reasoningText": reasoning}})
    if script.text:
        content.append({"text": script.text})
    for i, call in enumerate(script.tool_calls or ()):
        arguments = (
            json.loads(call_arguments(call)) if not isinstance(call.arguments, str) else call.arguments
        )
        content.append(
            {"toolUse": {"toolUseId": tool_use_id(i, call), "name": call.name, "input": arguments}}
        )
    answer = {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop_reason_of(script),
        "usage": usage_of(body, script),
        "metrics": {"latencyMs": 42},
    }
    headers = {"content-type": "application/json", "x-amzn-RequestId": request_id()}
    return Reply(200, headers, json.dumps(answer).encode(), delay=script.delay)
