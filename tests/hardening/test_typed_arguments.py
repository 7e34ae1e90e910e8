"""Invalid arguments are ConfigurationError, raised before any request leaves, sync and async,
for every public call; the message says what to pass instead."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llmkit
from llmkit import AsyncClient, Client, Timeout
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError, LLMKitError
from llmkit.types import Message, Tool

MODEL = "openai/gpt-4o-mini"
WEATHER = Tool("get_weather", "Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


def get_weather(city: str) -> str:
    """Weather for a city."""
    return city


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(mode: str, emu: Emulator, method: str, *args: Any, **kw: Any) -> Any:
    kw.setdefault("api_key", emu.api_key)
    kw.setdefault("base_url", emu.base_url())
    if mode == "sync":
        with Client() as client:
            out = getattr(client, method)(*args, **kw)
            return list(out) if method == "stream" else out

    async def go() -> Any:
        async with AsyncClient() as client:
            if method == "stream":
                return [e async for e in client.stream(*args, **kw)]
            return await getattr(client, method)(*args, **kw)

    return asyncio.run(go())


def refused(mode: str, emu: Emulator, method: str, *args: Any, **kw: Any) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        run(mode, emu, method, *args, **kw)
    assert emu.requests == [], "a request was sent despite the invalid argument"
    return info.value


BAD_CHAT: list[tuple[str, dict[str, Any], str]] = [
    ("messages None", {"messages": None}, "list of messages"),
    ("messages int", {"messages": 42}, "list of messages"),
    ("messages a dict", {"messages": {"role": "user", "content": "hi"}}, "wrap a single message"),
    ("messages bytes", {"messages": b"hi"}, "list of messages"),
    ("message without role", {"messages": [{"content": "hi"}]}, "role"),
    ("unknown role", {"messages": [{"role": "wizard", "content": "hi"}]}, "role"),
    ("Message with unknown role", {"messages": [Message("wizard", "hi")]}, "role"),  # type: ignore[arg-type]
    ("content int", {"messages": [{"role": "user", "content": 42}]}, "content"),
    ("content a dict", {"messages": [{"role": "user", "content": {"text": "x"}}]}, "content"),
    ("message an int", {"messages": [42]}, "messages[0]"),
    ("role a list", {"messages": [{"role": ["user"], "content": "hi"}]}, "role"),
    ("Message content an int", {"messages": [Message("user", 42)]}, "content"),  # type: ignore[arg-type]
    ("text part None", {"messages": [{"role": "user", "content": [{"type": "text", "text": None}]}]}, "text"),
    (
        "audio part a str",
        {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": "x"}]}]},
        "input_audio",
    ),
    ("file part a str", {"messages": [{"role": "user", "content": [{"type": "file", "file": "x"}]}]}, "file"),
    ("tool_calls a dict", {"messages": [{"role": "assistant", "tool_calls": {"id": "1"}}]}, "tool_calls"),
    (
        "tool call function a str",
        {"messages": [{"role": "assistant", "tool_calls": [{"function": "f"}]}]},
        "function.name",
    ),
    (
        "tool call arguments an int",
        {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": 1}}]}]},
        "arguments",
    ),
    (
        "tool_call_id an int",
        {"messages": [{"role": "tool", "content": "x", "tool_call_id": 5}]},
        "tool_call_id",
    ),
    ("empty messages", {"messages": []}, "empty"),
    ("tools a function", {"tools": get_weather}, "tools=[...]"),
    ("tools a dict", {"tools": {"type": "function", "function": {"name": "f"}}}, "tools=[...]"),
    ("tools a Tool", {"tools": WEATHER}, "tools=[...]"),
    ("tools a string", {"tools": "get_weather"}, "tools=[...]"),
    ("tools an int", {"tools": 3}, "tools"),
    ("tool entry an int", {"tools": [3]}, "tool"),
    ("tool_choice int", {"tool_choice": 3, "tools": [WEATHER]}, "tool_choice"),
    ("tool_choice empty", {"tool_choice": "", "tools": [WEATHER]}, "tool_choice"),
    ("tool_choice unknown tool", {"tool_choice": "nope", "tools": [WEATHER]}, "not among the tools"),
    ("tool_choice without tools", {"tool_choice": "get_weather"}, "not among the tools"),
    ("tool_choice required without tools", {"tool_choice": "required"}, "needs tools"),
    ("tool_choice dict, no name", {"tool_choice": {"type": "function"}, "tools": [WEATHER]}, "tool_choice"),
    ("response_format int", {"response_format": 42}, "response_format"),
    ("response_format str", {"response_format": "json"}, "response_format"),
    ("response_format plain class", {"response_format": dict}, "response_format"),
    ("response_format json_schema, no schema", {"response_format": {"type": "json_schema"}}, "json_schema"),
    ("response_format unknown type", {"response_format": {"type": "yaml"}}, "not understood"),
    ("max_tokens negative", {"max_tokens": -1}, "max_tokens"),
    ("max_tokens zero", {"max_tokens": 0}, "max_tokens"),
    ("max_tokens bool", {"max_tokens": True}, "max_tokens"),
    ("max_tokens str", {"max_tokens": "100"}, "max_tokens"),
    ("max_tokens float", {"max_tokens": 10.0}, "max_tokens"),
    ("temperature str", {"temperature": "0.5"}, "temperature"),
    ("temperature NaN", {"temperature": math.nan}, "temperature"),
    ("temperature negative", {"temperature": -0.1}, "temperature"),
    ("temperature bool", {"temperature": True}, "temperature"),
    ("stop int", {"stop": 3}, "stop"),
    ("stop list of ints", {"stop": ["a", 3]}, "stop"),
    ("stop bytes", {"stop": b"x"}, "stop"),
    ("max_retries negative", {"max_retries": -1}, "max_retries"),
    ("max_retries float", {"max_retries": 1.5}, "max_retries"),
    ("max_retries str", {"max_retries": "2"}, "max_retries"),
    ("timeout zero", {"timeout": 0}, "positive"),
    ("timeout negative", {"timeout": -1}, "positive"),
    ("timeout NaN", {"timeout": math.nan}, "positive"),
    ("timeout inf", {"timeout": math.inf}, "positive"),
    ("timeout str", {"timeout": "30"}, "positive"),
    ("timeout bool", {"timeout": True}, "positive"),
    ("api_key int", {"api_key": 1234}, "api_key must be a string"),
    ("api_key bytes", {"api_key": b"sk-x"}, "api_key must be a string"),
    ("api_key dict", {"api_key": {"openai": "sk-x"}}, "api_key must be a string"),
    ("extra_headers list", {"extra_headers": [("x", "y")]}, "extra_headers"),
    ("extra_headers int value", {"extra_headers": {"x-n": 1}}, "str()"),
    ("extra_body list", {"extra_body": [1]}, "extra_body"),
    ("extra_body NaN", {"extra_body": {"top_p": math.nan}}, "NaN"),
    ("extra_body not JSON", {"extra_body": {"x": object()}}, "JSON"),
    ("model int", {"model": 42}, "model must be a string"),
]


@pytest.mark.parametrize("method", ["complete", "stream"])
@pytest.mark.parametrize(("case", "kwargs", "hint"), BAD_CHAT, ids=[c[0] for c in BAD_CHAT])
def test_bad_chat_arguments(
    mode: str, method: str, emu: Emulator, case: str, kwargs: dict[str, Any], hint: str
) -> None:
    kwargs = dict(kwargs)
    model = kwargs.pop("model", MODEL)
    messages = kwargs.pop("messages", "hello")
    err = refused(mode, emu, method, model, messages, **kwargs)
    assert hint.lower() in str(err).lower(), str(err)


def test_async_stream_refuses_before_it_is_awaited(emu: Emulator) -> None:
    async def go() -> None:
        async with AsyncClient(api_key=emu.api_key, base_url=emu.base_url()) as client:
            with pytest.raises(ConfigurationError):
                client.stream(MODEL, "hi", max_tokens=-5)

    asyncio.run(go())
    assert emu.requests == []


BAD_EMBED: list[tuple[str, dict[str, Any]]] = [
    ("inputs None", {"inputs": None}),
    ("inputs int", {"inputs": 3}),
    ("inputs empty", {"inputs": []}),
    ("inputs list of ints", {"inputs": [1, 2]}),
    ("dimensions negative", {"dimensions": -3}),
    ("dimensions str", {"dimensions": "256"}),
    ("timeout zero", {"timeout": 0}),
    ("max_retries negative", {"max_retries": -2}),
    ("api_key int", {"api_key": 5}),
    ("extra_body str", {"extra_body": "x"}),
]


@pytest.mark.parametrize(("case", "kwargs"), BAD_EMBED, ids=[c[0] for c in BAD_EMBED])
def test_bad_embed_arguments(mode: str, emu: Emulator, case: str, kwargs: dict[str, Any]) -> None:
    kwargs = dict(kwargs)
    inputs = kwargs.pop("inputs", "hello")
    refused(mode, emu, "embed", "openai/text-embedding-3-small", inputs, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"messages": None}, {"messages": {"role": "user"}}, {"tools": get_weather}, {"api_key": 7}],
    ids=["messages None", "messages dict", "tools a function", "api_key int"],
)
def test_bad_count_tokens_arguments(mode: str, emu: Emulator, kwargs: dict[str, Any]) -> None:
    kwargs = dict(kwargs)
    messages = kwargs.pop("messages", "hello")
    kwargs.setdefault("base_url", emu.base_url("anthropic"))
    refused(mode, emu, "count_tokens", "anthropic/claude-sonnet-4-5", messages, **kwargs)


BAD_CLIENT: list[tuple[str, dict[str, Any], str]] = [
    ("api_key int", {"api_key": 123}, "api_key"),
    ("api_key bytes", {"api_key": b"sk-x"}, "api_key"),
    ("api_keys list", {"api_keys": ["sk-x"]}, "api_keys"),
    ("api_keys int value", {"api_keys": {"openai": 1}}, "api_keys['openai']"),
    ("api_keys None value", {"api_keys": {"openai": None}}, "api_keys"),
    ("api_keys int name", {"api_keys": {1: "sk-x"}}, "api_keys"),
    ("timeout zero", {"timeout": 0}, "timeout"),
    ("timeout negative", {"timeout": -5}, "timeout"),
    ("timeout NaN", {"timeout": math.nan}, "timeout"),
    ("timeout str", {"timeout": "10"}, "timeout"),
    ("max_retries negative", {"max_retries": -1}, "max_retries"),
    ("max_retries bool", {"max_retries": True}, "max_retries"),
    ("headers list", {"headers": ["x"]}, "headers"),
    ("headers int value", {"headers": {"x-a": 1}}, "headers"),
]


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize(("case", "kwargs", "hint"), BAD_CLIENT, ids=[c[0] for c in BAD_CLIENT])
def test_bad_client_arguments(cls: type[Any], case: str, kwargs: dict[str, Any], hint: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        cls(**kwargs)
    assert hint in str(info.value)


def test_secret_shaped_bad_key_is_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(api_key=b"sk-CANARY-7f3a9c2e41d84b6f")
    assert "CANARY" not in str(info.value)


@pytest.mark.parametrize(
    "fields",
    [
        {"connect": 0},
        {"read": -1},
        {"total": math.nan},
        {"total": math.inf},
        {"connect": "5"},
        {"read": True},
    ],
)
def test_timeout_fields(fields: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match="positive number"):
        Timeout(**fields)


def test_timeout_of() -> None:
    assert Timeout.of(None) == Timeout()
    assert Timeout.of(2.5).read == 2.5
    assert Timeout(read=None, total=None).read is None  # None: no limit on that phase
    for bad in (0, 0.0, -1, math.nan, math.inf, "1", True, [1]):
        with pytest.raises(ConfigurationError):
            Timeout.of(bad)


def test_module_functions_check_too(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError):
        llmkit.complete(MODEL, None, api_key=emu.api_key, base_url=emu.base_url())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        llmkit.complete(MODEL, "hi", api_key=emu.api_key, base_url=emu.base_url(), timeout=0)
    assert emu.requests == []


def test_valid_arguments_still_work(mode: str, emu: Emulator) -> None:
    out = run(
        mode,
        emu,
        "complete",
        MODEL,
        [{"role": "user", "content": "hi"}],
        tools=(WEATHER,),
        tool_choice="get_weather",
        temperature=0,
        max_tokens=5,
        stop=("x", "y"),
        timeout=Timeout(connect=1, read=5, total=10),
        max_retries=0,
        extra_headers={"x-a": "b"},
        extra_body={"top_p": 0.5},
    )
    assert out.provider == "openai"
    assert len(emu.requests) == 1


# ---------------------------------------------------------------- any shape of input


_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=6),
    st.binary(max_size=4),
)
_KEYS = st.sampled_from(
    ["role", "content", "type", "text", "image_url", "url", "input_audio", "file", "file_data", "tool_calls",
     "function", "name", "arguments", "id", "tool_call_id", "reasoning_content", "cache_control", "detail"]
)  # fmt: skip
_JSONISH = st.recursive(
    _SCALAR
    | st.sampled_from(["user", "assistant", "tool", "system", "text", "image_url", "file", "input_audio"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


_PART = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image_url", "input_audio", "file"]) | _SCALAR},
    optional={k: _JSONISH for k in ("text", "image_url", "input_audio", "file", "cache_control")},
)
_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "tool", "system", "developer"]) | _SCALAR},
    optional={
        "content": _JSONISH | st.lists(_PART | _JSONISH, max_size=3),
        "tool_calls": _JSONISH
        | st.lists(st.fixed_dictionaries({}, optional={"id": _JSONISH, "function": _JSONISH}), max_size=2),
        "tool_call_id": _JSONISH,
        "name": _JSONISH,
        "reasoning_content": _JSONISH,
    },
)
_TOOL = st.fixed_dictionaries(
    {"type": st.just("function") | _SCALAR},
    optional={
        "function": _JSONISH | st.fixed_dictionaries({"name": _JSONISH}, optional={"parameters": _JSONISH})
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    messages=st.lists(_MESSAGE, min_size=1, max_size=3) | _JSONISH,
    tools=st.none() | st.lists(_TOOL, max_size=2) | _JSONISH,
    tool_choice=st.none() | _JSONISH,
)
@pytest.mark.parametrize(
    "model", ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.0-flash"]
)
def test_any_input_shape_is_accepted_or_a_configuration_error(
    emu: Emulator, model: str, messages: Any, tools: Any, tool_choice: Any
) -> None:
    """Whatever is passed as messages/tools/tool_choice: a request, or a ConfigurationError before it."""
    profile = model.split("/")[0]
    emu.reset()
    with Client(api_key=emu.api_key, base_url=emu.base_url(profile), max_retries=0) as client:
        try:
            client.complete(model, messages, tools=tools, tool_choice=tool_choice)
        except ConfigurationError:
            assert emu.requests == []
        except LLMKitError:
            pass  # sent: the emulator judged the request (it validates strictly)
