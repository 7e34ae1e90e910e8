"""OpenAI's published OpenAPI document as a reference for the OpenAI dialect and the emulator.

Every request body llmkit emits for the shared logical calls must validate against
``CreateChatCompletionRequest`` / ``CreateEmbeddingRequest``; every answer of the emulator
(completions, each stream chunk, embeddings, error bodies) against the matching response schema.
Validation is *closed*: a field the spec does not declare is an error (see ``_openapi.py``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2
import pytest

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError


def _helper() -> ModuleType:
    name = "llmkit_tests_conformance_openapi"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_openapi.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


oa = _helper()
CHAT = oa.CHAT_MODEL
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openai"


@pytest.fixture(autouse=True)
def _openai_spec(shared_spec: Callable[[str], Path]) -> None:
    """Every test here reads OpenAI's published document (../shared/specs)."""
    oa.use_spec(shared_spec(oa.SPEC))


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx2.Client]:
    headers = {"authorization": f"Bearer {emu.api_key}"}
    with httpx2.Client(base_url=emu.base_url("openai"), headers=headers, timeout=10) as client:
        yield client


def _run_llmkit(call: Any, emu: Emulator) -> None:
    arg, kwargs = call.llmkit
    common = {"base_url": emu.base_url("openai"), "api_key": emu.api_key, "max_retries": 0, **kwargs}
    with contextlib.suppress(llmkit.LLMKitError):  # only the request is looked at here
        if call.kind == "embed":
            llmkit.embed(f"openai/{oa.EMBED_MODEL}", arg, **common)
        elif call.kind == "stream":
            with llmkit.stream(f"openai/{CHAT}", arg, **common) as s:
                for _ in s:
                    pass
        else:
            llmkit.complete(f"openai/{CHAT}", arg, **common)


def _check_answer(resp: httpx2.Response, stream: bool, schema: str) -> list[Any]:
    """Validate a successful answer; return the decoded body (or the stream's chunks)."""
    assert resp.status_code == 200, resp.text
    if not stream:
        assert resp.headers["content-type"] == "application/json"
        body = resp.json()
        oa.assert_valid(schema, body)
        return [body]
    assert resp.headers["content-type"].startswith("text/event-stream")
    data = oa.sse_data(resp.content)
    assert data[-1] == "[DONE]" and "[DONE]" not in data[:-1]
    chunks = [json.loads(d) for d in data[:-1]]
    for i, chunk in enumerate(chunks):
        found = oa.problems("CreateChatCompletionStreamResponse", chunk)
        assert not found, f"stream chunk {i} is not a valid CreateChatCompletionStreamResponse: {found}"
    return chunks


# ---------------------------------------------------------------- what llmkit sends


@pytest.mark.parametrize("call", oa.CALLS, ids=lambda c: c.id)
def test_llmkit_request_body_matches_spec(emu: Emulator, call: Any) -> None:
    _run_llmkit(call, emu)
    body = emu.requests[-1].json()
    schema = "CreateEmbeddingRequest" if call.kind == "embed" else "CreateChatCompletionRequest"
    oa.assert_valid(schema, body)


# ---------------------------------------------------------------- what the emulator answers


@pytest.mark.parametrize("call", oa.CALLS, ids=lambda c: c.id)
def test_emulator_answer_to_llmkit_request_matches_spec(
    emu: Emulator, http: httpx2.Client, call: Any
) -> None:
    _run_llmkit(call, emu)
    sent = emu.requests[-1]
    resp = http.post(sent.path, content=sent.body, headers={"content-type": "application/json"})
    if call.kind == "embed":
        [body] = _check_answer(resp, False, "CreateEmbeddingResponse")
        assert len(body["data"]) == len(sent.json()["input"])
    else:
        _check_answer(resp, call.kind == "stream", "CreateChatCompletionResponse")


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": CHAT, "messages": oa._user("Weather in Oslo and Bergen?"), **extra}


