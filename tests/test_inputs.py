"""What users pass in (OpenAI-style dicts, Message objects, functions, pydantic classes), and the wire."""

from __future__ import annotations

import asyncio
import enum
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Literal

import pydantic
import pytest

import llmkit
from llmkit._inputs import to_messages, to_response_format, to_tools
from llmkit._schema import function_tool
from llmkit.emulator import Emulator, Script
from llmkit.errors import ConfigurationError, StructuredOutputError
from llmkit.types import ImagePart, Message, TextPart, Tool, ToolCall

MODEL = "openai/gpt-4o-mini"
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def complete(mode: str, emu: Emulator, messages: Any = "hi", streamed: bool = False, **kw: Any) -> Any:
    args: dict[str, Any] = {"api_key": emu.api_key, "base_url": emu.base_url(), "max_retries": 0}

    async def main() -> Any:
        if mode == "sync":
            with llmkit.Client(**args) as c:
                if streamed:
                    with c.stream(MODEL, messages, **kw) as s:
                        return s.completion
                return c.complete(MODEL, messages, **kw)
        async with llmkit.AsyncClient(**args) as ac:
            if streamed:
                return await ac.stream(MODEL, messages, **kw).get_completion()
            return await ac.complete(MODEL, messages, **kw)

    return asyncio.run(main())


def sent(emu: Emulator) -> dict[str, Any]:
    body = emu.requests[-1].json()
    assert isinstance(body, dict)
    return body


# ---------------------------------------------------------------- messages

OPENAI_MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in these images?"},
            {"type": "image_url", "image_url": {"url": "https://example.test/cat.jpg", "detail": "low"}},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            },
            {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C and sunny"},
    {"role": "tool", "tool_call_id": "call_2", "content": "14:02"},
    {"role": "user", "content": "Thanks. Summarise."},
]


def test_openai_style_dicts_reach_the_wire_unchanged(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok"))
    complete(mode, emu, OPENAI_MESSAGES)
    assert sent(emu)["messages"] == OPENAI_MESSAGES


def test_openai_style_dicts_normalise_to_typed_messages() -> None:
    msgs = to_messages(OPENAI_MESSAGES)
    assert [m.role for m in msgs] == ["system", "user", "assistant", "tool", "tool", "user"]
    user = msgs[1]
    assert isinstance(user.content, tuple)
    text, by_url, inline = user.content
    assert text == TextPart("What is in these images?")
    assert by_url == ImagePart(url="https://example.test/cat.jpg", detail="low")
    assert inline == ImagePart(data=PNG_B64, media_type="image/png")
    calls = msgs[2].tool_calls
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_1", "get_weather", {"city": "Paris"}),
        ("call_2", "get_time", {}),
    ]
    assert (msgs[3].tool_call_id, msgs[3].text) == ("call_1", "18 C and sunny")


def test_message_objects(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok"))
    messages = [
        Message("system", "Be brief."),
        Message("user", (TextPart("Describe"), ImagePart(data=PNG_B64, media_type="image/png"))),
        Message("assistant", "", (ToolCall("call_9", "lookup", {"q": "x"}),)),
        Message("tool", "result text", tool_call_id="call_9"),
    ]
    complete(mode, emu, messages)
    assert sent(emu)["messages"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe"},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_9", "type": "function", "function": {"name": "lookup", "arguments": '{"q":"x"}'}}
            ],
        },
        {"role": "tool", "content": "result text", "tool_call_id": "call_9"},
    ]


def test_plain_string_is_one_user_message(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok"))
    complete(mode, emu, "just a string")
    assert sent(emu)["messages"] == [{"role": "user", "content": "just a string"}]


def test_a_completion_message_can_be_sent_back(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=None, text="first"), Script(text="second"))
    first = complete(mode, emu, "one")
    complete(mode, emu, [Message("user", "one"), first.message, {"role": "user", "content": "two"}])
    assert sent(emu)["messages"][1] == {"role": "assistant", "content": "first"}


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ([], "empty"),
        ([{"role": "wizard", "content": "x"}], "role"),
        ([{"role": "user", "content": 42}], "content"),
        ([{"role": "user", "content": [{"type": "video", "url": "x"}]}], "video"),
        (
            [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "data:image/png,AAAA"}}],
                }
            ],
            "base64",
        ),
        ([42], "Message or a dict"),
    ],
)
def test_bad_messages_are_configuration_errors(bad: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        to_messages(bad)


# ---------------------------------------------------------------- tools


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


def get_forecast(
    city: str,
    days: int,
    threshold: float = 0.5,
    hourly: bool = False,
    fields: list[str] | None = None,
    mode: Literal["fast", "precise"] = "fast",
    unit: Unit = Unit.CELSIUS,
) -> str:
    """Get the weather forecast for a city.

    Longer explanation that is not part of the summary.

    Args:
        city: Name of the city.
        days (int): How many days ahead.
        threshold: Rain probability threshold.
        hourly: Whether to return hourly data.
        fields: Which fields to include.
        mode: Speed or precision.
        unit: Temperature unit.

    Returns:
        A forecast string.
    """
    return ""


class SearchDocs(pydantic.BaseModel):
    """Search the documentation."""

    query: str
    limit: int = 5


WEATHER_TOOL = Tool(
    "get_weather", "Current weather", {"type": "object", "properties": {"city": {"type": "string"}}}
)
TIME_DICT = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
        "strict": True,
    },
}


