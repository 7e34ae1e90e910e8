"""The official ``openai`` SDK as a reference for the OpenAI dialect and the emulator.

Two directions:
- the SDK (sync and async) parses what the emulator sends: completions, streams, parallel tool
  calls, structured output, embeddings, and errors as the SDK's own exception classes;
- for the same logical call, llmkit sends the very JSON body the SDK sends (both are captured by
  the emulator), so llmkit speaks the wire format as OpenAI's own client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import openai
import pydantic
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.create_embedding_response import CreateEmbeddingResponse

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.types import FinishReason, Message, ToolCall


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
EMBED = oa.EMBED_MODEL


@pytest.fixture
def sdk(emu: Emulator) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=emu.base_url("openai"), api_key=emu.api_key, max_retries=0)
    yield client
    client.close()


def _kw(emu: Emulator) -> dict[str, Any]:
    return {"base_url": emu.base_url("openai"), "api_key": emu.api_key, "max_retries": 0}


def run_llmkit(call: Any, emu: Emulator) -> Any:
    arg, kwargs = call.llmkit
    if call.kind == "embed":
        return llmkit.embed(f"openai/{EMBED}", arg, **_kw(emu), **kwargs)
    if call.kind == "stream":
        with llmkit.stream(f"openai/{CHAT}", arg, **_kw(emu), **kwargs) as s:
            for _ in s:
                pass
        return s.completion
    return llmkit.complete(f"openai/{CHAT}", arg, **_kw(emu), **kwargs)


def run_sdk(call: Any, client: openai.OpenAI) -> Any:
    if call.kind == "embed":
        return client.embeddings.create(model=EMBED, **call.sdk)
    if call.kind == "stream":
        return list(client.chat.completions.create(model=CHAT, **call.sdk))
    return client.chat.completions.create(model=CHAT, **call.sdk)


# ---------------------------------------------------------------- llmkit sends what the SDK sends


@pytest.mark.parametrize("call", oa.CALLS, ids=lambda c: c.id)
def test_llmkit_body_equals_sdk_body(emu: Emulator, sdk: openai.OpenAI, call: Any) -> None:
    # Only the request matters here: the answers are checked below and in test_openai_spec.py
    # (where an emulator failure on one of these calls shows up as its own failure).
    with contextlib.suppress(llmkit.LLMKitError):
        run_llmkit(call, emu)
    ours = emu.requests[-1]
    with contextlib.suppress(openai.APIError):
        run_sdk(call, sdk)
    theirs = emu.requests[-1]
    assert len(emu.requests) == 2
    assert (ours.method, ours.path) == (theirs.method, theirs.path)
    assert ours.json() == theirs.json(), call.note
    assert ours.headers["authorization"] == theirs.headers["authorization"] == f"Bearer {emu.api_key}"
    assert ours.headers["content-type"].startswith("application/json")


def test_sdk_default_embedding_request_differs_only_in_encoding(emu: Emulator, sdk: openai.OpenAI) -> None:
    # Documented difference: a bare SDK call asks for base64 and decodes it; llmkit asks for floats.
    llmkit.embed(f"openai/{EMBED}", ["a"], **_kw(emu))
    sdk.embeddings.create(model=EMBED, input=["a"])
    ours, theirs = emu.requests[0].json(), emu.requests[1].json()
    assert (ours.pop("encoding_format"), theirs.pop("encoding_format")) == ("float", "base64")
    assert ours == theirs


def test_typed_messages_send_the_same_body_as_sdk_dicts(emu: Emulator, sdk: openai.OpenAI) -> None:
    typed = [
        Message("system", "You are a terse weather assistant."),
        Message("user", "Weather in Paris and Rome, in celsius?"),
        Message(
            "assistant",
            "",
            (
                ToolCall("call_paris", "get_weather", {"city": "Paris", "unit": "celsius"}),
                ToolCall("call_rome", "get_weather", {"city": "Rome", "unit": "celsius"}),
            ),
        ),
        Message("tool", "18 C, cloudy", tool_call_id="call_paris"),
        Message("tool", "24 C, sunny", tool_call_id="call_rome"),
    ]
    llmkit.complete(f"openai/{CHAT}", typed, tools=[oa.WEATHER_TOOL], **_kw(emu))
    sdk.chat.completions.create(model=CHAT, messages=oa.TOOL_ROUND, tools=[oa.WEATHER_TOOL])
    assert emu.requests[0].json() == emu.requests[1].json()


def test_agent_loop_feeding_back_the_reply_matches_sdk(emu: Emulator, sdk: openai.OpenAI) -> None:
    """The reply's message goes straight back into the next turn, as each library's docs show."""
    calls = [ScriptedCall("get_weather", {"city": "Oslo", "unit": "celsius"}, id="call_oslo")]
    emu.script(Script(tool_calls=calls), Script(text="Cold."), Script(tool_calls=calls), Script(text="Cold."))
    question = oa._user("Weather in Oslo?")
    first = llmkit.complete(f"openai/{CHAT}", question, tools=[oa.WEATHER_TOOL], **_kw(emu))
    answer = {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": "-3 C"}
    llmkit.complete(f"openai/{CHAT}", [*question, first.message, answer], tools=[oa.WEATHER_TOOL], **_kw(emu))
    ours = emu.requests[-1].json()

    reply = sdk.chat.completions.create(model=CHAT, messages=question, tools=[oa.WEATHER_TOOL])
    # What the SDK's function-calling guide appends: the message, dumped without its unset fields.
    echoed = reply.choices[0].message.model_dump(exclude_none=True)
    sdk.chat.completions.create(model=CHAT, messages=[*question, echoed, answer], tools=[oa.WEATHER_TOOL])
    theirs = emu.requests[-1].json()
    # The SDK user's echo has no "content" key (it was null); llmkit says content: null explicitly.
    assert theirs["messages"][1].get("content") is None
    theirs["messages"][1]["content"] = None
    assert ours == theirs


class Weather(pydantic.BaseModel):
    city: str
    celsius: float


class GetWeather(pydantic.BaseModel):
    """Current weather for a city."""

    city: str
    unit: str


def _pydantic_bodies(emu: Emulator, sdk: openai.OpenAI) -> tuple[dict[str, Any], dict[str, Any]]:
    done = llmkit.complete(f"openai/{CHAT}", "Oslo weather", response_format=Weather, **_kw(emu))
    assert isinstance(done.parsed, Weather)
    ours = emu.requests[-1].json()
    parsed = sdk.chat.completions.parse(
        model=CHAT, messages=oa._user("Oslo weather"), response_format=Weather
    )
    assert isinstance(parsed.choices[0].message.parsed, Weather)
    theirs = emu.requests[-1].json()
    # parse() always writes "stream": false, which is the default; not a difference in meaning.
    assert theirs.pop("stream") is False
    return ours, theirs


def test_pydantic_response_format_same_request_apart_from_the_schema(
    emu: Emulator, sdk: openai.OpenAI
) -> None:
    ours, theirs = _pydantic_bodies(emu, sdk)
    our_rf, their_rf = ours.pop("response_format"), theirs.pop("response_format")
    assert ours == theirs
    assert our_rf["json_schema"]["name"] == their_rf["json_schema"]["name"] == "Weather"
    assert our_rf["json_schema"]["schema"]["properties"] == their_rf["json_schema"]["schema"]["properties"]


def test_pydantic_response_format_body_equals_sdk_parse(emu: Emulator, sdk: openai.OpenAI) -> None:
    ours, theirs = _pydantic_bodies(emu, sdk)
    assert ours == theirs


def test_pydantic_tool_equals_sdk_pydantic_function_tool(emu: Emulator, sdk: openai.OpenAI) -> None:
    llmkit.complete(f"openai/{CHAT}", "Oslo weather", tools=[GetWeather], **_kw(emu))
    sdk.chat.completions.create(
        model=CHAT, messages=oa._user("Oslo weather"), tools=[openai.pydantic_function_tool(GetWeather)]
    )
    ours, theirs = (r.json()["tools"][0]["function"] for r in emu.requests)
    # llmkit lifts the docstring to function.description and drops pydantic's "title" from the
    # parameters; the SDK repeats both inside the parameters. Neither changes what the model is told.
    for key in ("title", "description"):
        theirs["parameters"].pop(key)
    assert ours == theirs


# ---------------------------------------------------------------- the SDK parses the emulator


def test_sdk_parses_completion_like_llmkit(emu: Emulator, sdk: openai.OpenAI) -> None:
    script = dict(text="Hello there, friend.", input_tokens=11, output_tokens=4, cached_tokens=3)
    emu.script(Script(**script, reasoning_tokens=1), Script(**script, reasoning_tokens=1))
    raw = sdk.chat.completions.with_raw_response.create(model=CHAT, messages=oa._user("hi"))
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/json"
    assert raw.request_id is not None
    got = raw.parse()
    # Strict pydantic validation too (the SDK itself constructs leniently).
    ChatCompletion.model_validate(json.loads(raw.text))
    assert got.object == "chat.completion" and got.model == CHAT
    choice = got.choices[0]
    assert (choice.index, choice.finish_reason, choice.message.role) == (0, "stop", "assistant")
    assert choice.message.content == "Hello there, friend."
    assert choice.message.tool_calls is None
    usage = got.usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (11, 4, 15)
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 3
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 1

    ours = llmkit.complete(f"openai/{CHAT}", "hi", **_kw(emu))
    assert ours.text == choice.message.content
    assert ours.finish_reason is FinishReason.STOP and ours.raw_finish_reason == choice.finish_reason
    assert (ours.usage.input_tokens, ours.usage.output_tokens, ours.usage.total_tokens) == (11, 4, 15)
    assert (ours.usage.cached_input_tokens, ours.usage.reasoning_tokens) == (3, 1)


@pytest.mark.parametrize("choice", ["auto", "required"])
def test_sdk_call_with_string_tool_choice_gets_an_answer(
    emu: Emulator, sdk: openai.OpenAI, choice: str
) -> None:
    got = sdk.chat.completions.create(
        model=CHAT, messages=oa._user("Weather in Oslo?"), tools=[oa.WEATHER_TOOL], tool_choice=choice
    )
    assert got.choices[0].finish_reason == "tool_calls"
    assert got.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_sdk_parses_parallel_tool_calls(emu: Emulator, sdk: openai.OpenAI) -> None:
    calls = [
        ScriptedCall("get_weather", {"city": "Paris", "unit": "celsius"}, id="call_a"),
        ScriptedCall("get_time", {"tz": "Europe/Rome"}, id="call_b"),
    ]
    emu.script(Script(tool_calls=calls), Script(tool_calls=calls))
    tools = [oa.WEATHER_TOOL, oa.TIME_TOOL]
    got = sdk.chat.completions.create(model=CHAT, messages=oa._user("Paris weather, Rome time"), tools=tools)
    choice = got.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    wire = [
        (c.id, c.type, c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls
    ]
    assert wire == [
        ("call_a", "function", "get_weather", {"city": "Paris", "unit": "celsius"}),
        ("call_b", "function", "get_time", {"tz": "Europe/Rome"}),
    ]
    ours = llmkit.complete(f"openai/{CHAT}", "Paris weather, Rome time", tools=tools, **_kw(emu))
    assert [(c.id, "function", c.name, c.arguments) for c in ours.tool_calls] == wire
    assert ours.finish_reason is FinishReason.TOOL_CALLS


def test_sdk_parses_stream_with_usage(emu: Emulator, sdk: openai.OpenAI) -> None:
    text = "One two three four five six seven."
    emu.script(Script(text=text, input_tokens=7, output_tokens=8, chunk_chars=3))
    chunks = list(
        sdk.chat.completions.create(
            model=CHAT, messages=oa._user("count"), stream=True, stream_options={"include_usage": True}
        )
    )
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert len({c.id for c in chunks}) == 1 and all(c.object == "chat.completion.chunk" for c in chunks)
    *body, last = chunks
    assert body[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in body) == text
    assert len([c for c in body if c.choices[0].delta.content]) == 12  # 3 characters per delta
    assert [c.choices[0].finish_reason for c in body][-1] == "stop"
    assert all(c.usage is None for c in body)
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (7, 8, 15)


def test_sdk_stream_helper_accumulates_parallel_tool_calls(emu: Emulator, sdk: openai.OpenAI) -> None:
    calls = [
        ScriptedCall("get_weather", {"city": "Lisbon", "unit": "celsius"}, id="call_1"),
        ScriptedCall("get_weather", {"city": "Porto", "unit": "celsius"}, id="call_2"),
    ]
    emu.script(Script(tool_calls=calls), Script(tool_calls=calls))
    with sdk.chat.completions.stream(
        model=CHAT, messages=oa._user("Lisbon and Porto"), tools=[oa.WEATHER_TOOL]
    ) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    assert {"tool_calls.function.arguments.delta", "tool_calls.function.arguments.done"} <= kinds
    message = final.choices[0].message
    assert final.choices[0].finish_reason == "tool_calls"
    # The tool is strict, so the helper also parses the arguments.
    assert [(c.id, c.function.name, c.function.parsed_arguments) for c in message.tool_calls or ()] == [
        ("call_1", "get_weather", {"city": "Lisbon", "unit": "celsius"}),
        ("call_2", "get_weather", {"city": "Porto", "unit": "celsius"}),
    ]
    with llmkit.stream(f"openai/{CHAT}", "Lisbon and Porto", tools=[oa.WEATHER_TOOL], **_kw(emu)) as s:
        for _ in s:
            pass
    assert [(c.id, c.name, c.arguments) for c in s.completion.tool_calls] == [
        (c.id, c.function.name, c.function.parsed_arguments) for c in message.tool_calls or ()
    ]


def test_sdk_parses_structured_output(emu: Emulator, sdk: openai.OpenAI) -> None:
    emu.script(Script(json={"city": "Oslo", "celsius": -3.5}))
    got = sdk.chat.completions.parse(model=CHAT, messages=oa._user("Oslo"), response_format=Weather)
    assert got.choices[0].message.parsed == Weather(city="Oslo", celsius=-3.5)
    # Without a script, the emulator answers with a sample that fits the schema it was sent.
    got = sdk.chat.completions.parse(model=CHAT, messages=oa._user("Oslo"), response_format=Weather)
    assert isinstance(got.choices[0].message.parsed, Weather)


def test_sdk_parses_embeddings_like_llmkit(emu: Emulator, sdk: openai.OpenAI) -> None:
    texts = ["alpha", "beta", "gamma"]
    raw = sdk.embeddings.with_raw_response.create(
        model=EMBED, input=texts, dimensions=5, encoding_format="float"
    )
    CreateEmbeddingResponse.model_validate(json.loads(raw.text))
    got = raw.parse()
    assert [d.index for d in got.data] == [0, 1, 2]
    assert all(len(d.embedding) == 5 and d.object == "embedding" for d in got.data)
    assert got.usage.prompt_tokens == got.usage.total_tokens == 3
    ours = llmkit.embed(f"openai/{EMBED}", texts, dimensions=5, **_kw(emu))
    assert ours.vectors == [d.embedding for d in got.data]
    assert ours.usage.input_tokens == 3


def test_sdk_default_base64_embeddings_decode(emu: Emulator, sdk: openai.OpenAI) -> None:
    got = sdk.embeddings.create(model=EMBED, input=["alpha"], dimensions=4)
    assert len(got.data[0].embedding) == 4
    assert all(isinstance(x, float) for x in got.data[0].embedding)


def test_emulator_answers_base64_embeddings_when_asked(emu: Emulator, sdk: openai.OpenAI) -> None:
    raw = sdk.embeddings.with_raw_response.create(model=EMBED, input=["alpha"], encoding_format="base64")
    assert isinstance(json.loads(raw.text)["data"][0]["embedding"], str)


# ---------------------------------------------------------------- errors as the SDK's exception classes


def test_sdk_raises_authentication_error(emu: Emulator) -> None:
    with openai.OpenAI(base_url=emu.base_url("openai"), api_key="sk-not-the-right-one", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as info:
            bad.chat.completions.create(model=CHAT, messages=oa._user("hi"))
    err = info.value
    assert err.status_code == 401
    assert (err.type, err.code) == ("invalid_request_error", "invalid_api_key")
    assert err.request_id == "req_emulated_error"


def test_sdk_raises_rate_limit_error_with_retry_after(emu: Emulator, sdk: openai.OpenAI) -> None:
    emu.script(Script(error=ScriptedError(429, "Rate limit reached", headers={"retry-after": "2"})))
    with pytest.raises(openai.RateLimitError) as info:
        sdk.chat.completions.create(model=CHAT, messages=oa._user("hi"))
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "2"
    assert info.value.type == "rate_limit_error"
    assert info.value.message.startswith("Error code: 429") and "Rate limit reached" in info.value.message


def test_sdk_raises_bad_request_error_for_a_wrong_field(emu: Emulator, sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model=CHAT, messages=oa._user("hi"), extra_body={"temprature": 1})
    assert info.value.status_code == 400
    assert info.value.type == "invalid_request_error"
    assert isinstance(info.value.body, dict) and "temprature" in info.value.body["message"]


def test_sdk_raises_bad_request_error_for_a_bad_value(emu: Emulator, sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model=CHAT, messages=oa._user("hi"), temperature=3)
    assert info.value.status_code == 400
    assert "temperature" in info.value.message


def test_emulator_names_the_offending_param(emu: Emulator, sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model=CHAT, messages=oa._user("hi"), temperature=3)
    assert info.value.param == "temperature"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (403, openai.PermissionDeniedError),
        (404, openai.NotFoundError),
        (409, openai.ConflictError),
        (422, openai.UnprocessableEntityError),
        (500, openai.InternalServerError),
        (503, openai.InternalServerError),
    ],
)
def test_sdk_maps_other_statuses(emu: Emulator, sdk: openai.OpenAI, status: int, cls: type) -> None:
    emu.script(Script(error=ScriptedError(status, f"scripted {status}", code=f"code_{status}")))
    with pytest.raises(cls) as info:
        sdk.chat.completions.create(model=CHAT, messages=oa._user("hi"))
    assert info.value.status_code == status and info.value.code == f"code_{status}"


def test_sdk_raises_for_an_error_event_inside_a_stream(emu: Emulator, sdk: openai.OpenAI) -> None:
    emu.script(Script(text="a b c d e", fault="stream_error", after=2))
    seen = []
    with pytest.raises(openai.APIError) as info:
        for chunk in sdk.chat.completions.create(model=CHAT, messages=oa._user("hi"), stream=True):
            seen.append(chunk)
    assert len(seen) == 2
    assert info.value.type == "server_error"


# ---------------------------------------------------------------- the async SDK


def test_async_sdk_parses_completion_stream_and_errors(emu: Emulator) -> None:
    async def main() -> None:
        async with openai.AsyncOpenAI(
            base_url=emu.base_url("openai"), api_key=emu.api_key, max_retries=0
        ) as c:
            emu.script(
                Script(text="async hello", input_tokens=2, output_tokens=2),
                Script(text="streamed async hello", chunk_chars=4),
                Script(error=ScriptedError(429, "slow down")),
            )
            got = await c.chat.completions.create(model=CHAT, messages=oa._user("hi"))
            assert got.choices[0].message.content == "async hello"
            assert got.usage is not None and got.usage.total_tokens == 4
            stream = await c.chat.completions.create(
                model=CHAT, messages=oa._user("hi"), stream=True, stream_options={"include_usage": True}
            )
            chunks = [chunk async for chunk in stream]
            assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == (
                "streamed async hello"
            )
            assert chunks[-1].usage is not None and chunks[-2].choices[0].finish_reason == "stop"
            with pytest.raises(openai.RateLimitError):
                await c.chat.completions.create(model=CHAT, messages=oa._user("hi"))
            emb = await c.embeddings.create(model=EMBED, input=["x", "y"], encoding_format="float")
            assert len(emb.data) == 2

    asyncio.run(main())