STREAM = {"stream": True, "stream_options": {"include_usage": True}}
PARALLEL = [
    ScriptedCall("get_weather", {"city": "Oslo", "unit": "celsius"}, id="call_oslo"),
    ScriptedCall("get_time", {"tz": "Europe/Oslo"}, id="call_time"),
]
TOOLS = [oa.WEATHER_TOOL, oa.TIME_TOOL]

ANSWERS = {
    "text_with_usage_details": (
        _chat(),
        Script(text="Cold, -3 C.", input_tokens=20, output_tokens=6, cached_tokens=8, reasoning_tokens=2),
    ),
    "parallel_tool_calls": (_chat(tools=TOOLS), Script(tool_calls=PARALLEL)),
    "forced_tool_default_answer": (
        _chat(tools=TOOLS, tool_choice={"type": "function", "function": {"name": "get_time"}}),
        Script(),
    ),
    "finish_length": (_chat(max_completion_tokens=3), Script(text="Cold and", finish_reason="length")),
    "finish_content_filter": (_chat(), Script(text="", finish_reason="content_filter")),
    "structured_json": (
        _chat(
            response_format={"type": "json_schema", "json_schema": {"name": "w", "schema": oa.ANSWER_SCHEMA}}
        ),
        Script(json={"city": "Oslo", "celsius": -3}),
    ),
    "stream_text": (_chat(**STREAM), Script(text="Cold in Oslo, mild in Bergen.", chunk_chars=4)),
    "stream_without_usage": (_chat(stream=True), Script(text="Cold.", n_chunks=5)),
    "stream_parallel_tool_calls": (_chat(tools=TOOLS, **STREAM), Script(tool_calls=PARALLEL)),
    "stream_finish_length": (_chat(**STREAM), Script(text="Cold and", finish_reason="length")),
}


@pytest.mark.parametrize(("body", "script"), ANSWERS.values(), ids=ANSWERS.keys())
def test_scripted_emulator_answers_match_spec(
    emu: Emulator, http: httpx2.Client, body: dict[str, Any], script: Script
) -> None:
    emu.script(script)
    stream = bool(body.get("stream"))
    chunks = _check_answer(http.post("/chat/completions", json=body), stream, "CreateChatCompletionResponse")
    if stream:
        assert ("usage" in chunks[-1]) == ("stream_options" in body)
        if "stream_options" in body:
            assert chunks[-1]["choices"] == [] and all(c.get("usage") is None for c in chunks[:-1])


def test_embeddings_answers_match_spec(http: httpx2.Client) -> None:
    for body in (
        {"model": oa.EMBED_MODEL, "input": "one text"},
        {"model": oa.EMBED_MODEL, "input": ["a", "b", "c"], "dimensions": 3, "encoding_format": "float"},
    ):
        _check_answer(http.post("/embeddings", json=body), False, "CreateEmbeddingResponse")


@pytest.mark.parametrize("stream", [False, True], ids=["completion", "stream"])
def test_scripted_reasoning_answer_matches_spec(emu: Emulator, http: httpx2.Client, stream: bool) -> None:
    emu.script(Script(text="42", reasoning="Six times seven.", reasoning_tokens=5))
    body = _chat(**STREAM) if stream else _chat()
    _check_answer(http.post("/chat/completions", json=body), stream, "CreateChatCompletionResponse")


# ---------------------------------------------------------------- error bodies


def _post(emu: Emulator, path: str, body: Any, key: str | None) -> httpx2.Response:
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx2.post(emu.base_url("openai") + path, content=content, headers=headers, timeout=10)


