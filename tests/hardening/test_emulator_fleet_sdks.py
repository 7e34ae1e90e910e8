"""The fleet profiles answer with the fields the real providers send, as their official SDKs read
them: groq-python against the ``groq`` profile, mistralai against ``mistral``, the openai SDK against
every profile that serves OpenAI's own paths; and llmkit reads the same answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import groq
import openai
import pytest
from mistralai.client import Mistral
from mistralai.client.errors import MistralError

import llmkit
from llmkit.emulator import PROFILES, Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator.fleet_profiles import FLEET
from llmkit.types import Tool

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WEATHER_SDK = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
WEATHER = Tool("get_weather", "Weather for a city", WEATHER_SDK["function"]["parameters"])  # type: ignore[index]
HI = [{"role": "user", "content": "Say hello"}]


# ---------------------------------------------------------------- Groq


@pytest.fixture
def groq_sdk(emu: Emulator) -> Any:
    # groq-python appends /openai/v1/... to https://api.groq.com; the profile sits where the host would.
    with groq.Groq(api_key=CANARY_KEY, base_url=f"{emu.url}/groq", max_retries=0) as client:
        yield client


def test_groq_sdk_reads_x_groq_service_tier_and_timings(emu: Emulator, groq_sdk: Any) -> None:
    emu.script(Script(text="Hello from Groq", input_tokens=9, output_tokens=4))
    r = groq_sdk.chat.completions.create(model="llama-3.3-70b-versatile", messages=HI)
    assert r.choices[0].message.content == "Hello from Groq"
    assert r.x_groq is not None and r.x_groq.id and r.x_groq.id.startswith("req_")
    assert r.service_tier == "on_demand"
    assert r.usage is not None and (r.usage.prompt_tokens, r.usage.completion_tokens) == (9, 4)
    assert r.usage.total_time is not None and r.usage.queue_time is not None
    assert emu.requests[-1].full_path == "/groq/openai/v1/chat/completions"


def test_groq_sdk_stream_has_usage_inside_x_groq_on_the_last_chunk(emu: Emulator, groq_sdk: Any) -> None:
    emu.script(Script(text="streamed from groq in parts", input_tokens=7, output_tokens=5))
    chunks = list(groq_sdk.chat.completions.create(model="llama-3.3-70b-versatile", messages=HI, stream=True))
    assert "stream_options" not in emu.requests[-1].json()  # the SDK does not ask for usage
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "streamed from groq in parts"
    first, last = chunks[0], chunks[-1]
    assert first.x_groq is not None and first.x_groq.id and first.x_groq.usage is None
    assert last.choices[0].finish_reason == "stop"
    assert last.x_groq is not None and last.x_groq.id == first.x_groq.id
    assert last.x_groq.usage is not None and last.x_groq.usage.total_tokens == 12
    assert all(c.x_groq is None for c in chunks[1:-1])


def test_groq_sdk_tool_call_and_errors(emu: Emulator, groq_sdk: Any) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="call_oslo")]))
    r = groq_sdk.chat.completions.create(model="m", messages=HI, tools=[WEATHER_SDK])
    call = r.choices[0].message.tool_calls[0]
    assert (call.id, call.function.name) == ("call_oslo", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Oslo"}
    emu.script(Script(error=ScriptedError(429, "Rate limit reached", code="rate_limit_exceeded")))
    with pytest.raises(groq.RateLimitError):
        groq_sdk.chat.completions.create(model="m", messages=HI)
    with groq.Groq(api_key="gsk_wrong_key_000", base_url=f"{emu.url}/groq", max_retries=0) as wrong:
        with pytest.raises(groq.AuthenticationError):
            wrong.chat.completions.create(model="m", messages=HI)


def test_async_groq_sdk_and_llmkit_read_the_same_stream(emu: Emulator) -> None:
    async def go() -> tuple[int, int, str]:
        emu.script(Script(text="async groq", input_tokens=2, output_tokens=2), Script(text="llmkit async"))
        async with groq.AsyncGroq(api_key=CANARY_KEY, base_url=f"{emu.url}/groq", max_retries=0) as sdk:
            stream = await sdk.chat.completions.create(model="m", messages=HI, stream=True)
            chunks = [c async for c in stream]
        kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("groq"), "max_retries": 0}
        async with llmkit.AsyncClient() as client, client.stream("groq/m", "hi", **kw) as s:
            text = "".join([e.text async for e in s if isinstance(e, llmkit.TextDelta)])
        usage = chunks[-1].x_groq.usage
        return usage.prompt_tokens, usage.completion_tokens, text

    assert asyncio.run(go()) == (2, 2, "llmkit async")


def test_llmkit_reads_groq_answers(emu: Emulator) -> None:
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("groq"), "max_retries": 0}
    emu.script(Script(text="one", input_tokens=3, output_tokens=1), Script(text="two parts", output_tokens=2))
    c = llmkit.complete("groq/llama-3.3-70b-versatile", "hi", **kw)
    assert c.usage.total_tokens == 4 and c.raw["x_groq"]["id"].startswith("req_")
    with llmkit.stream("groq/llama-3.3-70b-versatile", "hi", **kw) as s:
        assert "".join(s.text_stream()) == "two parts"
    assert s.completion.usage.output_tokens == 2


# ---------------------------------------------------------------- Mistral


@pytest.fixture
def mistral_sdk(emu: Emulator) -> Any:
    # mistralai appends /v1/... to its server URL, https://api.mistral.ai.
    with Mistral(api_key=CANARY_KEY, server_url=f"{emu.url}/mistral") as client:
        yield client


def test_mistral_sdk_complete_and_tool_call(emu: Emulator, mistral_sdk: Any) -> None:
    emu.script(
        Script(text="Bonjour", input_tokens=6, output_tokens=2),
        Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lyon"}, id="abcDEF123")]),
    )
    r = mistral_sdk.chat.complete(model="mistral-small-latest", messages=HI)
    assert r.choices[0].message.content == "Bonjour"
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (6, 2, 8)
    r = mistral_sdk.chat.complete(model="mistral-small-latest", messages=HI, tools=[WEATHER_SDK])
    call = r.choices[0].message.tool_calls[0]
    assert (call.id, call.function.name) == ("abcDEF123", "get_weather")
    assert emu.requests[-1].full_path == "/mistral/v1/chat/completions"


def test_mistral_sdk_stream_has_usage_on_the_last_chunk_without_stream_options(
    emu: Emulator, mistral_sdk: Any
) -> None:
    emu.script(Script(text="streamed from mistral in parts", input_tokens=5, output_tokens=6))
    events = list(mistral_sdk.chat.stream(model="mistral-small-latest", messages=HI))
    assert "stream_options" not in emu.requests[-1].json()
    text = "".join(e.data.choices[0].delta.content or "" for e in events if e.data.choices)
    assert text == "streamed from mistral in parts"
    last = events[-1].data
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None and (last.usage.prompt_tokens, last.usage.completion_tokens) == (5, 6)
    assert all(e.data.usage is None for e in events[:-1])


def test_mistral_sdk_embeddings_and_a_rejected_key(emu: Emulator, mistral_sdk: Any) -> None:
    e = mistral_sdk.embeddings.create(model="mistral-embed", inputs=["hello", "world"])
    assert len(e.data) == 2 and e.data[0].embedding
    with Mistral(api_key="wrong-key-000", server_url=f"{emu.url}/mistral") as wrong:
        with pytest.raises(MistralError) as info:
            wrong.chat.complete(model="m", messages=HI)
    assert info.value.status_code == 401


def test_llmkit_reads_mistral_stream_usage(emu: Emulator) -> None:
    """llmkit sends no stream_options to Mistral (its schema is closed); usage still arrives."""
    emu.script(Script(text="usage arrives last", input_tokens=4, output_tokens=3))
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("mistral"), "max_retries": 0}
    with llmkit.stream("mistral/mistral-small-latest", "hi", **kw) as s:
        assert "".join(s.text_stream()) == "usage arrives last"
    assert "stream_options" not in emu.requests[-1].json()
    u = s.completion.usage
    assert (u.input_tokens, u.output_tokens, u.total_tokens) == (4, 3, 7)

    async def go() -> tuple[int, int]:
        emu.script(Script(text="async usage", input_tokens=2, output_tokens=2))
        async with llmkit.AsyncClient() as client, client.stream("mistral/m", "hi", **kw) as st:
            async for _ in st:
                pass
        return st.completion.usage.input_tokens, st.completion.usage.output_tokens

    assert asyncio.run(go()) == (2, 2)


# ---------------------------------------------------------------- the openai SDK at every profile

OPENAI_PATHS = sorted(
    p.name
    for p in FLEET
    if p.extra["documented_paths"]["chat"][0] == f"{p.base_path}/chat/completions"
    and not p.required_headers
    and not p.required_query
)


@pytest.fixture(scope="module")
def http_client() -> Any:
    with openai.DefaultHttpxClient() as client:  # one pool: a client per test costs its TLS setup
        yield client


@pytest.mark.parametrize("name", OPENAI_PATHS)
def test_openai_sdk_reads_every_profile(emu: Emulator, http_client: Any, name: str) -> None:
    emu.script(Script(text="sdk whole"), Script(text="sdk in parts"))
    base = emu.base_url(name)
    # The key where the profile reads it (AssemblyAI's gateway takes it bare, not as a Bearer token).
    header, prefix = (
        PROFILES[name].auth_headers[0] if PROFILES[name].auth_headers else ("authorization", "Bearer ")
    )
    sdk = openai.OpenAI(
        api_key=CANARY_KEY, base_url=base, max_retries=0, http_client=http_client,
        default_headers={header: prefix + CANARY_KEY},
    )  # fmt: skip
    r = sdk.chat.completions.create(model="emu-model", messages=HI)  # type: ignore[arg-type]
    assert r.choices[0].message.content == "sdk whole"
    stream = sdk.chat.completions.create(model="emu-model", messages=HI, stream=True)  # type: ignore[arg-type]
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "sdk in parts"


def test_openai_sdk_gets_404_on_an_undocumented_path(emu: Emulator) -> None:
    """Writer documents /v1/chat, not /v1/chat/completions: the emulator answers as the host would."""
    with openai.OpenAI(api_key=CANARY_KEY, base_url=emu.base_url("writer"), max_retries=0) as sdk:
        with pytest.raises(openai.NotFoundError):
            sdk.chat.completions.create(model="palmyra-x5", messages=HI)  # type: ignore[arg-type]
    emu.script(Script(text="from /v1/chat"))
    c = llmkit.complete("writer/palmyra-x5", "hi", api_key=CANARY_KEY, base_url=emu.base_url("writer"))
    assert c.text == "from /v1/chat" and emu.requests[-1].path == "/v1/chat"


def test_cerebras_answers_carry_time_info_and_reasoning(emu: Emulator) -> None:
    """Fields of cerebras_cloud_sdk's ChatCompletionResponse: time_info, and message.reasoning."""
    emu.script(Script(text="4", reasoning="Two plus two."))
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("cerebras"), "max_retries": 0}
    c = llmkit.complete("cerebras/gpt-oss-120b", "2+2?", **kw)
    assert c.reasoning == "Two plus two." and c.raw["choices"][0]["message"]["reasoning"] == "Two plus two."
    timings = {"queue_time", "prompt_time", "completion_time", "total_time", "created"}
    assert set(c.raw["time_info"]) == timings


def test_the_groq_answer_has_the_documented_shape(emu: Emulator) -> None:
    """Key for key, the emulator's Groq completion is shaped like the one in Groq's own docs."""
    doc = json.loads((FIXTURES / "groq" / "chat_completion_batch_doc.json").read_text())
    emu.script(Script(text="hola"))
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("groq"), "max_retries": 0}
    got = llmkit.complete("groq/llama-3.1-8b-instant", "hi", **kw).raw
    assert set(doc) <= set(got)  # the emulator adds service_tier and usage_breakdown (groq-python)
    assert set(got["usage"]) == set(doc["usage"])
    assert set(got["choices"][0]["message"]) == set(doc["choices"][0]["message"])
    assert set(got["choices"][0]) == set(doc["choices"][0])
    assert set(got["x_groq"]) == set(doc["x_groq"]) and got["x_groq"]["id"].startswith("req_")
