"""The Messages and count-tokens endpoints: the request checked, the scripted faults, the answer."""

from __future__ import annotations

from llmkit.emulator._faults import early_reply
from llmkit.emulator.anthropic._answer import (
    content_blocks,
    output_tokens,
    plan,
    prompt_tokens,
    stop_details,
    stop_reason_of,
    usage_of,
)
from llmkit.emulator.anthropic._errors import error_reply, invalid
from llmkit.emulator.anthropic._stream import stream
from llmkit.emulator.anthropic._validate import (
    COUNT_FIELDS,
    MESSAGE_FIELDS,
    Invalid,
    check_generation,
    check_prompt,
)
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply


def messages(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return invalid("The request body is not valid JSON")
    try:
        turns = check_prompt(body, MESSAGE_FIELDS, generation=True)
        check_generation(body)
    except Invalid as exc:
        return invalid(str(exc))
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, error_reply, b"<html><body><h1>Bad Gateway</h1></body></html>")
    if early is not None:
        return early
    script = plan(body, turns, script)
    msg_id = f"msg_emu{len(emu.requests):04d}"
    stop_reason = stop_reason_of(script)
    stops = body.get("stop_sequences") or []
    stop_sequence = stops[0] if stop_reason == "stop_sequence" and stops else None
    if body.get("stream"):
        return stream(body, script, msg_id, stop_reason, stop_sequence)
    message = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content_blocks(script),
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        **({"stop_details": details} if (details := stop_details(script)) is not None else {}),
        "usage": usage_of(body, script, output_tokens(script)),
    }
    reply = json_reply(200, message, {"request-id": f"req_{msg_id}"})
    reply.delay = script.delay
    return reply


def count_tokens(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return invalid("The request body is not valid JSON")
    try:
        check_prompt(body, COUNT_FIELDS, generation=False)
    except Invalid as exc:
        return invalid(str(exc))
    script = emu.take_script(req.path)
    if script is not None and script.error is not None:
        return error_reply(script.error)
    tokens = (
        script.input_tokens if script is not None and script.input_tokens is not None else prompt_tokens(body)
    )
    return json_reply(200, {"input_tokens": tokens}, {"request-id": "req_emu_count"})
