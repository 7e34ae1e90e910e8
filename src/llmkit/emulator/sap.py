"""SAP AI Core, emulated from SAP's documentation and published specs (AI_CORE_API.yaml,
orchestration/api.yaml), not from llmkit's dialect:

* ``POST /oauth/token`` (XSUAA): ``grant_type=client_credentials`` with a registered client id and
  secret in the form; answers ``{access_token, token_type, expires_in, scope, jti}`` with a short,
  configurable lifetime, or ``{"error": "unauthorized", ...}`` with 401;
* ``GET /v2/lm/deployments?scenarioId=&status=`` in the ``AI-Resource-Group``: the registered
  deployments (one RUNNING orchestration deployment per resource group by default);
* ``POST /v2/inference/deployments/{id}/v2/completion`` (JSON, or SSE when
  ``config.stream.enabled``) and ``/embeddings``, answering from the emulator's scripts.

Errors use AI Core's shapes: ``{"error": {code, message, requestId}}`` for the API,
``{"error": {request_id, code, message, location}}`` for the orchestration service.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_args, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

PROFILE = Profile("sap", "llmkit.emulator.sap:handle", base_path="", auth_headers=(), credentials="sap_xsuaa")

CLIENT_ID = "sb-emulator-client!b1|aicore!b540"
CLIENT_SECRET = "emulator-secret-0123456789abcdef"
DEPLOYMENT_ID = "d7e8f9a0b1c2d3e4"


@dataclass(slots=True)
class SapState:
    clients: dict[str, str] = field(default_factory=lambda: {CLIENT_ID: CLIENT_SECRET})
    tokens: dict[str, float] = field(default_factory=dict)
    expires_in: int = 43199
    issued: int = 0
    lookups: int = 0
    # resource group -> deployments (AiDeployment objects)
    deployments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_STATES: weakref.WeakKeyDictionary[Emulator, SapState] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def state_for(emu: Emulator) -> SapState:
    with _LOCK:
        state = _STATES.get(emu)
        if state is None:
            state = _STATES[emu] = SapState()
            state.deployments["default"] = [deployment(emu, DEPLOYMENT_ID)]
        return state


def deployment(
    emu: Emulator, dep_id: str, scenario: str = "orchestration", status: str = "RUNNING"
) -> dict[str, Any]:
    return {
        "id": dep_id,
        "deploymentUrl": f"{emu.url}/sap/v2/inference/deployments/{dep_id}",
        "configurationId": "c0ffee00-0000-4000-8000-000000000001",
        "configurationName": "orchestration",
        "executableId": scenario,
        "scenarioId": scenario,
        "status": status,
        "targetStatus": status,
        "createdAt": "2026-01-01T00:00:00Z",
        "modifiedAt": "2026-01-01T00:00:00Z",
    }


def service_key(emu: Emulator) -> dict[str, Any]:
    """A service key (as AI Launchpad shows it) for this emulator's registered client."""
    return {
        "clientid": CLIENT_ID,
        "clientsecret": CLIENT_SECRET,
        "url": f"{emu.url}/sap",
        "identityzone": "emulator",
        "serviceurls": {"AI_API_URL": f"{emu.url}/sap"},
    }


def describe_credentials(url: str) -> str:
    """What ``llmkit emulator serve`` prints for this profile (the emulator's own fake client)."""
    return (
        f"an OAuth token from {url}/sap/oauth/token (client credentials): AICORE_CLIENT_ID={CLIENT_ID} "
        f"AICORE_CLIENT_SECRET={CLIENT_SECRET} AICORE_AUTH_URL={url}/sap AICORE_BASE_URL={url}/sap"
    )


def _api_error(status: int, message: str) -> Reply:
    return json_reply(
        status, {"error": {"code": str(status), "message": message, "requestId": uuid.uuid4().hex}}
    )


def _orch_error(status: int, message: str, location: str = "Request Body") -> Reply:
    body = {
        "error": {"request_id": str(uuid.uuid4()), "code": status, "message": message, "location": location}
    }
    return json_reply(status, body)


def _token(req: EmuRequest, state: SapState) -> Reply:
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return json_reply(400, {"error": "invalid_request", "error_description": "form body expected"})
    form = dict(parse_qsl(req.body.decode("utf-8", "replace")))
    if form.get("grant_type") != "client_credentials":
        return json_reply(
            400, {"error": "unsupported_grant_type", "error_description": "client_credentials only"}
        )
    secret = state.clients.get(form.get("client_id", ""))
    if secret is None or not secrets.compare_digest(secret, form.get("client_secret", "")):
        return json_reply(401, {"error": "unauthorized", "error_description": "Bad credentials"})
    token = "eyJemu." + secrets.token_urlsafe(24)
    with state.lock:
        state.tokens[token] = time.time() + state.expires_in
        state.issued += 1
    body = {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": state.expires_in,
        "scope": "uaa.resource",
        "jti": uuid.uuid4().hex,
    }
    return json_reply(200, body, {"cache-control": "no-store"})


