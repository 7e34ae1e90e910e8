"""AssemblyAI's LLM Gateway held against its official SDK (``assemblyai``, test-only), both
directions: the SDK's ``LLMGateway`` talks to the emulator's assemblyai profile and its models
parse the answers (text, tool call, stream); llmkit's request goes to the path and carries the
key the way the SDK sends them, with the fields the SDK's ``create`` names; and llmkit reads the
bodies the SDK's own unit tests post (tests/fixtures/assemblyai/, answers and both error shapes).
The tests skip when the SDK is not installed."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

import pytest
from tests.fleet.test_fixtures import FIXTURES, decode, decode_error
from tests.fleet.test_fleet import CANARY_KEY, WEATHER

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.providers import get_spec

aai = pytest.importorskip("assemblyai")
from assemblyai.llm_gateway.v1 import api as gateway_api  # noqa: E402
from assemblyai.llm_gateway.v1 import client as gateway_client  # noqa: E402

TOOL = {
    "type": "function",
    "function": {"name": WEATHER.name, "description": WEATHER.description, "parameters": WEATHER.parameters},
}
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Oslo?"},
]


def _gateway(emu: Emulator | None = None) -> Any:
    settings = aai.Settings(api_key=CANARY_KEY)
    if emu is not None:
        # The SDK appends /v1/chat/completions to the gateway's origin.
        settings.llm_gateway_base_url = emu.base_url("assemblyai").removesuffix("/v1")
    return aai.LLMGateway(client=aai.Client(settings=settings))


def test_sdk_defaults_agree_with_the_spec() -> None:
    spec = get_spec("assemblyai")
    assert spec.base_url == aai.Settings().llm_gateway_base_url + "/v1"
    assert gateway_api.ENDPOINT_CHAT_COMPLETIONS == "/v1/chat/completions"
    # Settings read ASSEMBLYAI_* variables (env_prefix "assemblyai_"): the key is ASSEMBLYAI_API_KEY.
    assert spec.env_keys == ("ASSEMBLYAI_API_KEY",)
    assert aai.Settings.model_config.get("env_prefix") == "assemblyai_"
    # The SDK's HTTP client carries the bare key, no Bearer, in Authorization.
    headers = _gateway().client.http_client.headers
    assert headers["authorization"] == CANARY_KEY
    assert (spec.auth, spec.auth_header, spec.auth_prefix) == ("header", "authorization", "")


def test_sdk_reads_the_emulator(emu: Emulator) -> None:
    create = _gateway(emu).chat.completions.create
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = create(model="claude-sonnet-5", messages=[{"role": "user", "content": "Capital?"}])
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9
    assert done.usage.input_tokens == 9 and done.request_id
    sent = emu.requests[-1]
    assert sent.headers["authorization"] == CANARY_KEY and sent.path == "/v1/chat/completions"

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_aai_1")]))
    tools = create(model="gpt-4o", messages=MESSAGES, tools=[TOOL])
    [tc] = tools.choices[0].message.tool_calls or []
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_aai_1",
        "get_weather",
        {"city": "Lima"},
    )

    emu.script(Script(text="one two three"))
    chunks = list(
        create(model="gpt-4o", messages=MESSAGES, stream=True, stream_options={"include_usage": True})
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


def test_sdk_reads_the_emulators_errors(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(500, "something went wrong")))
    with pytest.raises(aai.LLMGatewayError) as exc:
        _gateway(emu).chat.completions.create(model="m", messages=MESSAGES)
    assert exc.value.status_code == 500 and exc.value.request_id == "req_emulated_error"
    assert "something went wrong" in str(exc.value)
    bad = aai.Settings(
        api_key="wrong-key", llm_gateway_base_url=emu.base_url("assemblyai").removesuffix("/v1")
    )
    with pytest.raises(aai.LLMGatewayError) as exc:
        aai.LLMGateway(client=aai.Client(settings=bad)).chat.completions.create(model="m", messages=MESSAGES)
    assert exc.value.status_code == 401 and "Authentication error" in str(exc.value)


def _declared() -> set[str]:
    """The body fields ``create`` names (on its overloads; the implementation takes **kwargs)."""
    names: set[str] = set()
    for overload in typing.get_overloads(gateway_client.CompletionsResource.create):
        names |= set(inspect.signature(overload).parameters) - {"self", "kwargs"}
    return names


def _sdk_body(body: dict[str, Any]) -> dict[str, Any]:
    # The SDK always writes "stream"; llmkit leaves it out of an unstreamed call.
    return {k: v for k, v in body.items() if not (k == "stream" and v is False)}


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_matches_the_sdks(emu: Emulator, stream: bool) -> None:
    opts: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("assemblyai")}
    emu.script(Script(text="ok"))
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream("assemblyai/gpt-4o", MESSAGES, tools=[WEATHER], max_tokens=32, **opts) as s:
                list(s)
        else:
            client.complete(
                "assemblyai/gpt-4o", MESSAGES, tools=[WEATHER], max_tokens=32, temperature=0.1, **opts
            )
    ours = emu.requests[-1]
    body = ours.json()
    # The SDK's own request for the same call, to the same path with the same key header.
    emu.script(Script(text="ok"))
    extra: dict[str, Any] = {"stream_options": {"include_usage": True}} if stream else {"temperature": 0.1}
    reply = _gateway(emu).chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=stream, tools=[TOOL], max_tokens=32, **extra
    )
    if stream:
        list(reply)
    theirs = emu.requests[-1]
    assert (ours.path, ours.headers["authorization"]) == (theirs.path, theirs.headers["authorization"])
    assert body == _sdk_body(theirs.json())
    # stream_options goes through the SDK's **kwargs: the gateway forwards the upstream's usage chunk.
    assert set(body) - _declared() == ({"stream_options"} if stream else set())


def test_llmkit_reads_the_sdk_tests_completion() -> None:
    done = decode("assemblyai", "sdk_test_completion.json", "claude-sonnet-5")
    assert done.text == "Hello there." and done.id == "req-completion-1"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.total_tokens) == (10, 5, 15)
    assert done.model == "claude-sonnet-5"  # the body names none: the requested model
    assert (FIXTURES / "assemblyai" / "sdk_test_completion.json").is_file()


def test_llmkit_reads_the_sdk_tests_stream() -> None:
    done = decode("assemblyai", "sdk_test_stream.sse", "claude-sonnet-5")
    assert done.text == "Hello there." and done.id == "chatcmpl-1"


@pytest.mark.parametrize(
    ("name", "status", "cls", "message"),
    [
        ("sdk_test_error_500.json", 500, errors.ServerError, "something went wrong"),
        ("sdk_test_error_400.json", 400, errors.BadRequestError, "invalid request body"),
        ("sdk_test_error_401.json", 401, errors.AuthenticationError, "Authentication error"),
    ],
)
def test_llmkit_reads_the_sdk_tests_errors(name: str, status: int, cls: type, message: str) -> None:
    err = decode_error("assemblyai", name, status, "application/json")
    assert isinstance(err, cls) and message in err.message and err.status_code == status


def test_llmkit_reads_the_emulator(emu: Emulator) -> None:
    emu.script(Script(text="Sunny.", input_tokens=7, output_tokens=1))
    done = llmkit.complete(
        "assemblyai/gpt-4o",
        "Weather?",
        api_key=CANARY_KEY,
        base_url=emu.base_url("assemblyai"),
        max_retries=0,
    )
    assert done.text == "Sunny." and done.id and done.id.startswith("req_")
    assert emu.requests[-1].headers["authorization"] == CANARY_KEY
