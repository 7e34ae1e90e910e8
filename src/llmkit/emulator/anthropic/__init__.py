"""The Anthropic Messages handler, written from Anthropic's API documentation.

It shares no code with ``llmkit.dialects.anthropic`` on purpose: a misreading
in one shows up as a failure against the other.

What it checks, as the real API does:
- ``x-api-key`` (or ``Authorization: Bearer``) and an ``anthropic-version`` header;
- the body: required ``model``/``max_tokens``/``messages``, no unknown top-level
  fields, ``user``/``assistant`` roles only, known block shapes, tool results
  that answer the ``tool_use`` blocks of the turn right before them (and every
  ``tool_use`` answered), a thinking budget below ``max_tokens``, and thinking
  signatures that this emulator issued;
- consecutive turns of the same role are *accepted* and combined, as the
  Messages API reference says ("Consecutive user or assistant turns in your
  request will be combined into a single turn").

Errors use Anthropic's shape: ``{"type": "error", "error": {"type", "message"}, "request_id"}``.
Streams send every event type: ``message_start``, ``content_block_start``,
``ping``, ``content_block_delta`` (``text_delta``, ``input_json_delta``,
``thinking_delta``, ``signature_delta``), ``content_block_stop``,
``message_delta``, ``message_stop``, and ``error`` inside a 200 stream.
"""

from __future__ import annotations

import re

from llmkit.emulator.anthropic._answer import STOP_REASONS
from llmkit.emulator.anthropic._errors import ERROR_TYPES, error_body, error_reply, invalid
from llmkit.emulator.anthropic._messages import count_tokens, messages
from llmkit.emulator.anthropic._signature import sign
from llmkit.emulator.anthropic._validate import (
    ASSISTANT_BLOCKS,
    COUNT_FIELDS,
    MESSAGE_FIELDS,
    USER_BLOCKS,
    Invalid,
)
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = [
    "ASSISTANT_BLOCKS",
    "COUNT_FIELDS",
    "ERROR_TYPES",
    "MESSAGE_FIELDS",
    "STOP_REASONS",
    "USER_BLOCKS",
    "Invalid",
    "check_auth",
    "error_body",
    "error_reply",
    "handle",
    "sign",
]

_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_auth(req: EmuRequest, emu: Emulator) -> Reply | None:
    key = req.headers.get("x-api-key")
    if not key:
        auth = req.headers.get("authorization", "")
        key = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
    if not key:
        return error_reply(ScriptedError(401, "x-api-key header is required", "authentication_error"))
    if emu.api_key is not None and key != emu.api_key:
        return error_reply(ScriptedError(401, "invalid x-api-key", "authentication_error"))
    version = req.headers.get("anthropic-version")
    if not version:
        return invalid("anthropic-version: header is required")
    if not _VERSION.match(version):
        return invalid(f"anthropic-version: invalid version {version!r}")
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = check_auth(req, emu)
    if denied is not None:
        return denied
    path = req.path.rstrip("/")
    if req.method == "GET" and path.endswith("/v1/models"):
        models = [{"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5"}]
        return json_reply(
            200, {"data": models, "has_more": False, "first_id": models[0]["id"], "last_id": None}
        )
    if req.method != "POST":
        return error_reply(ScriptedError(405, f"Method {req.method} not allowed", "invalid_request_error"))
    if path.endswith("/v1/messages/count_tokens"):
        return count_tokens(req, emu)
    if path.endswith("/v1/messages"):
        return messages(req, emu)
    return error_reply(ScriptedError(404, f"Not found: {req.method} {req.full_path}", "not_found_error"))
