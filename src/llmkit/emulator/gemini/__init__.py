"""The Gemini API handler (Google AI Studio and Vertex AI URL shapes), written from Google's API
reference (the ``generativelanguage`` v1beta protos and the ``aiplatform`` v1 discovery document).

It shares no code with ``llmkit.dialects.gemini``. Routes, after the profile prefix:

* AI Studio: ``/v1beta/models/{model}:{method}`` (also ``/v1``), key in ``x-goog-api-key``
  (or ``?key=``, which Google also takes); a wrong key is 400 INVALID_ARGUMENT / API_KEY_INVALID.
* Vertex AI: ``/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}``
  (also ``v1beta1``), ``Authorization: Bearer`` with a token the emulator's Google OAuth
  endpoint issued (or the emulator's API key, standing in for a token obtained elsewhere).

Methods: ``generateContent``, ``streamGenerateContent`` (SSE with ``?alt=sse``, else one JSON
array; inline image parts when ``IMAGE`` is a response modality), ``countTokens``,
``embedContent``, ``batchEmbedContents``, and Imagen's ``predict`` on Vertex AI (``_imagen``).
Vertex AI's partner publishers (Anthropic, Mistral, AI21) answer ``rawPredict`` /
``streamRawPredict`` in their own formats (``_partners``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from llmkit.emulator import google_oauth
from llmkit.emulator._content import sample
from llmkit.emulator.gemini._count_tokens import count_tokens
from llmkit.emulator.gemini._embeddings import embed
from llmkit.emulator.gemini._errors import STATUS_NAMES, error_reply
from llmkit.emulator.gemini._generate import FINISH, generate, lower_types
from llmkit.emulator.gemini._imagen import predict
from llmkit.emulator.gemini._partners import ANTHROPIC_VERTEX_VERSIONS, PARTNERS, partner
from llmkit.emulator.gemini._validate import (
    GENERATION_FIELDS,
    HARM_CATEGORIES,
    PART_DATA,
    PART_EXTRA,
    REQUEST_FIELDS,
    SCHEMA_TYPES,
    THINKING_FIELDS,
    THRESHOLDS,
    VERTEX_ONLY_FIELDS,
    Invalid,
    camel_keys,
    check_generate,
)
from llmkit.emulator.profiles import Profile
from llmkit.emulator.script import ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply

__all__ = [
    "AI_STUDIO",
    "ANTHROPIC_VERTEX_VERSIONS",
    "FINISH",
    "GENERATION_FIELDS",
    "HARM_CATEGORIES",
    "PARTNERS",
    "PART_DATA",
    "PART_EXTRA",
    "REQUEST_FIELDS",
    "SCHEMA_TYPES",
    "STATUS_NAMES",
    "THINKING_FIELDS",
    "THRESHOLDS",
    "VERTEX",
    "VERTEX_LOCATION",
    "VERTEX_MAAS",
    "VERTEX_PARTNERS",
    "VERTEX_PROJECT",
    "VERTEX_ONLY_FIELDS",
    "Invalid",
    "camel_keys",
    "error_reply",
    "handle",
    "sample_for",
]

AI_STUDIO = Profile(
    "gemini",
    "llmkit.emulator.gemini:handle",
    base_path="/v1beta",
    auth_headers=(("x-goog-api-key", ""),),
    bad_key_status=400,
    error_shape="google",
)
# The project and location in every Vertex AI base URL the emulator hands out (any are accepted).
VERTEX_PROJECT = "test-proj"
VERTEX_LOCATION = "us-central1"
_LOCATION_PATH = f"/projects/{VERTEX_PROJECT}/locations/{VERTEX_LOCATION}"
VERTEX = Profile(
    "vertex_ai",
    "llmkit.emulator.gemini:handle",
    base_path=f"/v1{_LOCATION_PATH}",
    auth_headers=(("authorization", "Bearer "),),
    error_shape="google",
    extra={"surface": "vertex"},
    credentials="google_token",
)
# Vertex AI's OpenAI-compatible MaaS endpoint (Llama, DeepSeek, Qwen, ... ``-maas`` models) speaks
# OpenAI Chat Completions under ``/v1/projects/{p}/locations/{l}/endpoints/openapi``; its base URL
# is the location's, as every Vertex AI row's is (the client appends ``/endpoints/openapi/...``),
# and it takes Vertex AI's OAuth tokens (``_maas``).
VERTEX_MAAS = Profile(
    "vertex_ai_maas",
    "llmkit.emulator.gemini._maas:handle",
    base_path=f"/v1{_LOCATION_PATH}",
    auth_headers=(("authorization", "Bearer "),),
    credentials="google_token",
)
# Partner models: the client appends /publishers/{publisher}/models/{model}:rawPredict to a
# location's URL; AI21's models are served under v1beta1 only (Vertex AI's AI21 page).
VERTEX_PARTNERS = tuple(
    Profile(
        name,
        "llmkit.emulator.gemini:handle",
        base_path=f"/{version}{_LOCATION_PATH}",
        auth_headers=(("authorization", "Bearer "),),
        error_shape="google",
        extra={"surface": "vertex"},
        credentials="google_token",
    )
    for name, version in (
        ("vertex_ai_anthropic", "v1"),
        ("vertex_ai_mistral", "v1"),
        ("vertex_ai_ai21", "v1beta1"),
    )
)

_ROUTE = re.compile(
    r"^/(?P<version>v1|v1beta|v1alpha|v1beta1)/"
    r"(?:projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/publishers/(?P<publisher>[^/]+)/)?"
    r"models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$"
)


def _auth(req: EmuRequest, emu: Emulator, vertex: bool) -> Reply | None:
    if vertex:
        value = req.headers.get("authorization", "")
        token = value[len("Bearer ") :] if value.startswith("Bearer ") else ""
        # A token this emulator's OAuth endpoint issued, or its API key standing in for a token
        # obtained elsewhere; an emulator without a key takes any token, as it takes any key.
        if token and (google_oauth.token_is_live(emu, token) or emu.api_key in (None, token)):
            return None
        message = (
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
            "or other valid authentication credential."
        )
        return error_reply(
            ScriptedError(401, message, code="ACCESS_TOKEN_TYPE_UNSUPPORTED" if not token else None)
        )
    key = req.headers.get("x-goog-api-key") or req.query.get("key")
    if not key:
        return error_reply(
            ScriptedError(403, "Method doesn't allow unregistered callers. Please use an API Key.")
        )
    if emu.api_key is not None and key != emu.api_key:
        return error_reply(
            ScriptedError(400, "API key not valid. Please pass a valid API key.", code="API_KEY_INVALID")
        )
    return None


def handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    match = _ROUTE.match(req.path)
    if req.method != "POST" or match is None:
        return error_reply(
            ScriptedError(404, f"The requested URL {req.full_path} was not found on this server.")
        )
    vertex = match["project"] is not None
    publisher = match["publisher"]
    if vertex and publisher != "google" and publisher not in PARTNERS:
        return error_reply(ScriptedError(404, f"Publisher model {publisher}/{match['model']} not found."))
    denied = _auth(req, emu, vertex)
    if denied is not None:
        return denied
    try:
        body = req.json()
    except ValueError:
        return error_reply(ScriptedError(400, "Invalid JSON payload received."))
    if not isinstance(body, dict):
        return error_reply(ScriptedError(400, "Invalid JSON payload received. Expected an object."))
    if vertex and publisher != "google":
        return partner(req, emu, publisher, unquote(match["model"]), match["method"], match["version"], body)
    body = camel_keys(body)
    # The model is one percent-encoded path segment (google.api.http); the server decodes it.
    method, model = match["method"], unquote(match["model"])
    resource = (
        f"projects/{match['project']}/locations/{match['location']}/publishers/google/models/{model}"
        if vertex
        else f"models/{model}"
    )
    try:
        if method in ("generateContent", "streamGenerateContent"):
            check_generate(body, vertex)
            return generate(req, emu, body, model, vertex, stream=method == "streamGenerateContent")
        if method == "predict" and vertex:
            return predict(req, emu, body, model)
        if method == "countTokens":
            return count_tokens(body, vertex, resource)
        if method == "embedContent":
            return embed(req, emu, [body], None, single=True)
        if method == "batchEmbedContents":
            return embed(req, emu, body.get("requests"), resource, single=False)
    except Invalid as exc:
        return error_reply(ScriptedError(400, str(exc)))
    return error_reply(ScriptedError(404, f"Method {method} not found."))


def sample_for(schema: Any) -> Any:
    """A value matching a Gemini Schema (exposed for tests)."""
    return sample(lower_types(schema))
