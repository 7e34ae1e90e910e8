"""Requests llmkit builds, and answers the emulator gives, checked against Google's published
definitions: the Gemini API protos (protobufjs JSON descriptor, camelCase names) for AI Studio,
and the Vertex AI v1 discovery document for Vertex AI."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from llmkit.dialects.base import CallContext, ChatRequest, EmbedRequest, ForcedTool
from llmkit.dialects.gemini import DIALECT, SafetySetting
from llmkit.emulator import Emulator, Script, ScriptedCall, add_profile
from llmkit.emulator import gemini as emu_gemini
from llmkit.types import ImagePart, Message, ReasoningPart, ResponseFormat, TextPart, Tool, ToolCall

# Google's published definitions, inside the shared folder's specs/ (found by the shared_spec fixture).
PROTOS = "google-gemini/protos/protos.json"
DISCOVERY = "google-vertex/aiplatform.v1.json"
_FILES: dict[str, Path] = {}


def use_specs(shared_spec: Callable[[str], Path]) -> None:
    """Locate the definitions (every test here, and test_google_fixtures.py, calls this first)."""
    for name in (PROTOS, DISCOVERY):
        _FILES.setdefault(name, shared_spec(name))


@pytest.fixture(autouse=True)
def _locate_definitions(shared_spec: Callable[[str], Path]) -> None:
    use_specs(shared_spec)


for _profile in (emu_gemini.AI_STUDIO, emu_gemini.VERTEX):
    add_profile(_profile)

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"

# ---------------------------------------------------------------- a protobufjs-JSON validator

_INTS = {
    "int32",
    "uint32",
    "sint32",
    "fixed32",
    "sfixed32",
    "int64",
    "uint64",
    "sint64",
    "fixed64",
    "sfixed64",
}


@cache
def _root() -> dict[str, Any]:
    root: dict[str, Any] = json.loads(_FILES[PROTOS].read_text())
    return root


def _lookup(name: str, scope: list[str]) -> dict[str, Any]:
    """Resolve a protobufjs type name the way protobuf does: innermost scope first."""
    root = _root()
    if name.startswith("."):
        name = name[1:]
        scope = []
    for depth in range(len(scope), -1, -1):
        node: Any = root
        ok = True
        for seg in [*scope[:depth], *name.split(".")]:
            nested = node.get("nested") if isinstance(node, dict) else None
            if not nested or seg not in nested:
                ok = False
                break
            node = nested[seg]
        if ok:
            found: dict[str, Any] = dict(node)
            found["_path"] = [*scope[:depth], *name.split(".")]
            return found
    raise KeyError(f"type {name} not found from {'.'.join(scope)}")


# Fields the REST binding takes from the URL path ({model=models/*}), not the body.
_NOT_IN_BODY = {
    ("GenerateContentRequest", "model"),
    ("CountTokensRequest", "model"),
    ("EmbedContentRequest", "model"),
    ("BatchEmbedContentsRequest", "model"),
}


def check_proto(value: Any, type_name: str, where: str = "$", scope: list[str] | None = None) -> None:
    scope = scope or ["google", "ai", "generativelanguage", "v1beta"]
    t = _lookup(type_name, scope)
    full = ".".join(t["_path"])
    if full == "google.protobuf.Struct":
        assert isinstance(value, dict), f"{where}: Struct must be an object"
        return
    if full == "google.protobuf.Value":
        return
    if full == "google.protobuf.ListValue":
        assert isinstance(value, list), f"{where}: ListValue must be an array"
        return
    if "values" in t:  # an enum
        assert value in t["values"], f"{where}: {value!r} is not a {full} value"
        return
    assert isinstance(value, dict), f"{where}: {full} must be an object, got {type(value).__name__}"
    fields: dict[str, Any] = t.get("fields", {})
    for key, item in value.items():
        assert key in fields, f"{where}: {full} has no field {key!r}"
        _check_field(item, fields[key], f"{where}.{key}", t["_path"])
    for oneof, members in (t.get("oneofs") or {}).items():
        if oneof.startswith("_"):
            continue  # proto3 optional
        present = [m for m in members["oneof"] if m in value]
        assert len(present) <= 1, f"{where}: oneof {oneof} has several members {present}"
    for key, spec in fields.items():
        required = (spec.get("options") or {}).get("(google.api.field_behavior)") == "REQUIRED"
        if required and key not in value and (t["_path"][-1], key) not in _NOT_IN_BODY:
            if t["_path"][-1] == "Schema" and key == "type" and "anyOf" in value:
                continue
            raise AssertionError(f"{where}: required field {full}.{key} is missing")


def _check_field(value: Any, spec: dict[str, Any], where: str, scope: list[str]) -> None:
    if "keyType" in spec:
        assert isinstance(value, dict), f"{where}: map field must be an object"
        for k, v in value.items():
            _check_scalar_or_message(v, spec["type"], f"{where}[{k}]", scope)
        return
    if spec.get("rule") == "repeated":
        assert isinstance(value, list), f"{where}: repeated field must be an array"
        for i, v in enumerate(value):
            _check_scalar_or_message(v, spec["type"], f"{where}[{i}]", scope)
        return
    _check_scalar_or_message(value, spec["type"], where, scope)


def _check_scalar_or_message(value: Any, type_name: str, where: str, scope: list[str]) -> None:
    if type_name == "string":
        assert isinstance(value, str), f"{where}: expected a string"
    elif type_name == "bool":
        assert isinstance(value, bool), f"{where}: expected a bool"
    elif type_name in _INTS:
        ok = isinstance(value, int) and not isinstance(value, bool)
        assert ok or (isinstance(value, str) and value.lstrip("-").isdigit()), f"{where}: expected an integer"
    elif type_name in ("float", "double"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: expected a number"
    elif type_name == "bytes":
        assert isinstance(value, str), f"{where}: bytes must be base64 text"
        base64.b64decode(
            value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value else None
        )
    else:
        check_proto(value, type_name, where, scope)


# ---------------------------------------------------------------- a discovery-document validator


@cache
def _discovery() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(_FILES[DISCOVERY].read_text())
    schemas: dict[str, Any] = doc["schemas"]
    return schemas


def check_discovery(value: Any, schema_or_name: dict[str, Any] | str, where: str = "$") -> None:
    schema: dict[str, Any] = (
        _discovery()[schema_or_name] if isinstance(schema_or_name, str) else schema_or_name
    )
    if "$ref" in schema:
        check_discovery(value, _discovery()[schema["$ref"]], where)
        return
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), f"{where}: expected an object"
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props and key in props:
                check_discovery(item, props[key], f"{where}.{key}")
            elif extra is not None:
                check_discovery(item, extra, f"{where}[{key}]")
            else:
                raise AssertionError(f"{where}: {schema.get('id', 'object')} has no property {key!r}")
    elif kind == "array":
        assert isinstance(value, list), f"{where}: expected an array"
        for i, item in enumerate(value):
            check_discovery(item, schema["items"], f"{where}[{i}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: expected a string"
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        assert ok or (isinstance(value, str) and value.isdigit()), f"{where}: expected an integer"
    elif kind == "number":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: expected a number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: expected a boolean"
    # "any" accepts anything


V = "GoogleCloudAiplatformV1"

# ---------------------------------------------------------------- the requests llmkit builds

WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {
        "type": "object",
        "properties": {"city": {"type": "string", "enum": ["Paris", "Rome"]}},
        "required": ["city"],
    },
)
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "score": {"anyOf": [{"type": "number"}, {"type": "null"}]},
        "kind": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    },
    "required": ["name"],
}


def _requests() -> Iterator[tuple[str, ChatRequest]]:
    convo = [
        Message("system", "Be brief."),
        Message("user", (TextPart("Look:"), ImagePart(data="aGVsbG8=", media_type="image/png"))),
        Message(
            "assistant",
            (ReasoningPart("thinking", signature="c2ln"), TextPart("Calling.")),
            tool_calls=(
                ToolCall("gcall_1", "get_weather", {"city": "Paris"}),
                ToolCall("x9", "get_weather", {}),
            ),
        ),
        Message("tool", '{"t": 1}', tool_call_id="gcall_1"),
        Message("tool", "ok", tool_call_id="x9"),
    ]
    yield "plain", ChatRequest("m", [Message("user", "hi")], temperature=0.3, max_tokens=20, stop=["x"])
    yield "tools", ChatRequest("m", convo, tools=[WEATHER], tool_choice=ForcedTool("get_weather"))
    yield (
        "schema",
        ChatRequest("m", [Message("user", "x")], response_format=ResponseFormat("json_schema", SCHEMA)),
    )
    yield (
        "options",
        ChatRequest(
            "m",
            [Message("user", "x")],
            options={
                "top_p": 0.5,
                "top_k": 3,
                "seed": 1,
                "thinking_budget": 128,
                "include_thoughts": True,
                "safety_settings": [SafetySetting("HARM_CATEGORY_HATE_SPEECH", "OFF")],
            },
        ),
    )


@pytest.fixture
def ctxs(vertex_ctx: Callable[..., CallContext], ai_ctx: CallContext) -> tuple[CallContext, CallContext]:
    return ai_ctx, vertex_ctx()


@pytest.mark.parametrize(("name", "req"), list(_requests()), ids=[n for n, _ in _requests()])
def test_requests_match_published_definitions(
    name: str, req: ChatRequest, ctxs: tuple[CallContext, CallContext]
) -> None:
    ai, vertex = ctxs
    check_proto(DIALECT.build_chat(req, ai).json, "GenerateContentRequest")
    check_discovery(DIALECT.build_chat(req, vertex).json, f"{V}GenerateContentRequest")
    check_proto(DIALECT.build_count_tokens(req, ai).json, "CountTokensRequest")  # type: ignore[union-attr]
    check_discovery(DIALECT.build_count_tokens(req, vertex).json, f"{V}CountTokensRequest")  # type: ignore[union-attr]


def test_thinking_level_is_in_vertex_v1(ctxs: tuple[CallContext, CallContext]) -> None:
    # The v1beta protos copy predates thinkingLevel; the Vertex v1 discovery document has it.
    req = ChatRequest("m", [Message("user", "x")], options={"thinking_level": "HIGH"})
    check_discovery(DIALECT.build_chat(req, ctxs[1]).json, f"{V}GenerateContentRequest")


def test_embed_requests_match(ctxs: tuple[CallContext, CallContext]) -> None:
    ai, vertex = ctxs
    one = EmbedRequest("e", ["a"], dimensions=8, options={"task_type": "CLUSTERING", "title": "t"})
    many = EmbedRequest("e", ["a", "b"], dimensions=8)
    check_proto(DIALECT.build_embed(one, ai).json, "EmbedContentRequest")
    check_proto(DIALECT.build_embed(many, ai).json, "BatchEmbedContentsRequest")
    check_discovery(DIALECT.build_embed(one, vertex).json, f"{V}EmbedContentRequest")
    check_discovery(DIALECT.build_embed(many, vertex).json, f"{V}BatchEmbedContentsRequest")


def test_validator_catches_mistakes() -> None:
    with pytest.raises(AssertionError, match="no field"):
        check_proto({"contents": [], "generation_config": {}}, "GenerateContentRequest")
    with pytest.raises(AssertionError, match="oneof"):
        check_proto({"text": "a", "inlineData": {"mimeType": "x", "data": "eA=="}}, "Part")
    with pytest.raises(AssertionError, match="not a"):
        check_proto({"category": "HARM_CATEGORY_NOPE", "threshold": "OFF"}, "SafetySetting")
    with pytest.raises(AssertionError, match="no property"):
        check_discovery({"contents": [], "bogus": 1}, f"{V}GenerateContentRequest")


# ---------------------------------------------------------------- the emulator's answers


def _post(url: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data, {"content-type": "application/json", **headers}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return int(resp.status), bytes(resp.read())


def _sse_payloads(raw: bytes) -> list[Any]:
    return [json.loads(line[len(b"data: ") :]) for line in raw.splitlines() if line.startswith(b"data: ")]


SCRIPTS = [
    Script(text="Plain answer here", reasoning="some thinking", cached_tokens=2),
    Script(
        tool_calls=[
            ScriptedCall("get_weather", {"city": "Paris"}),
            ScriptedCall("get_weather", {"city": "Rome"}),
        ]
    ),
    Script(text="x", finish_reason="content_filter"),
    Script(extra={"block_reason": "SAFETY"}),
]
BODY = {
    "contents": [{"role": "user", "parts": [{"text": "weather?"}]}],
    "tools": [{"functionDeclarations": [{"name": "get_weather", "description": "w"}]}],
    "generationConfig": {"thinkingConfig": {"includeThoughts": True}},
}


@pytest.mark.parametrize("script", SCRIPTS, ids=["text", "calls", "filtered", "blocked"])
def test_emulator_answers_match(emu: Emulator, script: Script) -> None:
    ai = f"{emu.base_url('gemini')}/models/gemini-2.5-flash"
    vertex = (
        f"{emu.url}/vertex_ai/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash"
    )
    key = {"x-goog-api-key": CANARY_KEY}
    bearer = {"authorization": f"Bearer {CANARY_KEY}"}
    for _ in range(4):
        copied = {f: getattr(script, f) for f in ("text", "reasoning", "finish_reason", "cached_tokens")}
        emu.script(Script(**copied, tool_calls=script.tool_calls, extra=dict(script.extra)))
    status, raw = _post(f"{ai}:generateContent", BODY, key)
    assert status == 200
    check_proto(json.loads(raw), "GenerateContentResponse")
    _, raw = _post(f"{ai}:streamGenerateContent?alt=sse", BODY, key)
    for chunk in _sse_payloads(raw):
        check_proto(chunk, "GenerateContentResponse")
    _, raw = _post(f"{vertex}:generateContent", BODY, bearer)
    check_discovery(json.loads(raw), f"{V}GenerateContentResponse")
    _, raw = _post(f"{vertex}:streamGenerateContent?alt=sse", BODY, bearer)
    chunks = _sse_payloads(raw)
    assert chunks
    for chunk in chunks:
        check_discovery(chunk, f"{V}GenerateContentResponse")


def test_emulator_tokens_and_embeddings_match(emu: Emulator) -> None:
    ai = f"{emu.base_url('gemini')}/models/gemini-embedding-001"
    vertex = f"{emu.url}/vertex_ai/v1/projects/p/locations/us-central1/publishers/google/models/" + (
        "gemini-embedding-001"
    )
    key = {"x-goog-api-key": CANARY_KEY}
    bearer = {"authorization": f"Bearer {CANARY_KEY}"}
    content = {"role": "user", "parts": [{"text": "count these words"}]}
    check_proto(
        json.loads(_post(f"{ai}:countTokens", {"contents": [content]}, key)[1]), "CountTokensResponse"
    )
    check_discovery(
        json.loads(_post(f"{vertex}:countTokens", {"contents": [content]}, bearer)[1]),
        f"{V}CountTokensResponse",
    )
    one = {"content": {"parts": [{"text": "a"}]}}
    check_proto(json.loads(_post(f"{ai}:embedContent", one, key)[1]), "EmbedContentResponse")
    batch = {"requests": [{"model": "models/gemini-embedding-001", **one}]}
    check_proto(json.loads(_post(f"{ai}:batchEmbedContents", batch, key)[1]), "BatchEmbedContentsResponse")
    check_discovery(json.loads(_post(f"{vertex}:embedContent", one, bearer)[1]), f"{V}EmbedContentResponse")
