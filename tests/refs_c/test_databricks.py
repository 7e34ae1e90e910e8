"""Databricks Model Serving held against its official SDK (``databricks-sdk``, test-only), both
directions: the SDK's OpenAI client helper (``serving_endpoints.get_open_ai_client``, its
workspace host and personal-access-token auth) talks to the emulator's databricks profile and
sends what llmkit sends for the same call; the SDK's own API client and typed models
(``QueryEndpointResponse``, its error mapper) read the emulator's answers and errors; and llmkit
reads a response serialized by those models and the error bodies the SDK's tests map. The
tests skip when the SDK is not installed."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from tests.fleet.test_fleet import CANARY_KEY, WEATHER

import llmkit
from llmkit import errors
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.providers import get_spec
from llmkit.types import Message
from llmkit.wire import HttpResponse

sdk = pytest.importorskip("databricks.sdk")
from databricks.sdk import errors as dbx_errors  # noqa: E402
from databricks.sdk.config import Config  # noqa: E402
from databricks.sdk.service import serving  # noqa: E402

TOOL = {
    "type": "function",
    "function": {"name": WEATHER.name, "description": WEATHER.description, "parameters": WEATHER.parameters},
}
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Oslo?"},
]
ENDPOINT = "databricks-claude-sonnet-4"  # the serving endpoint's name is the model


def _host(emu: Emulator) -> str:
    return emu.base_url("databricks").removesuffix("/serving-endpoints")


@pytest.fixture
def workspace(emu: Emulator) -> Iterator[Any]:
    # The SDK probes {host}/.well-known/databricks-config once (the emulator refuses it; the SDK
    # falls back to the explicit configuration); a short retry budget keeps that quick.
    cfg = Config(host=_host(emu), token=CANARY_KEY, auth_type="pat", retry_timeout_seconds=5)
    yield sdk.WorkspaceClient(config=cfg)


def _openai(workspace: Any) -> Any:
    with warnings.catch_warnings():  # the helper is deprecated for databricks-openai, still shipped
        warnings.simplefilter("ignore", DeprecationWarning)
        return workspace.serving_endpoints.get_open_ai_client(max_retries=0)


def test_sdk_defaults_agree_with_the_spec(workspace: Any, emu: Emulator) -> None:
    spec = get_spec("databricks")
    assert spec.base_url == "{host}/serving-endpoints"
    assert str(_openai(workspace).base_url).rstrip("/") == _host(emu) + "/serving-endpoints"
    env = {a.name: a.env for a in Config.attributes()}
    assert spec.env_keys[0] == env["token"] == "DATABRICKS_TOKEN"
    assert spec.params["host"].env[0] == env["host"] == "DATABRICKS_HOST"
    assert workspace.config.authenticate()["Authorization"] == f"Bearer {CANARY_KEY}"
    assert (spec.auth, spec.auth_header, spec.auth_prefix) == ("bearer", "authorization", "Bearer ")


def test_sdk_openai_helper_reads_the_emulator(workspace: Any, emu: Emulator) -> None:
    client = _openai(workspace)
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = client.chat.completions.create(model=ENDPOINT, messages=[{"role": "user", "content": "Capital?"}])
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9
    sent = emu.requests[-1]
    assert sent.path == "/serving-endpoints/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {CANARY_KEY}"

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_dbx_1")]))
    tools = client.chat.completions.create(model=ENDPOINT, messages=MESSAGES, tools=[TOOL])
    [tc] = tools.choices[0].message.tool_calls or []
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_dbx_1",
        "get_weather",
        {"city": "Lima"},
    )
    emu.script(Script(text="one two three"))
    chunks = list(client.chat.completions.create(model=ENDPOINT, messages=MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"


def test_sdk_models_read_the_emulators_answer(workspace: Any) -> None:
    """The SDK's API client posts the chat body and its generated QueryEndpointResponse reads the
    answer: the Databricks REST schema's own picture of a chat completion."""
    body = {"model": ENDPOINT, "messages": MESSAGES, "max_tokens": 16}
    raw = workspace.api_client.do("POST", "/serving-endpoints/chat/completions", body=body)
    answer = serving.QueryEndpointResponse.from_dict(raw)
    assert answer.object is serving.QueryEndpointResponseObject.CHAT_COMPLETION
    assert answer.id and answer.model == ENDPOINT and answer.created
    [choice] = answer.choices or []
    assert choice.index == 0 and choice.message is not None and choice.message.content
    assert choice.message.role is serving.ChatMessageRole.ASSISTANT
    assert answer.usage is not None and answer.usage.total_tokens == answer.usage.prompt_tokens + (
        answer.usage.completion_tokens or 0
    )
    # The schema spells it finishReason; the answer (and every OpenAI client) says finish_reason.
    assert choice.finish_reason is None and raw["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        # (A 429 the SDK retries until its budget ends, so it is left to llmkit's own tests.)
        (404, "ENDPOINT_NOT_FOUND", dbx_errors.NotFound),
        (403, "PERMISSION_DENIED", dbx_errors.PermissionDenied),
        (400, "BAD_REQUEST", dbx_errors.BadRequest),
    ],
)
def test_sdk_maps_the_emulators_errors(
    workspace: Any, emu: Emulator, status: int, code: str, cls: type
) -> None:
    emu.script(Script(error=ScriptedError(status, "scripted failure", code=code)))
    with pytest.raises(cls) as exc:
        workspace.api_client.do(
            "POST", "/serving-endpoints/chat/completions", body={"model": ENDPOINT, "messages": MESSAGES}
        )
    assert exc.value.error_code == code and "scripted failure" in str(exc.value)


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_matches_the_sdks(workspace: Any, emu: Emulator, stream: bool) -> None:
    opts: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("databricks")}
    emu.script(Script(text="ok"))
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream(
                f"databricks/{ENDPOINT}", MESSAGES, tools=[WEATHER], max_tokens=32, **opts
            ) as s:
                list(s)
        else:
            client.complete(
                f"databricks/{ENDPOINT}", MESSAGES, tools=[WEATHER], max_tokens=32, temperature=0.1, **opts
            )
    ours = emu.requests[-1]
    emu.script(Script(text="ok"))
    kw: dict[str, Any] = (
        {"stream": True, "stream_options": {"include_usage": True}} if stream else {"temperature": 0.1}
    )
    reply = _openai(workspace).chat.completions.create(
        model=ENDPOINT, messages=MESSAGES, tools=[TOOL], max_tokens=32, **kw
    )
    if stream:
        list(reply)
    theirs = emu.requests[-1]
    assert (ours.path, ours.headers["authorization"]) == (theirs.path, theirs.headers["authorization"])
    assert ours.json() == theirs.json()


