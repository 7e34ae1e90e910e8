"""AI21 (Jamba) held against its official SDK (``ai21``, test-only), both directions: the SDK's
``AI21Client`` talks to the emulator's ai21 profile and its models parse the answers (text, tool
call, stream); llmkit's request for a call equals the SDK's own request for it (path, key header,
body) and names only fields the SDK's ``create`` takes; and llmkit reads the chat completion the
SDK's unit tests round-trip (tests/fixtures/ai21/). The tests skip when the SDK is not installed."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from tests.fleet.test_fixtures import decode
from tests.fleet.test_fleet import CANARY_KEY, WEATHER

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.providers import get_spec

ai21 = pytest.importorskip("ai21")
from ai21 import constants as ai21_constants  # noqa: E402
from ai21.clients.studio.resources.chat import ChatCompletions  # noqa: E402
from ai21.models.chat import SystemMessage, UserMessage  # noqa: E402

TOOL = {
    "type": "function",
    "function": {"name": WEATHER.name, "description": WEATHER.description, "parameters": WEATHER.parameters},
}
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Oslo?"},
]
# The SDK takes its own message models, not dicts.
SDK_MESSAGES = [SystemMessage(content="Be brief."), UserMessage(content="Weather in Oslo?")]


def _client(emu: Emulator | None = None) -> Any:
    host = None if emu is None else emu.base_url("ai21")
    return ai21.AI21Client(api_key=CANARY_KEY, api_host=host)


def test_sdk_defaults_agree_with_the_spec() -> None:
    spec = get_spec("ai21")
    assert spec.base_url == ai21_constants.STUDIO_HOST
    assert spec.env_keys[0] == "AI21_API_KEY"
    assert ChatCompletions._module_name == "chat/completions"
    headers = _client()._headers
    assert headers["Authorization"] == f"Bearer {CANARY_KEY}"
    assert (spec.auth, spec.auth_header, spec.auth_prefix) == ("bearer", "authorization", "Bearer ")
    # The SDK's ResponseFormat takes "text" or "json_object" only: no json_schema capability.
    from ai21.models.chat.response_format import ResponseFormat

    assert typing_args(ResponseFormat) == ("text", "json_object")
    assert "json_object" in spec.capabilities and "json_schema" not in spec.capabilities


def typing_args(kind: Any) -> tuple[str, ...]:
    import typing

    return typing.get_args(typing.get_type_hints(kind, include_extras=False)["type"])


def test_sdk_reads_the_emulator(emu: Emulator) -> None:
    create = _client(emu).chat.completions.create
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = create(model="jamba-mini", messages=[UserMessage(content="Capital?")])
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9 and done.id
    sent = emu.requests[-1]
    assert (
        sent.headers["authorization"] == f"Bearer {CANARY_KEY}" and sent.path == "/studio/v1/chat/completions"
    )

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_ai21_1")]))
    tools = create(model="jamba-large", messages=SDK_MESSAGES, tools=[TOOL])
    [tc] = tools.choices[0].message.tool_calls or []
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_ai21_1",
        "get_weather",
        {"city": "Lima"},
    )

    emu.script(Script(text="one two three"))
    chunks = list(create(model="jamba-mini", messages=SDK_MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"


def _declared() -> set[str]:
    return set(inspect.signature(ChatCompletions.create).parameters) - {"self", "kwargs"}


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_matches_the_sdks(emu: Emulator, stream: bool) -> None:
    opts: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("ai21")}
    docs = [{"content": "Oslo: rain all week.", "id": "d1"}]
    emu.script(Script(text="ok"))
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream(
                "ai21/jamba-mini", MESSAGES, tools=[WEATHER], max_tokens=32, documents=docs, **opts
            ) as s:
                list(s)
        else:
            client.complete(
                "ai21/jamba-mini",
                MESSAGES,
                tools=[WEATHER],
                max_tokens=32,
                temperature=0.1,
                documents=docs,
                **opts,
            )
    ours = emu.requests[-1]
    body = ours.json()
    emu.script(Script(text="ok"))
    # stream_options is no parameter of the SDK's create; it passes through its **kwargs.
    extra: dict[str, Any] = {"stream_options": {"include_usage": True}} if stream else {"temperature": 0.1}
    reply = _client(emu).chat.completions.create(
        model="jamba-mini",
        messages=SDK_MESSAGES,
        stream=stream,
        tools=[TOOL],
        max_tokens=32,
        documents=docs,
        **extra,
    )
    if stream:
        list(reply)
    theirs = emu.requests[-1]
    assert (ours.path, ours.headers["authorization"]) == (theirs.path, theirs.headers["authorization"])
    # The SDK always writes "stream" (False when not streaming); llmkit leaves it out then.
    assert body == {k: v for k, v in theirs.json().items() if not (k == "stream" and v is False)}
    assert set(body) - _declared() == ({"stream_options"} if stream else set())


def test_llmkit_reads_the_sdk_tests_completion() -> None:
    done = decode("ai21", "sdk_test_chat_completion.json", "jamba-mini")
    assert done.text.startswith("I apologize for any inconvenience") and done.id == "123"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.total_tokens) == (105, 61, 166)
    assert done.tool_calls == [] and done.model == "jamba-mini"
