"""Vertex AI's OpenAI-compatible MaaS endpoint (Llama, DeepSeek, Qwen, gpt-oss, ... ``-maas``
models): ``POST /v1/projects/{project}/locations/{location}/endpoints/openapi/chat/completions``
(also under ``v1beta1``, as Google's earlier samples have it), OpenAI Chat Completions bodies.

Credentials are Vertex AI's: ``Authorization: Bearer`` with a token this emulator's Google OAuth
endpoint issued (a service account's, as the generated docs examples get), or the emulator's key
standing in for a token obtained elsewhere (``access_token=``), checked as the Gemini handler
checks them. The body is the OpenAI handler's business (``emulator.openai``'s ``chat``)."""

from __future__ import annotations

import re

from llmkit.emulator.gemini import _auth
from llmkit.emulator.openai._chat import chat
from llmkit.emulator.openai._errors import error_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply

__all__ = ["handle"]

_ROUTE = re.compile(r"^/(?:v1|v1beta1)/projects/[^/]+/locations/[^/]+/endpoints/openapi/chat/completions$")


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    denied = _auth(req, emu, True)
    if denied is not None:
        return denied
    if _ROUTE.match(req.path) is None:
        return error_reply(
            profile, ScriptedError(404, f"Invalid URL (POST {req.full_path})", code="unknown_url")
        )
    if req.method != "POST":
        return error_reply(profile, ScriptedError(405, f"method {req.method} not allowed"))
    return chat(req, emu, profile)