def test_function_tool_schema_from_signature_and_docstring() -> None:
    tool = function_tool(get_forecast)
    assert tool.name == "get_forecast"
    assert tool.description == "Get the weather forecast for a city."
    params = tool.parameters
    assert params["type"] == "object"
    assert params["required"] == ["city", "days"]
    props = params["properties"]
    assert props["city"] == {"type": "string", "description": "Name of the city."}
    assert props["days"] == {"type": "integer", "description": "How many days ahead."}
    assert props["threshold"]["type"] == "number" and props["threshold"]["default"] == 0.5
    assert props["hourly"]["type"] == "boolean" and props["hourly"]["default"] is False
    assert {"type": "array", "items": {"type": "string"}} in props["fields"]["anyOf"]
    assert {"type": "null"} in props["fields"]["anyOf"]
    assert props["mode"]["enum"] == ["fast", "precise"] and props["mode"]["default"] == "fast"
    assert props["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert props["unit"]["description"] == "Temperature unit."
    assert "Returns" not in props


def wrapped_docs(city: str, days: int = 1) -> str:
    """Forecast.

    Args:
        city: The city to look up, spelled as in
            the local language.
        days: Number of days.
    """
    return city


def test_wrapped_docstring_descriptions_are_kept_whole() -> None:
    props = function_tool(wrapped_docs).parameters["properties"]
    assert props["city"]["description"] == "The city to look up, spelled as in the local language."
    assert props["days"]["description"] == "Number of days."


def test_function_without_docstring_or_hints() -> None:
    def bare(x, y=3):  # type: ignore[no-untyped-def]
        return x

    tool = function_tool(bare)
    assert tool.name == "bare" and tool.description == ""
    assert tool.parameters["required"] == ["x"]
    assert tool.parameters["properties"]["y"]["default"] == 3


def test_function_with_unrepresentable_type_is_a_configuration_error() -> None:
    def odd(x: complex) -> None:
        """Odd."""

    with pytest.raises(ConfigurationError, match="complex"):
        function_tool(odd)


def test_pydantic_model_as_tool() -> None:
    (tool,) = to_tools([SearchDocs])
    assert tool.name == "SearchDocs"
    assert tool.description == "Search the documentation."
    assert tool.parameters["properties"]["query"]["type"] == "string"
    # Sent strict, as the OpenAI SDK sends pydantic tools: closed, every property required.
    assert tool.strict is True
    assert tool.parameters["required"] == ["query", "limit"]
    assert tool.parameters["additionalProperties"] is False


def test_duplicate_tool_names_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unique"):
        to_tools([WEATHER_TOOL, WEATHER_TOOL])


def test_every_tool_form_on_the_wire(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok"))
    complete(mode, emu, "hi", tools=[WEATHER_TOOL, TIME_DICT, get_forecast, SearchDocs])
    tools = sent(emu)["tools"]
    assert [t["type"] for t in tools] == ["function"] * 4
    fns = [t["function"] for t in tools]
    assert [f["name"] for f in fns] == ["get_weather", "get_time", "get_forecast", "SearchDocs"]
    assert fns[0] == {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": WEATHER_TOOL.parameters,
    }
    assert fns[1] == TIME_DICT["function"]
    assert fns[2]["parameters"]["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert fns[3]["parameters"]["properties"]["limit"]["default"] == 5
    assert "tool_choice" not in sent(emu)


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        pytest.param("auto", "auto"),
        pytest.param("required", "required"),
        ("none", "none"),
        ("get_time", {"type": "function", "function": {"name": "get_time"}}),
        (
            {"type": "function", "function": {"name": "get_time"}},
            {"type": "function", "function": {"name": "get_time"}},
        ),
    ],
)
def test_tool_choice_forms(mode: str, emu: Emulator, choice: Any, wire: Any) -> None:
    emu.script(Script(text="ok"))
    complete(mode, emu, "hi", tools=[WEATHER_TOOL, TIME_DICT], tool_choice=choice)
    assert sent(emu)["tool_choice"] == wire


def test_forced_tool_call_round_trip(mode: str, emu: Emulator) -> None:
    c = complete(mode, emu, "time in Paris?", tools=[WEATHER_TOOL, TIME_DICT], tool_choice="get_time")
    (call,) = c.tool_calls
    assert call.name == "get_time"
    assert call.arguments == {"tz": "example"}  # the emulator fills the schema


# ---------------------------------------------------------------- structured output


class Report(pydantic.BaseModel):
    city: str
    temperature: float
    unit: Literal["celsius", "fahrenheit"]
    tags: list[str]
    rain: bool | None = None


REPORT_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "count": {"type": "integer", "minimum": 3}},
    "required": ["city", "count"],
    "additionalProperties": False,
}


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_pydantic_response_format_gives_a_validated_object(mode: str, emu: Emulator, streamed: bool) -> None:
    c = complete(mode, emu, "weather?", streamed=streamed, response_format=Report)
    assert isinstance(c.parsed, Report)
    assert c.parsed.unit == "celsius" and c.parsed.tags == ["example"]
    rf = sent(emu)["response_format"]
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["name"] == "Report"
    assert rf["json_schema"]["schema"]["properties"]["unit"]["enum"] == ["celsius", "fahrenheit"]


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_bare_json_schema_response_format(mode: str, emu: Emulator, streamed: bool) -> None:
    c = complete(mode, emu, "x", streamed=streamed, response_format=REPORT_SCHEMA)
    assert c.parsed == {"city": "example", "count": 3}
    rf = sent(emu)["response_format"]
    assert rf["type"] == "json_schema"
    assert rf["json_schema"]["schema"] == REPORT_SCHEMA
    assert rf["json_schema"].get("strict") is True  # the schema already meets strict-mode rules