ERRORS = {
    "wrong_key": ("/chat/completions", _chat(), "sk-wrong", None, 401),
    "missing_key": ("/chat/completions", _chat(), None, None, 401),
    "unknown_field": ("/chat/completions", _chat(temprature=1), "", None, 400),
    "bad_temperature": ("/chat/completions", _chat(temperature=7), "", None, 400),
    "missing_messages": ("/chat/completions", {"model": CHAT}, "", None, 400),
    "not_json": ("/chat/completions", b"{nope", "", None, 400),
    "orphan_tool_result": (
        "/chat/completions",
        {"model": CHAT, "messages": [{"role": "tool", "tool_call_id": "x", "content": "1"}]},
        "",
        None,
        400,
    ),
    "unknown_path": ("/chat/complete", _chat(), "", None, 404),
    "embeddings_unknown_field": ("/embeddings", {"model": "m", "input": "x", "dims": 3}, "", None, 400),
    "scripted_429": ("/chat/completions", _chat(), "", ScriptedError(429, "Rate limit reached"), 429),
    "scripted_500": ("/chat/completions", _chat(), "", ScriptedError(500, "boom", type="server_error"), 500),
    "scripted_503": (
        "/chat/completions",
        _chat(),
        "",
        ScriptedError(503, "overloaded", code="overloaded"),
        503,
    ),
    "scripted_context": (
        "/chat/completions",
        _chat(),
        "",
        ScriptedError(400, "too long", type="invalid_request_error", code="context_length_exceeded"),
        400,
    ),
}


@pytest.mark.parametrize(("path", "body", "key", "error", "status"), ERRORS.values(), ids=ERRORS.keys())
def test_error_bodies_match_spec(
    emu: Emulator, path: str, body: Any, key: str | None, error: ScriptedError | None, status: int
) -> None:
    if error is not None:
        emu.script(Script(error=error))
    resp = _post(emu, path, body, emu.api_key if key == "" else key)
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/json"
    oa.assert_valid("ErrorResponse", resp.json())


def test_error_event_inside_a_stream_matches_spec(http: httpx2.Client, emu: Emulator) -> None:
    emu.script(Script(text="a b c d", fault="stream_error", after=2, error=ScriptedError(500, "mid-stream")))
    resp = http.post("/chat/completions", json=_chat(**STREAM))
    *chunks, last = [json.loads(d) for d in oa.sse_data(resp.content)]
    assert len(chunks) == 2
    for chunk in chunks:
        oa.assert_valid("CreateChatCompletionStreamResponse", chunk)
    oa.assert_valid("ErrorResponse", last)


# ---------------------------------------------------------------- the documentation's own examples


# The older examples in OpenAI's reference predate fields the schema has since made required
# (message.refusal, logprobs.refusal) and show system_fingerprint as null. That drift is the
# documentation's, so it is pinned here exactly: anything else failing is a finding.
DOC_DRIFT = {
    "chat_completion_logprobs.json": {
        "choices/0/logprobs: 'refusal' is a required property",
        "choices/0/message: 'refusal' is a required property",
        "system_fingerprint: None is not of type 'string'",
    },
    "chat_completion_tool_call.json": {"choices/0/message: 'refusal' is a required property"},
}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_recorded_documentation_responses_match_spec(name: str) -> None:
    body = json.loads((FIXTURES / name).read_text())
    schema = "CreateEmbeddingResponse" if body.get("object") == "list" else "CreateChatCompletionResponse"
    assert set(oa.problems(schema, body)) == DOC_DRIFT.get(name, set())


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.sse")))
def test_recorded_documentation_streams_match_spec(name: str) -> None:
    data = oa.sse_data((FIXTURES / name).read_bytes())
    assert data[-1] == "[DONE]"
    for d in data[:-1]:
        oa.assert_valid("CreateChatCompletionStreamResponse", json.loads(d))


def _documented_requests() -> dict[str, dict[str, Any]]:
    """The JSON bodies of the curl examples in the reference for POST /chat/completions."""
    out = {}
    for example in oa.raw_spec()["paths"]["/chat/completions"]["post"]["x-oaiMeta"]["examples"]:
        curl = example["request"]["curl"]
        start = curl.index("-d '") + 4
        out[example["title"]] = json.loads(curl[start : curl.rindex("'")])
    return out


def test_llmkit_sends_the_documented_requests(emu: Emulator) -> None:
    """Each request in OpenAI's reference, written as an llmkit call, goes out as documented.

    One test over every example: the examples are read from the shared folder at run time, not at
    collection (a missing folder then fails through the fixture, as everywhere else)."""
    documented = _documented_requests()
    assert len(documented) >= 5
    for title, doc in documented.items():
        emu.reset()
        _check_documented_request(emu, title, dict(doc))


