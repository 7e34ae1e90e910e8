"""generateContent and streamGenerateContent: the plan, the usage, the parts, the stream."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from llmkit.emulator._content import count_tokens, default_answer, split_text
from llmkit.emulator._faults import early_reply, stream_reply
from llmkit.emulator.gemini._count_tokens import prompt_tokens
from llmkit.emulator.gemini._errors import error_reply, status_name
from llmkit.emulator.gemini._imagen import image_parts
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

FINISH = {
    "stop": "STOP",
    "tool_calls": "STOP",  # Gemini has no tool-call finish reason
    "length": "MAX_TOKENS",
    "content_filter": "SAFETY",
}


def lower_types(schema: Any) -> Any:
    """A Gemini Schema (upper-case types) as a JSON schema, for ``sample``."""
    if isinstance(schema, dict):
        return {k: (str(v).lower() if k == "type" else lower_types(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [lower_types(v) for v in schema]
    return schema


def _plan(body: dict[str, Any], script: Script) -> Script:
    tools: list[tuple[str, Any]] = []
    for tool in body.get("tools") or ():
        for decl in tool.get("functionDeclarations") or ():
            params = decl.get("parametersJsonSchema") or lower_types(decl.get("parameters"))
            tools.append((decl["name"], params))
    cfg = (body.get("toolConfig") or {}).get("functionCallingConfig") or {}
    forced: str | None = None
    if cfg.get("mode") == "NONE":
        forced = "none"
    elif cfg.get("allowedFunctionNames"):
        forced = cfg["allowedFunctionNames"][0]
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or lower_types(config.get("responseSchema"))
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
    prompt = script.input_tokens if script.input_tokens is not None else prompt_tokens(body)
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


def generate(
    req: EmuRequest, emu: Emulator, body: dict[str, Any], model: str, vertex: bool, stream: bool
) -> Reply:
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply, b"<html><body>Error 502 (Server Error)</body></html>")
    if early is not None:
        return early
    response_id = f"emu-{len(emu.requests)}"
    block = script.extra.get("block_reason")
    if block:
        blocked = {
            "promptFeedback": {
                "blockReason": block,
                "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}],
            },
            "usageMetadata": {
                "promptTokenCount": prompt_tokens(body),
                "totalTokenCount": prompt_tokens(body),
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
        parts.extend(image_parts(body, finish))
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
    calls = _call_parts(script) + image_parts(body, finish)
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
                error = {"error": {"code": err.status, "message": err.message, "status": status_name(err)}}
                yield b"data: " + json.dumps(error).encode() + b"\r\n\r\n"
                return
            yield b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\r\n\r\n"

    return stream_reply(script, {"content-type": "text/event-stream", "cache-control": "no-cache"}, events())