def test_openai_style_response_format_dicts(mode: str, emu: Emulator) -> None:
    wrapped = {
        "type": "json_schema",
        "json_schema": {"name": "thing", "schema": REPORT_SCHEMA, "strict": True},
    }
    c = complete(mode, emu, "x", response_format=wrapped)
    assert c.parsed == {"city": "example", "count": 3}
    assert sent(emu)["response_format"] == wrapped
    c = complete(mode, emu, "x", response_format={"type": "json_object"})
    assert isinstance(c.parsed, dict)
    assert sent(emu)["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize("text", ["not json", '{"city": "Paris"}', '{"city": "x", "temperature": "hot"'])
def test_invalid_structured_output_raises_with_the_completion(
    mode: str, emu: Emulator, streamed: bool, text: str
) -> None:
    emu.script(Script(text=text))
    with pytest.raises(StructuredOutputError) as info:
        complete(mode, emu, "x", streamed=streamed, response_format=Report)
    assert info.value.completion is not None
    assert info.value.completion.text == text


def test_invalid_json_with_a_dict_schema_raises(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="{oops"))
    with pytest.raises(StructuredOutputError) as info:
        complete(mode, emu, "x", response_format=REPORT_SCHEMA)
    assert info.value.completion is not None and info.value.completion.text == "{oops"


def test_no_response_format_means_no_parsing(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="{not json, and nobody asked}"))
    c = complete(mode, emu, "x")
    assert c.parsed is None
    assert "response_format" not in sent(emu)


def test_response_format_text_and_bad_values() -> None:
    assert to_response_format({"type": "text"}) == (None, None)
    with pytest.raises(ConfigurationError):
        to_response_format(42)


# ---------------------------------------------------------------- import cost


def run_python(code: str) -> str:
    src = Path(__file__).resolve().parents[1] / "src"
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_llmkit_loads_no_heavy_dependency() -> None:
    out = run_python(
        """
        import json, sys
        import llmkit
        llmkit.Message, llmkit.Tool, llmkit.errors
        heavy = ("pydantic", "httpx2", "httpx", "aiohttp")
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(heavy))))
        """
    )
    assert json.loads(out) == []


def test_a_call_without_pydantic_objects_never_imports_pydantic() -> None:
    out = run_python(
        """
        import json, sys
        import llmkit
        from llmkit.emulator import Emulator, Script

        def add(a: int, b: int = 2) -> int:
            '''Add numbers.'''
            return a + b

        schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
        with Emulator(api_key="sk-test-subprocess-1") as emu:
            kw = dict(base_url=emu.base_url(), api_key="sk-test-subprocess-1")
            c = llmkit.complete("openai/gpt-4o-mini", "hi", tools=[add], response_format=schema, **kw)
            assert c.parsed == {"n": 1}, c.parsed
            list(llmkit.stream("openai/gpt-4o-mini", "hi", **kw))
        print(json.dumps("pydantic" in sys.modules))
        """
    )
    assert json.loads(out) is False