def _check_documented_request(emu: Emulator, title: str, doc: dict[str, Any]) -> None:
    oa.assert_valid("CreateChatCompletionRequest", doc)
    kwargs = {k: v for k, v in doc.items() if k not in ("model", "messages", "stream")}
    common = {"base_url": emu.base_url("openai"), "api_key": emu.api_key, "max_retries": 0}
    model = f"openai/{doc['model']}"
    with contextlib.suppress(llmkit.LLMKitError):  # only the request matters here
        if doc.get("stream"):
            with llmkit.stream(model, doc["messages"], **kwargs, **common) as s:
                for _ in s:
                    pass
        else:
            llmkit.complete(model, doc["messages"], **kwargs, **common)
    want = doc
    if "max_tokens" in want:  # the openai provider sends the non-deprecated name
        want["max_completion_tokens"] = want.pop("max_tokens")
    if want.get("stream"):  # llmkit always asks for the usage chunk
        want["stream_options"] = {"include_usage": True}
    assert emu.requests[-1].json() == want, title


def test_emulator_sends_null_usage_on_earlier_chunks(emu: Emulator, http: httpx2.Client) -> None:
    emu.script(Script(text="one two three"))
    chunks = _check_answer(http.post("/chat/completions", json=_chat(**STREAM)), True, "")
    assert all("usage" in c and c["usage"] is None for c in chunks[:-1])


# ---------------------------------------------------------------- the validator itself


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (_chat(max_completion_token=5), "'max_completion_token' was unexpected"),
        (
            {"model": CHAT, "messages": [{"role": "user", "content": "x", "tool_call_id": "y"}]},
            "tool_call_id",
        ),
        ({"model": CHAT, "messages": [{"role": "robot", "content": "x"}]}, "messages/0"),
        ({"model": CHAT, "messages": []}, "messages"),
        (_chat(temperature=3), "temperature"),
        (_chat(tools=[{"type": "function", "function": {"description": "no name"}}]), "'name' is a required"),
        (_chat(tool_choice="sometimes"), "tool_choice"),
        (_chat(response_format={"type": "json_schema"}), "'json_schema' is a required"),
        (_chat(stream_options={"include_usage": "yes"}), "include_usage"),
        (
            {"model": CHAT, "messages": [{"role": "user", "content": [{"type": "image_url", "url": "x"}]}]},
            "messages/0/content/0",
        ),
    ],
)
def test_validator_rejects_what_the_spec_forbids(body: dict[str, Any], complaint: str) -> None:
    found = oa.problems("CreateChatCompletionRequest", body)
    assert found and any(complaint in line for line in found), found


def test_validator_rejects_unknown_response_fields() -> None:
    message = {"role": "assistant", "content": "x", "refusal": None, "reasoning_content": "y"}
    completion = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": CHAT,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
    }
    assert oa.problems("CreateChatCompletionResponse", completion) == [
        "choices/0/message: Unevaluated properties are not allowed ('reasoning_content' was unexpected)"
    ]
    del message["reasoning_content"]
    oa.assert_valid("CreateChatCompletionResponse", completion)
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": CHAT,
        "choices": [{"index": 0, "delta": {"content": "x", "extra": 1}, "finish_reason": None}],
    }
    assert oa.problems("CreateChatCompletionStreamResponse", chunk) == [
        "choices/0/delta: Unevaluated properties are not allowed ('extra' was unexpected)"
    ]
    assert oa.problems("ErrorResponse", {"error": {"message": "m", "type": "t"}}) == [
        "error: 'code' is a required property",
        "error: 'param' is a required property",
    ]


def test_validator_accepts_nullable_fields() -> None:
    body = _chat(stop=None, max_completion_tokens=None, temperature=None, seed=None, n=None, logit_bias=None)
    oa.assert_valid("CreateChatCompletionRequest", body)
    assert oa.problems("CreateChatCompletionRequest", _chat(n="2"))
