"""Both directions held to Ollama's published OpenAPI document (../shared/specs/ollama/openapi.yaml)
with jsonschema: every body llmkit sends (chat whole and streamed, with tools, images, think,
format and options; embed) is a valid ``ChatRequest`` / ``EmbedRequest``, and every answer the
emulator gives (a chat answer, each NDJSON line, generate, embed, an error) is a valid
``ChatResponse`` / ``ChatStreamEvent`` / ``GenerateResponse`` / ``GenerateStreamEvent`` /
``EmbedResponse`` / ``ErrorResponse``."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import yaml
from _ollama_helpers import MODEL, options, sent
from referencing.jsonschema import DRAFT202012

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.types import ImagePart, Message, TextPart, Tool, ToolCall

DOC = "ollama/openapi.yaml"
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


@functools.cache
def _document(file: Path) -> dict[str, Any]:
    with file.open("rb") as f:
        doc: dict[str, Any] = yaml.load(f, Loader=yaml.CSafeLoader)
    # Erratum: EmbedResponse.prompt_eval_count is declared an array of TokenLogprob (a copy-paste of
    # the logprobs schema); the server sends the prompt's token count, an integer (the document's
    # own /api/embed example shows 8; the SDK's EmbedResponse reads it as Optional[int]).
    doc["components"]["schemas"]["EmbedResponse"]["properties"]["prompt_eval_count"] = {"type": "integer"}
    return doc


def _check(spec: Callable[[str], Path], schema: str, instance: Any) -> None:
    uri = "urn:llmkit-ollama:openapi"
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(
        uri, DRAFT202012.create_resource(_document(spec(DOC)))
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{uri}#/components/schemas/{schema}"}, registry=registry
    )
    problems = list(validator.iter_errors(instance))
    detail = "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in problems[:5])
    assert not problems, f"not a valid {schema}: {detail}"


def _lines(body: bytes) -> list[Any]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def test_llmkit_requests_are_valid_chat_and_embed_requests(
    emu: Emulator, shared_spec: Callable[[str], Path]
) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    history = [
        Message("system", "Be brief."),
        Message("user", (TextPart("see"), ImagePart(data=png, media_type="image/png"))),
        Message("assistant", "", tool_calls=(ToolCall("c1", "get_weather", {"city": "Oslo"}),)),
        Message("tool", "cold", tool_call_id="c1"),
    ]
    emu.script(Script(text="a"), Script(text="b"), Script(json={"x": 1}))
    kw = options(emu)
    llmkit.complete(MODEL, history, tools=[WEATHER], max_tokens=9, stop=["x"], seed=1, top_k=4, **kw)
    with llmkit.stream(MODEL, "hi", think="low", keep_alive=300, **kw) as s:
        list(s)
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
    llmkit.complete(MODEL, "json", response_format=schema, think=False, **kw)
    llmkit.embed("ollama_chat/all-minilm", ["a", "b"], dimensions=4, truncate=False, **kw)
    requests = sent(emu)
    for r in requests[:3]:
        _check(shared_spec, "ChatRequest", json.loads(r.body))
    _check(shared_spec, "EmbedRequest", json.loads(requests[3].body))


def _post(emu: Emulator, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        emu.base_url("ollama_chat") + path, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.parametrize("think", [True, False])
def test_emulator_answers_are_valid_responses(
    think: bool, emu: Emulator, shared_spec: Callable[[str], Path]
) -> None:
    msgs = [{"role": "user", "content": "hi"}]
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    emu.script(
        Script(text="whole", reasoning="r"),
        Script(text="streamed text", reasoning="thought", chunk_chars=3),
        Script(tool_calls=[ScriptedCall("f", {"a": 1})]),
        Script(text="generated"),
        Script(text="generated stream", chunk_chars=4),
    )
    status, body = _post(emu, "/api/chat", {"model": "m", "messages": msgs, "stream": False, "think": think})
    assert status == 200
    _check(shared_spec, "ChatResponse", json.loads(body))
    status, body = _post(emu, "/api/chat", {"model": "m", "messages": msgs, "think": think})
    lines = _lines(body)
    assert status == 200 and lines[-1]["done"] is True and len(lines) > 3
    for line in lines:
        _check(shared_spec, "ChatStreamEvent", line)
    _check(shared_spec, "ChatResponse", lines[-1])
    status, body = _post(emu, "/api/chat", {"model": "m", "messages": msgs, "tools": tools, "stream": False})
    _check(shared_spec, "ChatResponse", json.loads(body))
    status, body = _post(emu, "/api/generate", {"model": "m", "prompt": "p", "stream": False, "think": think})
    _check(shared_spec, "GenerateResponse", json.loads(body))
    status, body = _post(emu, "/api/generate", {"model": "m", "prompt": "p"})
    for line in _lines(body):
        _check(shared_spec, "GenerateStreamEvent", line)
    status, body = _post(emu, "/api/embed", {"model": "e", "input": ["a", "b"]})
    _check(shared_spec, "EmbedResponse", json.loads(body))


def test_emulator_errors_are_valid_error_responses(emu: Emulator, shared_spec: Callable[[str], Path]) -> None:
    status, body = _post(emu, "/api/chat", {"model": "missing-x", "messages": []})
    assert status == 404
    _check(shared_spec, "ErrorResponse", json.loads(body))
    emu.script(
        Script(text="a b c", chunk_chars=2, fault="stream_error", after=1, error=ScriptedError(500, "boom"))
    )
    status, body = _post(emu, "/api/chat", {"model": "m", "messages": [{"role": "user", "content": "x"}]})
    last = _lines(body)[-1]
    assert status == 200 and last == {"error": "boom"}
    _check(shared_spec, "ErrorResponse", last)