def _parse(data: bytes, status: int = 200) -> Any:
    ctx = CallContext(get_spec("databricks"), ENDPOINT, "https://adb-1.azuredatabricks.net/serving-endpoints")
    resp = HttpResponse(status, {"content-type": "application/json"}, data)
    if status != 200:
        return DIALECT.parse_error(resp, ctx)
    return DIALECT.parse_chat(resp, ChatRequest(ENDPOINT, [Message("user", "Hi")]), ctx)


def test_llmkit_reads_a_response_the_sdk_serializes() -> None:
    built = serving.QueryEndpointResponse(
        id="chatcmpl-dbx-1",
        object=serving.QueryEndpointResponseObject.CHAT_COMPLETION,
        created=1767225600,
        model=ENDPOINT,
        choices=[
            serving.V1ResponseChoiceElement(
                index=0,
                finish_reason="stop",
                message=serving.ChatMessage(role=serving.ChatMessageRole.ASSISTANT, content="Sunny."),
            )
        ],
        usage=serving.ExternalModelUsageElement(prompt_tokens=11, completion_tokens=2, total_tokens=13),
    )
    done = _parse(json.dumps(built.as_dict()).encode())
    assert (done.text, done.id, done.model) == ("Sunny.", "chatcmpl-dbx-1", ENDPOINT)
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.total_tokens) == (11, 2, 13)
    # The SDK serializes the finish reason as finishReason, which llmkit (like the openai SDK)
    # does not read: the finish reason is then unknown, not a guess.
    assert "finishReason" in built.as_dict()["choices"][0] and done.raw_finish_reason is None


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        # The bodies databricks-sdk's tests/test_errors.py feeds its error mapper.
        (400, "INVALID_PARAMETER_VALUE", errors.BadRequestError),
        (400, "MALFORMED_REQUEST", errors.BadRequestError),
        (429, "RESOURCE_EXHAUSTED", errors.RateLimitError),
        (500, "UNKNOWN", errors.ServerError),
    ],
)
def test_llmkit_reads_the_sdk_tests_error_bodies(status: int, code: str, cls: type) -> None:
    err = _parse(json.dumps({"error_code": code, "message": "nope"}).encode(), status)
    assert isinstance(err, cls) and err.error_code == code and str(err).endswith(": nope")