def _authorized(req: EmuRequest, state: SapState) -> bool:
    value = req.headers.get("authorization", "")
    if not value.startswith("Bearer "):
        return False
    with state.lock:
        expiry = state.tokens.get(value[len("Bearer ") :])
    return expiry is not None and time.time() < expiry


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    state = state_for(emu)
    path = req.path.rstrip("/")
    if req.method == "POST" and path == "/oauth/token":
        return _token(req, state)
    if not _authorized(req, state):
        return _api_error(401, "Unauthorized: the bearer token is missing, invalid or expired")
    group = req.headers.get("ai-resource-group")
    if not group:
        return _api_error(400, "Missing header parameter 'AI-Resource-Group'")
    if req.method == "GET" and path == "/v2/lm/deployments":
        return _list(req, state, group)
    parts = path.split("/")
    if req.method == "POST" and len(parts) == 7 and parts[1:4] == ["v2", "inference", "deployments"]:
        running = {d["id"] for d in state.deployments.get(group, []) if d["status"] == "RUNNING"}
        if parts[4] not in running or parts[5] != "v2":
            return _api_error(404, f"Deployment {parts[4]} not found in resource group {group}")
        if parts[6] == "completion":
            return _completion(req, emu)
        if parts[6] == "embeddings":
            return _embeddings(req, emu)
    return _api_error(404, f"no route {req.method} {req.path}")


def _list(req: EmuRequest, state: SapState, group: str) -> Reply:
    with state.lock:
        state.lookups += 1
    found = [
        d
        for d in state.deployments.get(group, [])
        if d["scenarioId"] == req.query.get("scenarioId", d["scenarioId"])
        and d["status"] == req.query.get("status", d["status"])
    ]
    return json_reply(200, {"count": len(found), "resources": found})


def _scripted_error(err: ScriptedError) -> Reply:
    reply = _orch_error(err.status, err.message, err.type or "LLM Module")
    reply.headers.update(err.headers)
    return reply


def _prompt(body: Any) -> tuple[dict[str, Any], dict[str, Any], bool]:
    config = body.get("config") if isinstance(body, dict) else None
    modules = config.get("modules") if isinstance(config, dict) else None
    templating = modules.get("prompt_templating") if isinstance(modules, dict) else None
    if not isinstance(templating, dict) or not isinstance(templating.get("model"), dict):
        raise ValueError("config.modules.prompt_templating.model is required")
    stream = config.get("stream") if isinstance(config, dict) else None
    return (
        templating.get("prompt") or {},
        templating["model"],
        bool(isinstance(stream, dict) and stream.get("enabled")),
    )


def _answer(req: EmuRequest, emu: Emulator, prompt: dict[str, Any], model: dict[str, Any]) -> Script:
    script = emu.take_script(req.path) or Script()
    messages = prompt.get("template") or []
    last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    text = (
        last
        if isinstance(last, str)
        else " ".join(str(p.get("text", "")) for p in last if isinstance(p, dict))
    )
    tools = [(t["function"]["name"], t["function"].get("parameters")) for t in prompt.get("tools") or []]
    params = model.get("params") or {}
    choice = params.get("tool_choice")
    forced = choice if isinstance(choice, str) else (choice or {}).get("function", {}).get("name")
    fmt = prompt.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") if fmt.get("type") == "json_schema" else None
    if fmt.get("type") == "json_object":
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    return default_answer(text, tools, forced, schema, script)


