"""Vertex AI partner models (rawPredict / streamRawPredict), answered in their own formats."""

from __future__ import annotations

import json
from typing import Any

from llmkit.emulator.gemini._errors import error_reply
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply

# Publishers whose models Vertex AI serves through rawPredict / streamRawPredict, in their own format.
PARTNERS = frozenset({"anthropic", "mistralai", "ai21"})
# anthropic_version values Anthropic's SDKs send to Vertex AI (≤1.17 and litellm; ≥2.0).
ANTHROPIC_VERTEX_VERSIONS = frozenset({"vertex-2023-10-16", "2026-10-21"})
# The emulator profile of each OpenAI-like partner's own API.
_OWN_API = {"mistralai": "mistral", "ai21": "ai21"}


def _delegate(req: EmuRequest, path: str, headers: dict[str, str], body: dict[str, Any]) -> EmuRequest:
    return EmuRequest("POST", path, req.full_path, {}, headers, json.dumps(body).encode(), req.profile)


def partner(
    req: EmuRequest,
    emu: Emulator,
    publisher: str,
    model: str,
    method: str,
    version: str,
    body: dict[str, Any],
) -> Reply:
    """Anthropic (Messages body, ``anthropic_version`` in the body, no ``model``), Mistral and AI21
    (OpenAI-like chat bodies that keep ``model``), answered by the emulator's own handlers for
    those formats."""
    from llmkit.emulator import anthropic as emu_anthropic
    from llmkit.emulator import openai as emu_openai
    from llmkit.emulator.profiles import PROFILES

    if method not in ("rawPredict", "streamRawPredict"):
        return error_reply(ScriptedError(404, f"Method {method} is not served for publisher {publisher}."))
    stream = method == "streamRawPredict"
    key = emu.api_key or "vertex-partner"
    if publisher == "anthropic":
        # Google's count-tokens example sends no anthropic_version; a message must carry one.
        given = body.get("anthropic_version")
        if given not in ANTHROPIC_VERTEX_VERSIONS and (model != "count-tokens" or given is not None):
            return error_reply(ScriptedError(400, "anthropic_version: a supported version is required"))
        inner = {k: v for k, v in body.items() if k != "anthropic_version"}
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json"}
        profile = PROFILES.get("anthropic") or Profile("anthropic", "llmkit.emulator.anthropic:handle")
        if model == "count-tokens":
            if "model" not in inner:
                return error_reply(ScriptedError(400, "count-tokens:rawPredict needs model in the body"))
            return emu_anthropic.handle(
                _delegate(req, "/v1/messages/count_tokens", headers, inner), emu, profile
            )
        if "model" in inner:
            return error_reply(ScriptedError(400, "model: Extra inputs are not permitted (it is in the URL)"))
        if bool(inner.get("stream")) != stream:
            return error_reply(ScriptedError(400, f"{method} and the body's stream flag disagree"))
        inner["model"] = model.split("@")[0]
        return emu_anthropic.handle(_delegate(req, "/v1/messages", headers, inner), emu, profile)
    if publisher == "ai21" and version != "v1beta1":
        return error_reply(ScriptedError(404, "AI21 models are served under v1beta1."))
    if not isinstance(body.get("model"), str) or not body["model"]:
        return error_reply(ScriptedError(400, "model is required in the body"))
    if bool(body.get("stream")) != stream:
        return error_reply(ScriptedError(400, f"{method} and the body's stream flag disagree"))
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    # Answered as the publisher's own API answers (Mistral: usage on the last chunk, no refusal).
    own = PROFILES.get(_OWN_API[publisher]) or PROFILES["openai"]
    paths = own.extra.get("documented_paths", {}).get("chat") or ("/v1/chat/completions",)
    inner_req = _delegate(req, paths[0], headers, body)
    return emu_openai.handle(inner_req, emu, own)
