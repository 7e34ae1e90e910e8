"""The OpenAI Chat Completions / Embeddings handler, written from OpenAI's API reference.

It shares no code with ``llmkit.dialects.openai_chat`` on purpose: a misreading
in one shows up as a failure against the other. Most OpenAI-compatible providers
are served by it too, their differences described by their ``Profile``.
"""

from __future__ import annotations

from llmkit.emulator._content import sample
from llmkit.emulator.openai._answer import FINISH
from llmkit.emulator.openai._auth import check_auth
from llmkit.emulator.openai._chat import chat
from llmkit.emulator.openai._embeddings import EMBED_FIELDS, embeddings
from llmkit.emulator.openai._errors import error_body, error_reply
from llmkit.emulator.openai._images import image_file, images, is_images_path
from llmkit.emulator.openai._validate import CHAT_FIELDS, ROLES, Invalid
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, json_reply

__all__ = [
    "CHAT_FIELDS",
    "EMBED_FIELDS",
    "FINISH",
    "ROLES",
    "Invalid",
    "check_auth",
    "error_body",
    "error_reply",
    "handle",
    "sample",
]


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    path = req.path
    if req.method == "GET" and "/images/files/" in path:  # a url answer's image: storage, no key
        return image_file(req)
    denied = check_auth(req, emu, profile)
    if denied is not None:
        return denied
    if req.method == "GET" and path.endswith("/models"):
        return json_reply(200, {"object": "list", "data": [{"id": "emulated-model", "object": "model"}]})
    if req.method != "POST":
        return error_reply(profile, ScriptedError(405, f"method {req.method} not allowed"))
    if is_images_path(path):
        return images(req, emu, profile)
    kind = _route_kind(path, profile)
    if kind == "chat":
        return chat(req, emu, profile)
    if kind == "embeddings":
        return embeddings(req, emu, profile)
    if kind == "rerank":
        from llmkit.emulator.openai._rerank import rerank

        return rerank(req, emu, profile)
    return error_reply(profile, ScriptedError(404, f"Invalid URL (POST {req.full_path})", code="unknown_url"))


def _route_kind(path: str, profile: Profile) -> str | None:
    """Which endpoint ``path`` is: a fleet profile's documented paths exactly; otherwise (OpenAI
    itself, delegated partner requests) OpenAI's own suffixes."""
    routes = profile.extra.get("routes")
    if routes is None:
        if path.rstrip("/").endswith("/chat/completions"):
            return "chat"
        return "embeddings" if path.endswith("/embeddings") else None
    return next((kind for pattern, kind in routes if pattern.fullmatch(path)), None)