def _completion(req: EmuRequest, emu: Emulator) -> Reply:
    try:
        prompt, model, streaming = _prompt(req.json())
    except (ValueError, AttributeError, TypeError) as exc:
        return _orch_error(400, f"Invalid request body: {exc}")
    script = _answer(req, emu, prompt, model)
    early = early_reply(script, _scripted_error)
    if early is not None:
        return early
    n_in = script.input_tokens or sum(
        count_tokens(str(m.get("content", ""))) for m in prompt.get("template", [])
    )
    n_out = script.output_tokens or count_tokens(script.text or "") + 5 * len(script.tool_calls or [])
    usage = {"completion_tokens": n_out, "prompt_tokens": n_in, "total_tokens": n_in + n_out}
    finish = script.finish_reason or ("tool_calls" if script.tool_calls else "stop")
    ident, name = f"chatcmpl-emu{uuid.uuid4().hex[:12]}", str(model.get("name"))
    if streaming:
        events: Iterator[bytes] = _events(script, ident, name, finish, usage, prompt.get("template", []))
        if script.fault in STREAM_FAULTS:
            events = break_stream(events, script, lambda e: e[: len(e) // 2] + b"\n\n", _stream_error)
        return stream_reply(script, {"content-type": "text/event-stream"}, events)
    message: dict[str, Any] = {"role": "assistant", "content": script.text or ""}
    if script.tool_calls:
        message["tool_calls"] = [
            {
                "id": c.id or f"call_{i}",
                "type": "function",
                "function": {"name": c.name, "arguments": call_arguments(c)},
            }
            for i, c in enumerate(script.tool_calls)
        ]
    result = {
        "id": ident,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": name,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }
    templating = prompt.get("template", [])
    body = {
        "request_id": str(uuid.uuid4()),
        "intermediate_results": {"templating": templating, "llm": result},
        "final_result": result,
    }
    return json_reply(200, body)


def _stream_error() -> list[bytes]:
    # The recorded in-stream error shape (ai-sdk-js stream-chunks-with-error).
    err = {"request_id": str(uuid.uuid4()), "code": 500, "message": "500 - LLM Module: stream failed"}
    err["location"] = "LLM Module"
    return [b"data: " + json.dumps({"error": err}).encode() + b"\n\n"]


def _events(
    script: Script, ident: str, name: str, finish: str, usage: dict[str, Any], template: list[Any]
) -> Iterator[bytes]:
    rid = str(uuid.uuid4())

    def event(delta: dict[str, Any], reason: str = "", extra: dict[str, Any] | None = None) -> bytes:
        chunk: dict[str, Any] = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": name,
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }
        chunk.update(extra or {})
        return (
            b"data: "
            + json.dumps(
                {"request_id": rid, "intermediate_results": {"llm": chunk}, "final_result": chunk}
            ).encode()
            + b"\n\n"
        )

    # The service opens with an empty final_result and the templating result (recorded streams).
    empty = {
        "id": "",
        "object": "",
        "created": 0,
        "model": "",
        "system_fingerprint": "",
        "choices": [{"index": 0, "delta": {"role": "", "content": ""}, "finish_reason": ""}],
    }
    yield (
        b"data: "
        + json.dumps(
            {"request_id": rid, "intermediate_results": {"templating": template}, "final_result": empty}
        ).encode()
        + b"\n\n"
    )
    for piece in split_text(script.text or "", script.chunk_chars, script.n_chunks) if script.text else ():
        yield event({"role": "assistant", "content": piece})
    for i, call in enumerate(script.tool_calls or ()):
        head = {
            "index": i,
            "id": call.id or f"call_{i}",
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        yield event({"role": "assistant", "content": "", "tool_calls": [head]})
        for part in split_args(call_arguments(call)):
            yield event({"content": "", "tool_calls": [{"index": i, "function": {"arguments": part}}]})
    yield event({"content": ""}, finish, {"usage": usage})
    yield b"data: [DONE]\n\n"


def _embeddings(req: EmuRequest, emu: Emulator) -> Reply:
    body = req.json()
    try:
        model = body["config"]["modules"]["embeddings"]["model"]["name"]
        text = body["input"]["text"]
    except (KeyError, TypeError):
        return _orch_error(
            400,
            "Invalid request body: config.modules.embeddings.model and input.text are required",
            "Embedding Module",
        )
    script = emu.take_script(req.path) or Script()
    early = early_reply(script, _scripted_error)
    if early is not None:
        return early
    texts = [text] if isinstance(text, str) else list(text)
    dims = ((body["config"]["modules"]["embeddings"]["model"].get("params") or {}).get("dimensions")) or 8
    data = [
        {
            "object": "embedding",
            "embedding": [round(((len(t) + i * j) % 17) / 17.0, 6) for j in range(dims)],
            "index": i,
        }
        for i, t in enumerate(texts)
    ]
    tokens = sum(count_tokens(t) for t in texts)
    final = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return json_reply(200, {"request_id": str(uuid.uuid4()), "final_result": final})


__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DEPLOYMENT_ID",
    "PROFILE",
    "deployment",
    "handle",
    "service_key",
    "state_for",
]
