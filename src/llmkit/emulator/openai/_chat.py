"""Chat completions: the request checked, the scripted faults, the non-streamed answer."""

from __future__ import annotations

import time
from typing import Any

from llmkit.emulator._content import call_arguments
from llmkit.emulator._faults import early_reply
from llmkit.emulator.openai._answer import FINISH, plan, request_id_envelope, reshape, usage_of
from llmkit.emulator.openai._errors import error_reply
from llmkit.emulator.openai._stream import stream
from llmkit.emulator.openai._validate import Invalid, allowed_fields, validate_chat
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply


def chat(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    try:
        body = req.json()
    except ValueError:
        return error_reply(profile, ScriptedError(400, "We could not parse the JSON body of your request."))
    try:
        validate_chat(body, profile, allowed_fields(req, profile))
    except Invalid as exc:
        return error_reply(profile, ScriptedError(400, str(exc), code=exc.code, param=exc.param))
    script = emu.take_script(req.path) or Script()
    early = early_reply(
        script,
        lambda err: error_reply(profile, err),
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
    )
    if early is not None:
        return early
    script = plan(body, script)
    created = int(time.time())
    cid = f"chatcmpl-emu{len(emu.requests)}"
    if body.get("stream"):
        return stream(body, script, cid, created, profile)
    calls = [
        {
            "id": c.id or f"call_{i}",
            "type": "function",
            "function": {"name": c.name, "arguments": call_arguments(c)},
        }
        for i, c in enumerate(script.tool_calls or ())
    ]
    text = script.text or ""
    message: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": script.refusal}
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
        "usage": usage_of(body, script, text, profile),
        "system_fingerprint": "fp_emulator",
    }
    if profile.extra.get("x_groq"):  # Groq's own metadata object, with its request id
        obj["x_groq"] = {"id": f"req_{cid}"}
    obj.update(profile.extra.get("response_fields", {}))
    obj.update(script.extra.get("response_fields", {}))
    if profile.extra.get("request_id_envelope"):
        obj = request_id_envelope(obj, f"req_{cid}")
    reply = json_reply(200, reshape(obj, profile), {"x-request-id": f"req_{cid}"})
    reply.delay = script.delay
    return reply
