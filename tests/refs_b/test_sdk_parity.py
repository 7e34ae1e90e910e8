"""SambaNova, Writer and Zhipu AI held against their official SDKs (test-only: ``sambanova``,
``writer-sdk``, ``zhipuai``), both directions: the SDK's own client talks to the emulator's profile
for the row and its models parse the answers (text, tool call, stream), and every field llmkit
sends is one the SDK's request declares (its TypedDict, or for ``zhipuai``, whose ``create`` takes
keyword arguments, that method's parameters). The SDKs' defaults (key variable, host, path, auth
header) agree with the spec. Each test skips when its SDK is not installed."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

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


@dataclass(frozen=True)
class Sdk:
    module: str
    client: str
    env_key: str
    # The SDK's default base URL (where it appends its chat path) and that path.
    default_base: str
    chat_path: str
    # How a base URL for the emulator is made from llmkit's (Writer's SDK adds /v1 itself).
    base: Callable[[str], str]
    # The chat call on a client, and the module of its request TypedDicts (None: keyword arguments).
    call: Callable[[Any], Any]
    params: str | None


SDKS = {
    "sambanova": Sdk(
        "sambanova", "SambaNova", "SAMBANOVA_API_KEY", "https://api.sambanova.ai/v1", "/chat/completions",
        lambda url: url, lambda c: c.chat.completions.create, "sambanova.types.chat.completion_create_params",
    ),
    "writer": Sdk(
        "writerai", "Writer", "WRITER_API_KEY", "https://api.writer.com", "/v1/chat",
        lambda url: url.removesuffix("/v1"), lambda c: c.chat.chat, "writerai.types.chat_chat_params",
    ),
    "zhipu": Sdk(
        "zhipuai", "ZhipuAI", "ZHIPUAI_API_KEY", "https://open.bigmodel.cn/api/paas/v4", "/chat/completions",
        lambda url: url, lambda c: c.chat.completions.create, None,
    ),
}  # fmt: skip
# Fields llmkit sends that the SDK's request does not declare; recorded, not hidden (the test fails
# when llmkit's body changes, so this table is updated on purpose). ``stream_options`` asks for
# usage on a stream's last chunk; zhipuai's ``create`` has no parameter for it (the API documents
# none either), so llmkit's body carries one field the SDK cannot send.
UNDECLARED: dict[tuple[str, bool], set[str]] = {("zhipu", True): {"stream_options"}}


def _module(provider: str) -> Any:
    return pytest.importorskip(SDKS[provider].module)


def _client(provider: str, base_url: str | None = None) -> Any:
    sdk = SDKS[provider]
    kw: dict[str, Any] = {"api_key": KEY, "max_retries": 0}
    if base_url is not None:
        kw["base_url"] = sdk.base(base_url)
    return getattr(_module(provider), sdk.client)(**kw)


@pytest.mark.parametrize("provider", list(SDKS))
def test_sdk_defaults_agree_with_the_spec(provider: str) -> None:
    sdk, client, spec = SDKS[provider], _client(provider), get_spec(provider)
    assert spec.env_keys[0] == sdk.env_key
    # zhipuai's client keeps its base URL as ``_base_url`` (an older fork of the Stainless base).
    assert str(getattr(client, "base_url", None) or client._base_url).rstrip("/") == sdk.default_base
    # The whole chat URL: llmkit's base and path against the SDK's default base and the path it posts to.
    path = getattr(spec.quirks, "chat_path", None) or "/chat/completions"
    assert spec.base_url + path == sdk.default_base + sdk.chat_path
    assert client.auth_headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("provider", list(SDKS))
def test_sdk_reads_the_emulator(provider: str, emu: Emulator) -> None:
    create = SDKS[provider].call(_client(provider, emu.base_url(provider)))
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = create(model="m", messages=[{"role": "user", "content": "Capital?"}])
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9
    assert emu.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert emu.requests[-1].path.endswith(SDKS[provider].chat_path)
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lima"}, id="call_sdk_1")]))
    tools = create(model="m", messages=[{"role": "user", "content": "Weather?"}], tools=[TOOL])
    [tc] = tools.choices[0].message.tool_calls
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_sdk_1",
        "get_weather",
        {"city": "Lima"},
    )
    emu.script(Script(text="one two three"))
    chunks = list(create(model="m", messages=[{"role": "user", "content": "Count"}], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"


def _declared(provider: str, stream: bool) -> tuple[set[str], Any]:
    sdk = SDKS[provider]
    if sdk.params is None:
        create = sdk.call(_client(provider))
        options = {"extra_headers", "extra_body", "timeout"}  # request options, not body fields
        return set(inspect.signature(create).parameters) - options, None
    params = importlib.import_module(sdk.params)
    names = [n for n in dir(params) if n.endswith("ParamsStreaming" if stream else "ParamsNonStreaming")]
    [kind] = [getattr(params, n) for n in names]
    return set(get_type_hints(kind)), kind


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("provider", list(SDKS))
def test_llmkit_request_fits_the_sdk(provider: str, stream: bool, emu: Emulator) -> None:
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
    assert emu.requests[-1].path.endswith(SDKS[provider].chat_path)
    fields, kind = _declared(provider, stream)
    assert set(body) - fields == UNDECLARED.get((provider, stream), set())
    if kind is not None:
        TypeAdapter(kind).validate_python(body)
