"""Cerebras, Fireworks AI and Together AI held against their official SDKs (test-only:
``cerebras-cloud-sdk``, ``fireworks-ai``, ``together``), both directions: the SDK's own client
talks to the emulator's profile and its pydantic models parse the answers (text, tool call,
stream), and every field llmkit sends is one the SDK's request TypedDict declares, the body
validating against it. The SDKs' defaults (key variable, path) agree with the spec."""

from __future__ import annotations

import importlib
import json
from typing import Any, get_type_hints
from urllib.parse import urlsplit

import pytest
from pydantic import TypeAdapter

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.providers import get_spec
from llmkit.types import Tool

KEY = "sk-CANARY-7f3a9c2e41d84b6f"
WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
TOOL = {"type": "function", "function": {"name": WEATHER.name, "parameters": WEATHER.parameters}}
# provider -> (SDK module, client class, module of its chat request TypedDict, key variable)
SDKS = {
    "cerebras": ("cerebras.cloud.sdk", "Cerebras", "cerebras.cloud.sdk.types.chat.completion_create_params",
                 "CEREBRAS_API_KEY"),
    "fireworks_ai": ("fireworks", "Fireworks", "fireworks.types.chat.completion_create_params",
                     "FIREWORKS_API_KEY"),
    "together_ai": ("together", "Together", "together.types.chat.completion_create_params",
                    "TOGETHER_API_KEY"),
}  # fmt: skip
# Where the SDK's default host differs from llmkit's (both answer; say so rather than hide it).
HOSTS = {"together_ai": ("api.together.ai", "api.together.xyz")}
# Fields llmkit sends that the SDK's request types do not declare. ``stream_options`` asks for usage
# on a stream's last chunk (the OpenAI quirk ``stream_usage``, on by default); neither Fireworks'
# nor Together's SDK (nor Together's OpenAPI document) names it. Recorded, not hidden: the test
# fails when the spec's quirks change, so this table is updated on purpose.
UNDECLARED = {("fireworks_ai", True): {"stream_options"}, ("together_ai", True): {"stream_options"}}


def _module(provider: str) -> Any:
    return pytest.importorskip(SDKS[provider][0])


def _client(provider: str, emu: Emulator) -> Any:
    """Each SDK appends ``/v1/chat/completions`` to a base URL it is given (Fireworks' default,
    ``https://api.fireworks.ai/inference/v1/chat/completions``, only when none is)."""
    root = emu.base_url(provider).removesuffix("/v1")
    return getattr(_module(provider), SDKS[provider][1])(api_key=KEY, base_url=root, max_retries=0)


@pytest.mark.parametrize("provider", list(SDKS))
def test_sdk_defaults_agree_with_the_spec(provider: str) -> None:
    sdk = getattr(_module(provider), SDKS[provider][1])(api_key=KEY)
    spec = get_spec(provider)
    assert spec.env_keys[0] == SDKS[provider][3]
    sdk_host, spec_host = urlsplit(str(sdk.base_url)).hostname, urlsplit(spec.base_url).hostname
    assert (sdk_host, spec_host) == HOSTS.get(provider, (spec_host, spec_host))
    assert sdk.auth_headers == {"Authorization": f"Bearer {KEY}"}


@pytest.mark.parametrize("provider", list(SDKS))
def test_sdk_reads_the_emulator(provider: str, emu: Emulator) -> None:
    client = _client(provider, emu)
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Capital?"}])
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9
    assert emu.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_sdk_1")]))
    tools = client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "Weather?"}], tools=[TOOL]
    )
    [tc] = tools.choices[0].message.tool_calls
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_sdk_1",
        "get_weather",
        {"city": "Lima"},
    )
    emu.script(Script(text="one two three"))
    chunks = list(
        client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Count"}], stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"


def _request_types(provider: str, stream: bool) -> tuple[set[str], Any]:
    params = importlib.import_module(SDKS[provider][2])
    kind = getattr(
        params, "CompletionCreateParamsStreaming" if stream else "CompletionCreateParamsNonStreaming", None
    )
    kind = kind or params.CompletionCreateParams  # Cerebras declares one TypedDict for both
    return set(get_type_hints(kind)), kind


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("provider", list(SDKS))
def test_llmkit_request_fits_the_sdk_types(provider: str, stream: bool, emu: Emulator) -> None:
    _module(provider)
    emu.script(Script(text="ok"))
    kw: dict[str, Any] = {"api_key": KEY, "base_url": emu.base_url(provider)}
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream(f"{provider}/m", messages, tools=[WEATHER], max_tokens=64, **kw) as s:
                list(s)
        else:
            client.complete(f"{provider}/m", messages, tools=[WEATHER], max_tokens=64, temperature=0.3, **kw)
    body = emu.requests[-1].json()
    fields, kind = _request_types(provider, stream)
    assert set(body) - fields == UNDECLARED.get((provider, stream), set())
    TypeAdapter(kind).validate_python(body)
