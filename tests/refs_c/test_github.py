"""GitHub Models held against the SDK GitHub's docs use for it, Azure's ``azure-ai-inference``
(test-only), both directions: its ``ChatCompletionsClient`` pointed at the emulator's github
profile sends what llmkit sends for the same call (path, bearer key, body) and its models parse
the emulator's answers (text, tool call, stream); llmkit names only fields its ``complete`` takes;
and llmkit reads a completion built and serialized by the SDK's own models. The tests skip when
the SDK is not installed."""

from __future__ import annotations

import datetime
import inspect
import json
from typing import Any

import pytest
from tests.fleet.test_fleet import CANARY_KEY, WEATHER

import llmkit
from llmkit.dialects.base import CallContext, ChatRequest
from llmkit.dialects.openai_chat import DIALECT
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.providers import get_spec
from llmkit.types import FinishReason, Message
from llmkit.wire import HttpResponse

inference = pytest.importorskip("azure.ai.inference")
from azure.ai.inference import models as az  # noqa: E402
from azure.ai.inference._model_base import SdkJSONEncoder  # noqa: E402
from azure.core.credentials import AzureKeyCredential  # noqa: E402

TOOL = {
    "type": "function",
    "function": {"name": WEATHER.name, "description": WEATHER.description, "parameters": WEATHER.parameters},
}
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Oslo?"},
]
# GitHub's docs configure the SDK with this endpoint and a GitHub token.
GITHUB_ENDPOINT = "https://models.github.ai/inference"


def _client(emu: Emulator) -> Any:
    return inference.ChatCompletionsClient(
        endpoint=emu.base_url("github"), credential=AzureKeyCredential(CANARY_KEY), retry_total=0
    )


def test_sdk_endpoint_and_auth_agree_with_the_spec(emu: Emulator) -> None:
    spec = get_spec("github")
    assert spec.base_url == GITHUB_ENDPOINT and spec.env_keys[0] == "GITHUB_TOKEN"
    assert (spec.auth, spec.auth_header, spec.auth_prefix) == ("bearer", "authorization", "Bearer ")
    emu.script(Script(text="ok"))
    _client(emu).complete(model="openai/gpt-4.1", messages=MESSAGES)
    sent = emu.requests[-1]
    # The SDK posts to {endpoint}/chat/completions with the key both as a bearer token (which
    # GitHub reads) and as api-key (Azure OpenAI's header), and an api-version query.
    assert sent.path == "/inference/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {CANARY_KEY}" and sent.headers["api-key"] == CANARY_KEY
    assert sent.query["api-version"]


def test_sdk_reads_the_emulator(emu: Emulator) -> None:
    client = _client(emu)
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = client.complete(model="openai/gpt-4.1", messages=[az.UserMessage("Capital?")])
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9
    assert done.id and isinstance(done.created, datetime.datetime) and done.choices[0].finish_reason == "stop"

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_gh_1")]))
    tools = client.complete(model="openai/gpt-4.1", messages=MESSAGES, tools=[TOOL])
    [tc] = tools.choices[0].message.tool_calls
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_gh_1",
        "get_weather",
        {"city": "Lima"},
    )

    emu.script(Script(text="one two three"))
    updates = list(client.complete(model="openai/gpt-4.1", messages=MESSAGES, stream=True))
    assert "".join(u.choices[0].delta.content or "" for u in updates if u.choices) == "one two three"


def _declared() -> set[str]:
    # complete()'s body fields; body, model_extras and the request options are not fields.
    params = set(inspect.signature(inference.ChatCompletionsClient.complete).parameters)
    return params - {"self", "body", "model_extras", "kwargs"}


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_matches_the_sdks(emu: Emulator, stream: bool) -> None:
    opts: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("github")}
    emu.script(Script(text="ok"))
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream(
                "github/openai/gpt-4.1", MESSAGES, tools=[WEATHER], max_tokens=32, **opts
            ) as s:
                list(s)
        else:
            client.complete(
                "github/openai/gpt-4.1", MESSAGES, tools=[WEATHER], max_tokens=32, temperature=0.1, **opts
            )
    ours = emu.requests[-1]
    body = ours.json()
    emu.script(Script(text="ok"))
    # stream_options is no parameter of complete(): the SDK sends it as a model extra (and then
    # marks the request extra-parameters: pass-through).
    extra: dict[str, Any] = {"model_extras": {"stream_options": {"include_usage": True}}} if stream else {}
    reply = _client(emu).complete(
        model="openai/gpt-4.1", messages=MESSAGES, stream=stream, tools=[TOOL], max_tokens=32,
        temperature=None if stream else 0.1, **extra,
    )  # fmt: skip
    if stream:
        list(reply)
    theirs = emu.requests[-1]
    assert ours.path == theirs.path and ours.headers["authorization"] == theirs.headers["authorization"]
    # The SDK always writes "stream"; llmkit leaves it out of an unstreamed call.
    assert body == {k: v for k, v in theirs.json().items() if not (k == "stream" and v is False)}
    assert set(body) - _declared() == ({"stream_options"} if stream else set())


def test_llmkit_reads_a_completion_the_sdk_serializes() -> None:
    built = az.ChatCompletions(
        id="chatcmpl-sdk-1",
        created=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        model="openai/gpt-4.1",
        usage=az.CompletionsUsage(prompt_tokens=12, completion_tokens=7, total_tokens=19),
        choices=[
            az.ChatChoice(
                index=0,
                finish_reason="tool_calls",
                message=az.ChatResponseMessage(
                    role="assistant",
                    content="Checking.",
                    tool_calls=[
                        az.ChatCompletionsToolCall(
                            id="call_sdk_1",
                            function=az.FunctionCall(name="get_weather", arguments='{"city": "Oslo"}'),
                        )
                    ],
                ),
            )
        ],
    )
    data = json.dumps(built, cls=SdkJSONEncoder).encode()
    assert json.loads(data)["created"] == 1767225600  # the SDK writes a unix timestamp
    ctx = CallContext(get_spec("github"), "openai/gpt-4.1", GITHUB_ENDPOINT)
    req = ChatRequest("openai/gpt-4.1", [Message("user", "Hi")])
    done = DIALECT.parse_chat(HttpResponse(200, {"content-type": "application/json"}, data), req, ctx)
    assert (
        done.text == "Checking."
        and done.id == "chatcmpl-sdk-1"
        and done.finish_reason is FinishReason.TOOL_CALLS
    )
    [call] = done.tool_calls
    assert (call.id, call.name, call.arguments) == ("call_sdk_1", "get_weather", {"city": "Oslo"})
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.total_tokens) == (12, 7, 19)
