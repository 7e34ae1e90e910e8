"""Providers that publish an OpenAPI document (../shared/specs/): llmkit's request bodies and the
emulator's responses and stream chunks must validate against that provider's chat-completion schemas.

Each document is parsed once per test session (libyaml) and compiled into JSON Schema 2020-12
validators; OpenAPI 3.0 leftovers (``nullable: true``) are rewritten into ``"null"`` types.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from referencing.jsonschema import DRAFT202012

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.types import Tool

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"

# provider -> (document, chat path, request schema, response schema, stream-event schema, options to exercise)
PUBLISHED: dict[str, tuple[str, str, str, str, str, dict[str, Any]]] = {
    "mistral": (
        "mistral/openapi-public-doc.yaml",
        "/v1/chat/completions",
        "ChatCompletionRequest",
        "ChatCompletionResponse",
        "CompletionEvent",
        {"safe_prompt": True, "seed": 3, "top_p": 0.9},
    ),
    "together_ai": (
        "together/openapi.yaml",
        "/chat/completions",
        "ChatCompletionRequest",
        "ChatCompletionResponse",
        "ChatCompletionEvent",
        {"top_k": 40, "repetition_penalty": 1.1, "seed": 3},
    ),
    "openrouter": (
        "openrouter/openapi.yaml",
        "/chat/completions",
        "ChatRequest",
        "ChatResult",
        "ChatStreamingResponse",
        {"provider": {"order": ["openai"], "allow_fallbacks": True}, "models": ["openai/gpt-4o"], "seed": 3},
    ),
}
WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def _denull(node: Any) -> Any:
    if isinstance(node, list):
        return [_denull(x) for x in node]
    if not isinstance(node, dict):
        return node
    parts = node.get("allOf")
    if isinstance(parts, list) and {"nullable": True} in parts:
        # ``allOf: [{nullable: true}, X]`` means "X or null".
        rest = [_denull(p) for p in parts if p != {"nullable": True}]
        others = {k: _denull(v) for k, v in node.items() if k != "allOf"}
        return {**others, "anyOf": [{"allOf": rest}, {"type": "null"}]}
    out = {k: _denull(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is not True:
        return out
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [out, {"type": "null"}]}


# Where a published document contradicts itself, the narrowest fix, with the reason. Each entry:
# (document, schema, field, value to drop from its "required" list).
SPEC_ERRATA: list[tuple[str, str, str, str]] = [
    # ChatCompletionResponse lists "data" as required but never declares it; no chat reply has it.
    ("mistral/openapi-public-doc.yaml", "ChatCompletionResponse", "allOf/1", "data"),
    # The request's assistant tool_calls reuse the streamed tool-call schema, which needs "index";
    # a tool call echoed back in a request has no stream index.
    ("together/openapi.yaml", "ToolChoice", "", "index"),
]


def _apply_errata(path: str, doc: dict[str, Any]) -> None:
    for where, schema, sub, field in SPEC_ERRATA:
        if where != path:
            continue
        node: Any = doc["components"]["schemas"][schema]
        for step in filter(None, sub.split("/")):
            node = node[int(step)] if isinstance(node, list) else node[step]
        node["required"] = [r for r in node["required"] if r != field]


@functools.cache
def _document(file: Path, path: str) -> dict[str, Any]:
    with file.open("rb") as f:
        doc = yaml.load(f, Loader=yaml.CSafeLoader)
    doc = _denull(doc)
    _apply_errata(path, doc)
    return doc  # type: ignore[no-any-return]


@functools.cache
def _validator(file: Path, path: str, schema: str) -> jsonschema.Draft202012Validator:
    uri = f"urn:llmkit-fleet:{path}"
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(
        uri, DRAFT202012.create_resource(_document(file, path))
    )
    return jsonschema.Draft202012Validator({"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry)


def _check(spec: Callable[[str], Path], path: str, schema: str, instance: Any) -> None:
    found = _validator(spec(path), path, schema).iter_errors(instance)
    problems = sorted(found, key=lambda e: list(e.absolute_path))
    detail = "\n".join(
        f"  {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in problems[:8]
    )
    assert not problems, f"not a valid {schema} ({path}):\n{detail}"


@pytest.fixture(scope="module", params=sorted(PUBLISHED))
def exchange(
    request: pytest.FixtureRequest, emulator: Emulator
) -> Iterator[tuple[str, dict[str, list[Any]]]]:
    """Calls the provider through llmkit (plain, options, tools, JSON, stream); keeps both directions."""
    name = request.param
    options = PUBLISHED[name][5]
    emulator.reset()
    seen: dict[str, list[Any]] = {"requests": [], "responses": [], "chunks": []}
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emulator.base_url(name)}
    with llmkit.Client(max_retries=0) as client:
        model = f"{name}/emu-model"
        seen["responses"].append(client.complete(model, "Hi", max_tokens=30, temperature=0.5, **kw).raw)
        seen["responses"].append(client.complete(model, "Hi", stop=["\n"], **options, **kw).raw)
        emulator.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="call_1")]))
        first = client.complete(model, "Weather in Oslo?", tools=[WEATHER], **kw)
        seen["responses"].append(first.raw)
        history = [
            llmkit.Message("user", "Weather in Oslo?"),
            first.message,
            llmkit.Message("tool", "4 degrees, rain", tool_call_id="call_1"),
        ]
        seen["responses"].append(client.complete(model, history, tools=[WEATHER], **kw).raw)
        schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        seen["responses"].append(client.complete(model, "JSON please", response_format=schema, **kw).raw)
        emulator.script(Script(text="streamed words arrive here"))
        with client.stream(model, "Stream", **kw) as s:
            list(s)
            seen["chunks"].extend(s.completion.raw)
        emulator.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Rome"})]))
        with client.stream(model, "Stream a call", tools=[WEATHER], **kw) as s:
            list(s)
            seen["chunks"].extend(s.completion.raw)
    seen["requests"] = [r.json() for r in emulator.requests]
    emulator.reset()
    yield name, seen


Exchange = tuple[str, dict[str, list[Any]]]


def test_requests_match_published_schema(exchange: Exchange, shared_spec: Callable[[str], Path]) -> None:
    name, seen = exchange
    path, _, request_schema, *_ = PUBLISHED[name]
    assert len(seen["requests"]) == 7
    for body in seen["requests"]:
        _check(shared_spec, path, request_schema, body)


def test_emulator_responses_match_published_schema(
    exchange: Exchange, shared_spec: Callable[[str], Path]
) -> None:
    name, seen = exchange
    path, _, _, response_schema, event_schema, _ = PUBLISHED[name]
    for body in seen["responses"]:
        _check(shared_spec, path, response_schema, body)
    assert seen["chunks"]
    for chunk in seen["chunks"]:
        _check(shared_spec, path, event_schema, {"data": chunk})


def test_published_chat_path_matches(exchange: Exchange, shared_spec: Callable[[str], Path]) -> None:
    name, _ = exchange
    path, chat_path, *_ = PUBLISHED[name]
    assert chat_path in _document(shared_spec(path), path)["paths"]


def test_ollama_document_covers_only_the_native_api(shared_spec: Callable[[str], Path]) -> None:
    """Ollama's published document describes /api/* only, not the OpenAI-compatible /v1 route llmkit
    uses, so there is nothing to validate against; this notices if that changes."""
    doc = _document(shared_spec("ollama/openapi.yaml"), "ollama/openapi.yaml")
    assert "/api/chat" in doc["paths"]
    assert not [p for p in doc["paths"] if p.startswith("/v1")]
