"""GigaChat (Sber), emulated from the official SDK's models and its live VCR cassettes.

* ``POST /api/v2/oauth`` (the OAuth endpoint): form ``scope=<scope>``, ``Authorization: Basic
  <authorization key>`` of a registered key, ``RqUID`` a UUID. Answers ``{"access_token",
  "expires_at": <epoch ms>}`` with a short, configurable lifetime, so refresh is exercised.
* ``POST /api/v1/token`` (on-premise/business installs): ``Authorization: Basic
  base64(user:password)`` of a registered user, no body; answers ``{"tok", "exp": <epoch ms>}``
  (the SDK's ``Token`` model), tokens valid like the OAuth ones.
* ``POST /api/v1/chat/completions``: a live token of this emulator's; ``functions`` and
  ``function_call`` (not OpenAI ``tools``, which GigaChat's API does not take: rejected here);
  ``role: "function"`` results. Answers ``function_call {name, arguments: <object>}`` with
  ``finish_reason: "function_call"``. Streams say ``"object": "chat.completion"`` on every
  chunk; the last one has ``finish_reason`` and ``usage``, then ``data: [DONE]``.
* ``POST /api/v1/embeddings``: ``usage`` on each item, none at the top.
* Errors: ``{"status": <int>, "message": <str>}`` (the cassettes' 404). The 401 bodies are
  guessed in that shape; no live one was found.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from llmkit.emulator._content import call_arguments, count_tokens, default_answer, split_text
from llmkit.emulator._faults import STREAM_FAULTS, break_stream, early_reply, stream_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

# base64("emu-client-id:emu-client-secret"): the authorization key the emulator knows by default.
DEFAULT_CREDENTIALS = "ZW11LWNsaWVudC1pZDplbXUtY2xpZW50LXNlY3JldA=="
# The user name and password the emulator's /token endpoint knows by default.
DEFAULT_USER = "emu-user"
DEFAULT_PASSWORD = "emu-password-0123456789"
SCOPES = frozenset({"GIGACHAT_API_PERS", "GIGACHAT_API_B2B", "GIGACHAT_API_CORP"})
PROFILE = Profile(
    "gigachat",
    "llmkit.emulator.gigachat:handle",
    base_path="/api/v1",
    auth_headers=(),
    error_shape="status_message",
    credentials="gigachat_oauth",
)
_ROLES = frozenset({"system", "user", "assistant", "function"})
_CHAT_FIELDS = frozenset(
    {
        "model",
        "messages",
        "temperature",
        "top_p",
        "n",
        "stream",
        "max_tokens",
        "repetition_penalty",
        "update_interval",
        "profanity_check",
        "function_call",
        "functions",
        "flags",
        "storage",
        "function_ranker",
        "response_format",
        "reasoning_effort",
    }
)
_MODEL_VERSION = ":2.0.28.2"


@dataclass(slots=True)
class GigaStore:
    credentials: set[str] = field(default_factory=lambda: {DEFAULT_CREDENTIALS})
    users: dict[str, str] = field(default_factory=lambda: {DEFAULT_USER: DEFAULT_PASSWORD})
    tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry (epoch s)
    lifetime: float = 1800.0
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


_STORES: weakref.WeakKeyDictionary[Emulator, GigaStore] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def store_for(emu: Emulator) -> GigaStore:
    with _STORES_LOCK:
        store = _STORES.get(emu)
        if store is None:
            store = _STORES[emu] = GigaStore()
        return store


def auth_url(emu: Emulator) -> str:
    """The OAuth URL to pass as ``auth_url=`` / ``GIGACHAT_AUTH_URL``."""
    return f"{emu.url}/gigachat/api/v2/oauth"


def set_token_lifetime(emu: Emulator, seconds: float) -> None:
    store_for(emu).lifetime = seconds


def revoke_tokens(emu: Emulator) -> None:
    """Forget every issued token: the next API call with one gets a 401."""
    store = store_for(emu)
    with store.lock:
        store.tokens.clear()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"status": status, "message": message}, headers)


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.method == "POST" and req.path == "/api/v2/oauth":
        return _oauth(req, emu)
    if req.method == "POST" and req.path == "/api/v1/token":
        return _password_token(req, emu)
    if req.method == "POST" and req.path in ("/api/v1/chat/completions", "/api/v1/embeddings"):
        denied = _check_token(req, emu)
        if denied is not None:
            return denied
        script = emu.take_script(req.path) or Script()
        early = early_reply(script, lambda e: _error(e.status, e.message, e.headers))
        if early is not None:
            return early
        try:
            body = json.loads(req.body)
        except ValueError:
            return _error(422, "Invalid JSON body")
        if not isinstance(body, dict):
            return _error(422, "The body must be a JSON object")
        if req.path.endswith("/embeddings"):
            return _embeddings(body)
        return _chat(body, script)
    return _error(404, f"No route {req.method} {req.path}")


def _oauth(req: EmuRequest, emu: Emulator) -> Reply:
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _error(400, "The request must be application/x-www-form-urlencoded")
    try:
        uuid.UUID(req.headers.get("rquid", ""))
    except ValueError:
        return _error(400, "RqUID header is missing or not a UUID")
    store = store_for(emu)
    auth = req.headers.get("authorization", "")
    if not auth.startswith("Basic ") or auth[len("Basic ") :] not in store.credentials:
        return _error(401, "Can't decode 'Authorization' header")
    scope = dict(parse_qsl(req.body.decode("utf-8", "replace"))).get("scope", "")
    if scope not in SCOPES:
        return _error(400, f"scope {scope!r} is not one of {', '.join(sorted(SCOPES))}")
    token = "emu-giga-" + secrets.token_urlsafe(24)
    expires = time.time() + store.lifetime
    with store.lock:
        store.tokens[token] = expires
        store.issued += 1
    return json_reply(200, {"access_token": token, "expires_at": int(expires * 1000)})


def _issue(store: GigaStore) -> tuple[str, float]:
    token = "emu-giga-" + secrets.token_urlsafe(24)
    expires = time.time() + store.lifetime
    with store.lock:
        store.tokens[token] = expires
        store.issued += 1
    return token, expires


def _password_token(req: EmuRequest, emu: Emulator) -> Reply:
    store = store_for(emu)
    auth = req.headers.get("authorization", "")
    try:
        user, _, password = base64.b64decode(auth[len("Basic ") :], validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        user = password = ""
    known = store.users.get(user)
    if not auth.startswith("Basic ") or known is None or not secrets.compare_digest(known, password):
        return _error(401, "Unauthorized")
    token, expires = _issue(store)
    return json_reply(200, {"tok": token, "exp": int(expires * 1000)})


def _check_token(req: EmuRequest, emu: Emulator) -> Reply | None:
    auth = req.headers.get("authorization", "")
    if not auth.startswith("Bearer "):
        return _error(401, "Authorization header is missing")
    store = store_for(emu)
    with store.lock:
        expiry = store.tokens.get(auth[len("Bearer ") :])
    if expiry is None or time.time() >= expiry:
        return _error(401, "Token has expired")
    return None


def _invalid(body: dict[str, Any]) -> str | None:
    unknown = sorted(set(body) - _CHAT_FIELDS)
    if unknown:
        return f"unknown fields: {', '.join(unknown)}"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list"
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            return f"bad message role {m.get('role') if isinstance(m, dict) else m!r}"
        if not isinstance(m.get("content", ""), str):
            return "message content must be a string"
        if m["role"] == "function":
            if not m.get("name"):
                return "a function message needs its name"
            try:
                json.loads(m.get("content") or "")
            except ValueError:
                return "a function message's content must be JSON"
        fc = m.get("function_call")
        if fc is not None and (not isinstance(fc, dict) or not isinstance(fc.get("arguments", {}), dict)):
            return "function_call.arguments must be an object"
    for fn in body.get("functions") or ():
        if not isinstance(fn, dict) or not fn.get("name"):
            return "every function needs a name"
    rf = body.get("response_format")
    if rf is not None and not (
        isinstance(rf, dict) and rf.get("type") == "json_schema" and "json_schema" not in rf
    ):
        return "response_format must be {'type': 'json_schema', 'schema': {...}, 'strict': ...}"
    if rf is not None and not isinstance(rf.get("schema"), dict):
        return "response_format.schema must be an object"
    call = body.get("function_call")
    if (
        call is not None
        and call not in ("auto", "none")
        and not (isinstance(call, dict) and call.get("name"))
    ):
        return "function_call must be 'auto', 'none' or {'name': ...}"
    return None


def _chat(body: dict[str, Any], script: Script) -> Reply:
    problem = _invalid(body)
    if problem is not None:
        return _error(422, problem)
    messages: list[dict[str, Any]] = body["messages"]
    last_user = next((m.get("content") or "" for m in reversed(messages) if m["role"] == "user"), "")
    functions = [(f["name"], f.get("parameters") or {}) for f in body.get("functions") or ()]
    forced = body.get("function_call")
    forced_name = forced.get("name") if isinstance(forced, dict) else forced
    if messages[-1]["role"] == "function" and script.text is None and script.tool_calls is None:
        # After a function's result the model answers in words (unless a script says otherwise).
        script.text = f"The function {messages[-1]['name']} returned {messages[-1].get('content') or ''}"
    schema = (body.get("response_format") or {}).get("schema")
    script = default_answer(last_user, functions, forced_name, schema, script)
    model = str(body.get("model") or "GigaChat") + _MODEL_VERSION
    prompt = script.input_tokens or sum(count_tokens(m.get("content") or "") for m in messages)
    message: dict[str, Any] = {"content": script.text or "", "role": "assistant"}
    finish = script.finish_reason or "stop"
    if script.tool_calls:
        call = script.tool_calls[0]  # GigaChat answers one function call at a time
        message = {
            "content": "",
            "role": "assistant",
            "function_call": {"name": call.name, "arguments": json.loads(call_arguments(call))},
        }
        finish = "function_call"
    completion = script.output_tokens or count_tokens(message["content"]) + 1
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "precached_prompt_tokens": script.cached_tokens,
    }
    created = int(time.time())
    if body.get("stream"):
        return _stream(message, finish, usage, model, created, script)
    answer = {
        "choices": [{"message": message, "index": 0, "finish_reason": finish}],
        "created": created,
        "model": model,
        "object": "chat.completion",
        "usage": usage,
    }
    return json_reply(200, answer, {"x-request-id": str(uuid.uuid4())})


def _stream(
    message: dict[str, Any], finish: str, usage: dict[str, int], model: str, created: int, script: Script
) -> Reply:
    def chunk(delta: dict[str, Any], last: bool = False) -> bytes:
        choice: dict[str, Any] = {"delta": delta, "index": 0}
        obj: dict[str, Any] = {
            "choices": [choice],
            "created": created,
            "model": model,
            "object": "chat.completion",
        }
        if last:
            choice["finish_reason"] = finish
            obj["usage"] = usage
        return b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n"

    events: list[bytes] = []
    if "function_call" in message:
        events.append(chunk({"content": "", "role": "assistant", "function_call": message["function_call"]}))
    else:
        for i, piece in enumerate(split_text(message["content"], script.chunk_chars, script.n_chunks)):
            events.append(chunk({"content": piece, "role": "assistant"} if i == 0 else {"content": piece}))
    events.append(chunk({"content": ""}, last=True))
    events.append(b"data: [DONE]\n\n")

    def error_event() -> list[bytes]:
        err = script.error or ScriptedError(500, "Internal Server Error")
        return [b"data: " + json.dumps({"status": err.status, "message": err.message}).encode() + b"\n\n"]

    chunks: Any = events
    if script.fault in STREAM_FAULTS:
        chunks = break_stream(events, script, lambda e: e[: len(e) // 2] + b"\n\n", error_event)
    return stream_reply(
        script, {"content-type": "text/event-stream", "x-request-id": str(uuid.uuid4())}, chunks
    )


def _embeddings(body: dict[str, Any]) -> Reply:
    inputs = body.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
        return _error(422, "input must be a string or a list of strings")
    unknown = sorted(set(body) - {"model", "input"})
    if unknown:
        return _error(422, f"unknown fields: {', '.join(unknown)}")
    data = []
    for i, text in enumerate(inputs):
        seed = sum(text.encode()) or 1
        vector = [((seed * (k + 3)) % 2000) / 1000.0 - 1.0 for k in range(8)]
        data.append(
            {
                "object": "embedding",
                "index": i,
                "embedding": vector,
                "usage": {"prompt_tokens": count_tokens(text) + 2},
            }
        )
    return json_reply(200, {"object": "list", "model": str(body.get("model") or "Embeddings"), "data": data})


__all__ = [
    "DEFAULT_CREDENTIALS",
    "PROFILE",
    "auth_url",
    "handle",
    "revoke_tokens",
    "set_token_lifetime",
    "store_for",
]
