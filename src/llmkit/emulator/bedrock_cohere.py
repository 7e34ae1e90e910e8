"""Cohere Command R / R+ on Bedrock through InvokeModel and InvokeModelWithResponseStream,
written from AWS's "Cohere Command R and Command R+ models" parameters page, not from llmkit's
dialect: SigV4 (signing name ``bedrock``); the body's documented fields only, ``message``
required, ``chat_history`` turns ``USER``/``CHATBOT`` (``SYSTEM``, ``TOOL`` too); answers
``{response_id, text, generation_id, finish_reason, tool_calls?, chat_history, meta}``; a stream
is ``chunk`` frames, each ``{"bytes": base64(event)}``: ``stream-start``, ``text-generation``\\ s,
``tool-calls-generation``, ``stream-end`` (with ``amazon-bedrock-invocationMetrics``)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any
from urllib.parse import unquote

from llmkit.emulator._content import count_tokens
from llmkit.emulator._faults import early_reply
from llmkit.emulator.bedrock import _bearer_ok
from llmkit.emulator.bedrock._aws import check_sigv4, request_id
from llmkit.emulator.bedrock._errors import error, scripted_error
from llmkit.emulator.bedrock._errors import error as bedrock_error
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply
from llmkit.framing.eventstream_encode import encode_event

FIELDS = frozenset(
    {
        "message",
        "chat_history",
        "documents",
        "search_queries_only",
        "preamble",
        "max_tokens",
        "temperature",
        "p",
        "k",
        "prompt_truncation",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "return_prompt",
        "tools",
        "tool_results",
        "stop_sequences",
        "raw_prompting",
    }
)
_PATH = re.compile(r"^/model/([^/]+)/(invoke|invoke-with-response-stream)$")
_ROLES = {"USER", "CHATBOT", "SYSTEM", "TOOL"}


def _check(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    extra = sorted(set(body) - FIELDS)
    if extra:
        return f"extraneous key [{extra[0]}] is not permitted"
    if not isinstance(body.get("message"), str):
        return "#: required key [message] not found"
    if not body["message"] and not body.get("tool_results"):
        return "#/message: must not be empty"
    for turn in body.get("chat_history", []):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in _ROLES
            or not isinstance(turn.get("message"), str)
        ):
            return "#/chat_history: each turn needs role USER|CHATBOT|SYSTEM|TOOL and a message"
    for tool in body.get("tools", []):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or "description" not in tool:
            return "#/tools: each tool needs name and description"
        for d in (tool.get("parameter_definitions") or {}).values():
            if not isinstance(d, dict) or "type" not in d:
                return "#/tools/parameter_definitions: each needs a type"
    for r in body.get("tool_results", []):
        if (
            not isinstance(r, dict)
            or not isinstance(r.get("call"), dict)
            or not isinstance(r.get("outputs"), list)
        ):
            return "#/tool_results: each needs call and outputs"
    return None


def _answer(body: dict[str, Any], script: Script) -> tuple[dict[str, Any], int, int]:
    text = script.text if script.text is not None else "Hello from Command R."
    calls = [{"name": c.name, "parameters": c.arguments} for c in script.tool_calls or ()]
    prompt = json.dumps(body)
    i, o = script.input_tokens or count_tokens(prompt), script.output_tokens or count_tokens(text)
    raw = {"length": "MAX_TOKENS", "content_filter": "ERROR_TOXIC"}.get(
        script.finish_reason or "", "COMPLETE"
    )
    answer: dict[str, Any] = {
        "response_id": str(uuid.uuid4()),
        "text": "" if calls else text,
        "generation_id": str(uuid.uuid4()),
        "chat_history": [*body.get("chat_history", []), {"role": "USER", "message": body["message"]}],
        "finish_reason": raw,
        "meta": {"api_version": {"version": "1"}, "billed_units": {"input_tokens": i, "output_tokens": o}},
    }
    if calls:
        answer["tool_calls"] = calls
    return answer, i, o


def _chunk(event: dict[str, Any]) -> bytes:
    return encode_event(
        "chunk", json.dumps({"bytes": base64.b64encode(json.dumps(event).encode()).decode()}).encode()
    )


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    # InvokeModel takes a Bedrock API key as a bearer token as well as SigV4, as Converse does.
    bearer = _bearer_ok(req, emu)
    if bearer is False:
        return bedrock_error(
            403, "Invalid API Key format: Must start with pre-defined prefix", "AccessDeniedException"
        )
    if bearer is None:
        denied = check_sigv4(req, profile, "bedrock")
        if denied is not None:
            return denied
    found = _PATH.match(req.path)
    if req.method != "POST" or found is None:
        return error(404, f"Unknown operation: {req.method} {req.path}", "UnknownOperationException")
    # Any model id is served (as the fleet's profiles do): the body is what is checked.
    if not unquote(found.group(1)):
        return error(400, "1 validation error detected: Value at 'modelId' failed to satisfy constraint")
    try:
        body = json.loads(req.body)
    except ValueError:
        return error(400, "Malformed input request, please reformat your input and try again.")
    problem = _check(body)
    if problem is not None:
        return error(400, f"Malformed input request: {problem}, please reformat your input and try again.")
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, scripted_error)
    if early is not None:
        return early
    answer, i, o = _answer(body, script)
    headers = {
        "x-amzn-RequestId": request_id(),
        "X-Amzn-Bedrock-Input-Token-Count": str(i),
        "X-Amzn-Bedrock-Output-Token-Count": str(o),
    }
    if found.group(2) == "invoke":
        return Reply(200, {"content-type": "application/json", **headers}, json.dumps(answer).encode())
    frames = [
        _chunk({"is_finished": False, "event_type": "stream-start", "generation_id": answer["generation_id"]})
    ]
    for word in re.findall(r"\S+\s*", answer["text"]):
        frames.append(_chunk({"is_finished": False, "event_type": "text-generation", "text": word}))
    if "tool_calls" in answer:
        frames.append(
            _chunk(
                {
                    "is_finished": False,
                    "event_type": "tool-calls-generation",
                    "text": "",
                    "tool_calls": answer["tool_calls"],
                }
            )
        )
    end = {
        "is_finished": True,
        "event_type": "stream-end",
        "finish_reason": answer["finish_reason"],
        "response": answer,
        "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": i,
            "outputTokenCount": o,
            "invocationLatency": 17,
            "firstByteLatency": 5,
        },
    }
    frames.append(_chunk(end))
    reply = Reply(200, {"content-type": "application/vnd.amazon.eventstream", **headers}, b"", chunks=frames)
    if script.fault == "cut":
        reply.cut_after = script.after
    return reply
