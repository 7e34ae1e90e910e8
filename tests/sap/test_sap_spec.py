"""The orchestration wire format held against SAP's published specs (specs/sap/orchestration/api.yaml,
specs/sap/AI_CORE_API.yaml) with jsonschema: llmkit's request bodies, and the emulator's answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.framing.sse import SSEDecoder

MODEL = "sap/gpt-4o"


@cache
def _doc(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


@pytest.fixture(scope="module")
def schema(shared_spec: Callable[[str], Path]) -> Callable[[str, str], jsonschema.Draft7Validator]:
    def validator(name: str, spec: str = "sap/orchestration/api.yaml") -> jsonschema.Draft7Validator:
        components = _doc(str(shared_spec(spec)))["components"]
        if spec.endswith("orchestration/api.yaml"):
            components = _open_module_results(components)
        return jsonschema.Draft7Validator({"$ref": f"#/components/schemas/{name}", "components": components})

    return validator


def _open_module_results(components: dict[str, Any]) -> dict[str, Any]:
    """The spec's ModuleResults add ``llm`` and ``output_unmasking`` through ``allOf`` beside
    ``additionalProperties: false`` (on it and on ModuleResultsBase), which in JSON Schema refuses
    the very fields it adds (SAP's recorded responses included): the closing is lifted from those
    three; every other schema stays closed."""
    schemas = dict(components["schemas"])
    for name in ("ModuleResultsBase", "ModuleResults", "ModuleResultsStreaming"):
        schemas[name] = {k: v for k, v in schemas[name].items() if k != "additionalProperties"}
    return {**components, "schemas": schemas}


def _check(validator: jsonschema.Draft7Validator, obj: Any) -> None:
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors)


def _sent(emu: Emulator, suffix: str) -> Any:
    return [r for r in emu.requests if r.path.endswith(suffix)][-1]


CASES: dict[str, dict[str, Any]] = {
    "plain": {"temperature": 0.1, "max_tokens": 20, "stop": ["\n"]},
    "tools": {
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "description": "d",
                    "parameters": {"type": "object", "properties": {}},
                },
            }
        ],
        "tool_choice": "auto",
    },
    "json_schema": {
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "r",
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            },
        }
    },
    "modules": {
        "filtering": {
            "input": {"filters": [{"type": "azure_content_safety", "config": {"hate": 2, "violence": 4}}]},
            "output": {"filters": [{"type": "azure_content_safety", "config": {"sexual": 0}}]},
        },
        "masking": {
            "providers": [
                {
                    "type": "sap_data_privacy_integration",
                    "method": "anonymization",
                    "entities": [{"type": "profile-person"}],
                }
            ]
        },
        "placeholder_values": {"name": "Ada"},
        "model_version": "latest",
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("streaming", [False, True])
def test_completion_request_and_answer_follow_the_spec(
    sap: Emulator, schema: Callable[..., jsonschema.Draft7Validator], case: str, streaming: bool
) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi {{?name}}" if case == "modules" else "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Weather?"},
    ]
    if streaming:
        list(llmkit.stream(MODEL, messages, **CASES[case]))
    else:
        llmkit.complete(MODEL, messages, **CASES[case])
    _check(schema("CompletionPostRequest"), _sent(sap, "/completion").json())


def test_a_tool_round_trip_request_follows_the_spec(
    sap: Emulator, schema: Callable[..., jsonschema.Draft7Validator]
) -> None:
    sap.script(Script(tool_calls=[ScriptedCall("f", {"x": 1}, id="call_9")]))
    tools = CASES["tools"]["tools"]
    first = llmkit.complete(MODEL, "go", tools=tools)
    messages: list[Any] = [{"role": "user", "content": "go"}, first.message]
    messages.append({"role": "tool", "tool_call_id": "call_9", "content": "42"})
    llmkit.complete(MODEL, messages, tools=tools)
    _check(schema("CompletionPostRequest"), _sent(sap, "/completion").json())


def test_the_emulators_answer_follows_the_spec(
    sap: Emulator, schema: Callable[..., jsonschema.Draft7Validator]
) -> None:
    sap.script(Script(text="hi there"))
    out = llmkit.complete(MODEL, "hi")
    _check(schema("CompletionPostResponse"), out.raw)


def test_the_emulators_stream_events_follow_the_spec(
    sap: Emulator, schema: Callable[..., jsonschema.Draft7Validator]
) -> None:
    import httpx2

    from llmkit.emulator import sap as esap

    token = llmkit.complete(MODEL, "warm") and next(iter(esap.state_for(sap).tokens))
    body = {
        "config": {
            "modules": {
                "prompt_templating": {
                    "prompt": {"template": [{"role": "user", "content": "hi"}]},
                    "model": {"name": "gpt-4o"},
                }
            },
            "stream": {"enabled": True},
        }
    }
    url = f"{sap.url}/sap/v2/inference/deployments/{esap.DEPLOYMENT_ID}/v2/completion"
    headers = {"authorization": f"Bearer {token}", "ai-resource-group": "default"}
    for script, name in (
        (Script(text="a b c"), "CompletionPostResponseStreaming"),
        (Script(text="a b", fault="stream_error", after=1), "ErrorResponseStreaming"),
    ):
        sap.script(script)
        resp = httpx2.post(url, json=body, headers=headers)
        events = [json.loads(e.data) for e in SSEDecoder().feed(resp.content) if e.data != "[DONE]"]
        assert events
        _check(schema(name), events[-1])
        for event in events[:-1]:
            _check(schema("CompletionPostResponseStreaming"), event)


def test_embeddings_request_and_answer_follow_the_spec(
    sap: Emulator, schema: Callable[..., jsonschema.Draft7Validator]
) -> None:
    out = llmkit.embed("sap/text-embedding-3-small", ["a", "b"], dimensions=3, input_type="query")
    _check(schema("EmbeddingsPostRequest"), _sent(sap, "/embeddings").json())
    _check(schema("EmbeddingsPostResponse"), out.raw)


def test_errors_and_deployments_follow_the_specs(
    sap: Emulator, schema: Callable[..., jsonschema.Draft7Validator]
) -> None:
    sap.script(Script(error=ScriptedError(400, "Model name must be one of [...]")))
    with pytest.raises(llmkit.errors.BadRequestError) as info:
        llmkit.complete(MODEL, "hi")
    _check(schema("ErrorResponse"), info.value.body)
    lookup = _sent(sap, "/lm/deployments")
    import httpx2

    listed = httpx2.get(f"{sap.url}/sap{lookup.path}", params=lookup.query, headers=lookup.headers).json()
    _check(schema("AiDeploymentList", "sap/AI_CORE_API.yaml"), listed)
    denied = httpx2.get(
        f"{sap.url}/sap{lookup.path}", params=lookup.query, headers={"ai-resource-group": "default"}
    )
    assert denied.status_code == 401
    _check(schema("AiApiError", "sap/AI_CORE_API.yaml"), denied.json()["error"])


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sap"


@pytest.mark.parametrize(
    ("name", "schema_name"),
    [
        ("orchestration-chat-completion-success-response.json", "CompletionPostResponse"),
        ("orchestration-embedding-simple-response.json", "EmbeddingsPostResponse"),
        ("orchestration-embedding-error.json", "ErrorResponse"),
        ("orchestration-chat-completion-stream-chunks.txt", "CompletionPostResponseStreaming"),
    ],
)
def test_the_recorded_responses_follow_the_spec(
    schema: Callable[..., jsonschema.Draft7Validator], name: str, schema_name: str
) -> None:
    # The emulator and the dialect are checked against the same spec as SAP's own recordings.
    data = (FIXTURES / name).read_bytes()
    if name.endswith(".txt"):
        objs = [json.loads(e.data) for e in SSEDecoder().feed(data) if e.data != "[DONE]"]
    else:
        objs = [json.loads(data)]
    for obj in objs:
        _check(schema(schema_name), obj)
