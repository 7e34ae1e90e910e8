"""GitHub Copilot, emulated from GitHub's device-flow documentation (docs.github.com, "Authorizing
OAuth apps": device flow; RFC 8628) and the token exchange as the editors and LiteLLM use it, not
from llmkit's auth module.

Two profiles:

* ``github_oauth`` (GitHub itself): ``POST /login/device/code`` answers ``device_code``,
  ``user_code``, ``verification_uri``, ``expires_in``, ``interval``; ``POST
  /login/oauth/access_token`` answers, per device code, the errors a script planned
  (``Script(extra={"polls": ["authorization_pending", "slow_down"]})`` on the device-code
  request), then ``{"access_token", "token_type", "scope"}``. ``GET /copilot_internal/v2/token``
  with ``Authorization: token <a GitHub token it issued, or the emulator's key>`` answers
  ``{"token", "expires_at", "refresh_in", "endpoints": {"api"}}`` (``EXCHANGE`` holds the
  lifetime and endpoint); the Copilot token is the emulator's key, so chat accepts it.
* ``github_copilot`` (chat): OpenAI Chat Completions that requires the editor headers.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import Script
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = ["CHAT", "GITHUB", "handle"]

GITHUB = Profile(
    "github_oauth", "llmkit.emulator.copilot:handle", base_path="", auth_headers=(), credentials="none"
)
CHAT = Profile(
    "github_copilot",
    "llmkit.emulator.openai:handle",
    base_path="",
    required_headers={"copilot-integration-id": "", "editor-version": ""},
)
CLIENT_ID = "Iv1.b507a08c87ecfe98"
_lock = threading.Lock()
_devices: dict[str, dict[str, Any]] = {}  # device code -> {"polls": [...], "interval"}
_issued: set[str] = set()  # GitHub tokens handed out
# The exchanges answered (for tests that count them), and what they answer (the exchange takes no
# scripts: the chat call's script, queued first, must reach chat).
exchanges: list[float] = []
EXCHANGE: dict[str, Any] = {"expires_in": 1800, "api": "https://api.individual.githubcopilot.com"}


def _form(req: EmuRequest) -> dict[str, Any]:
    try:
        obj = req.json()
    except ValueError:
        return {}
    return obj if isinstance(obj, dict) else {}


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.method == "POST" and req.path == "/login/device/code":
        return _device_code(req, emu)
    if req.method == "POST" and req.path == "/login/oauth/access_token":
        return _access_token(req)
    if req.method == "GET" and req.path == "/copilot_internal/v2/token":
        return _exchange(req, emu)
    return json_reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})


def _device_code(req: EmuRequest, emu: Emulator) -> Reply:
    form = _form(req)
    if form.get("client_id") != CLIENT_ID or "application/json" not in req.headers.get("accept", ""):
        return json_reply(200, {"error": "unauthorized_client", "error_description": "unknown client"})
    script = emu.take_script(req.path) or Script()
    device = secrets.token_hex(20)
    with _lock:
        _devices[device] = {
            "polls": list(script.extra.get("polls", [])),
            "interval": 5,
        }
    return json_reply(200, {
        "device_code": device,
        "user_code": "WDJB-MJHT",
        "verification_uri": "https://github.com/login/device",
        "expires_in": int(script.extra.get("expires_in", 900)),
        "interval": int(script.extra.get("interval", 5)),
    })  # fmt: skip


def _access_token(req: EmuRequest) -> Reply:
    form = _form(req)
    if (
        form.get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code"
        or form.get("client_id") != CLIENT_ID
    ):
        return json_reply(200, {"error": "unsupported_grant_type"})
    with _lock:
        state = _devices.get(str(form.get("device_code")))
        if state is None:
            return json_reply(200, {"error": "bad_verification_code"})
        if state["polls"]:
            error = state["polls"].pop(0)
            body: dict[str, Any] = {"error": error}
            if error == "slow_down":
                state["interval"] += 5
                body["interval"] = state["interval"]
            return json_reply(200, body)
        del _devices[str(form.get("device_code"))]
        token = "gho_" + secrets.token_hex(18)
        _issued.add(token)
    return json_reply(200, {"access_token": token, "token_type": "bearer", "scope": "read:user"})


def _exchange(req: EmuRequest, emu: Emulator) -> Reply:
    scheme, _, token = req.headers.get("authorization", "").partition(" ")
    known = token in _issued or (emu.api_key is not None and token == emu.api_key)
    if scheme.lower() != "token" or not known:
        return json_reply(
            401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
        )
    if not req.headers.get("editor-version"):
        return json_reply(400, {"message": "editor-version header is required"})
    now = time.time()
    lifetime = float(EXCHANGE.get("expires_in", 1800))
    with _lock:
        exchanges.append(now)
    body = {
        "token": emu.api_key or ("tid=" + secrets.token_hex(8)),
        "expires_at": int(now + lifetime),
        "refresh_in": int(lifetime) - 300,
        "endpoints": {"api": EXCHANGE.get("api", "https://api.individual.githubcopilot.com")},
        "chat_enabled": True,
    }
    return Reply(200, {"content-type": "application/json"}, json.dumps(body).encode())
