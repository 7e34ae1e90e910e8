"""OCI Generative AI through the public API over loopback, sync and async, against the emulator,
which verifies every request's OCI signature against the registered test key."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.oci import COMPARTMENT, new_api_key
from llmkit.emulator.oci_auth import OciTestCredentials
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import FinishReason

GENERIC = "oci/meta.llama-3.3-70b-instruct"
COHERE = "oci/cohere.command-a-03-2025"
ENDPOINT = "oci/ocid1.generativeaiendpoint.oc1.us-chicago-1.aaaaaaaaemulatorendpoint"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
pytestmark = pytest.mark.usefixtures("oci_env")


def _body(emu: Emulator) -> dict[str, Any]:
    return json.loads(emu.requests[-1].body)


@pytest.mark.parametrize("model", [GENERIC, COHERE])
def test_complete_sync_and_async(emu: Emulator, model: str) -> None:
    emu.script(Script(text="Hello from OCI", input_tokens=7, output_tokens=3))
    c = llmkit.complete(
        model, [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "hi"}]
    )
    assert c.text == "Hello from OCI"
    assert (c.usage.input_tokens, c.usage.output_tokens, c.usage.total_tokens) == (7, 3, 10)
    assert c.finish_reason is FinishReason.STOP and c.provider == "oci"
    body = _body(emu)
    assert body["compartmentId"] == COMPARTMENT
    assert body["servingMode"] == {"servingType": "ON_DEMAND", "modelId": model[4:]}
    sent = emu.requests[-1].headers
    assert sent["authorization"].startswith('Signature algorithm="rsa-sha256"')
    assert c.id is not None and len(c.id) == 32  # the answer's opc-request-id

    async def main() -> str:
        async with llmkit.AsyncClient() as client:
            emu.script(Script(text="async hello"))
            return (await client.complete(model, "hi")).text

    assert asyncio.run(main()) == "async hello"


def test_cohere_request_shape(emu: Emulator) -> None:
    llmkit.complete(
        COHERE,
        [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "Hello"},
            {"role": "assistant", "content": "Hi! How can I help?"},
            {"role": "user", "content": "A joke"},
        ],
        max_tokens=50,
        temperature=0.3,
        stop=["END"],
    )
    chat = _body(emu)["chatRequest"]
    assert chat == {
        "apiFormat": "COHERE",
        "message": "A joke",
        "chatHistory": [
            {"role": "USER", "message": "Hello"},
            {"role": "CHATBOT", "message": "Hi! How can I help?"},
        ],
        "preambleOverride": "Be terse.",
        "maxTokens": 50,
        "temperature": 0.3,
        "stopSequences": ["END"],
    }


def test_dedicated_endpoint_and_api_format(emu: Emulator) -> None:
    llmkit.complete(ENDPOINT, "hi")
    body = _body(emu)
    assert body["servingMode"] == {"servingType": "DEDICATED", "endpointId": ENDPOINT[4:]}
    assert body["chatRequest"]["apiFormat"] == "GENERIC"
    llmkit.complete(ENDPOINT, "hi", api_format="COHERE")
    assert _body(emu)["chatRequest"]["apiFormat"] == "COHERE"
    with pytest.raises(ConfigurationError, match="serving_mode"):
        llmkit.complete(GENERIC, "hi", serving_mode="SOMETIMES")


@pytest.mark.parametrize("model", [GENERIC, COHERE])
def test_stream_sync_and_async(emu: Emulator, model: str) -> None:
    emu.script(Script(text="one two three four", input_tokens=5, output_tokens=4))
    stream = llmkit.stream(model, "hi")
    pieces = [e.text for e in stream if isinstance(e, llmkit.TextDelta)]
    assert "".join(pieces) == "one two three four" and len(pieces) == 4
    assert stream.completion.text == "one two three four"  # COHERE's repeated final text is not doubled
    assert stream.completion.usage.total_tokens == 9
    assert _body(emu)["chatRequest"]["isStream"] is True

    async def main() -> str:
        async with llmkit.AsyncClient() as client:
            emu.script(Script(text="async stream"))
            s = client.stream(model, "hi")
            async for _ in s:
                pass
            return s.completion.text

    assert asyncio.run(main()) == "async stream"


@pytest.mark.parametrize("model", [GENERIC, COHERE])
def test_tool_calls_complete_and_stream(emu: Emulator, model: str) -> None:
    call = ScriptedCall("get_weather", {"city": "Paris"}, id="call_abc")
    emu.script(Script(tool_calls=[call]), Script(tool_calls=[call]))
    c = llmkit.complete(model, "weather?", tools=[WEATHER])
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert [(t.name, t.arguments) for t in c.message.tool_calls] == [("get_weather", {"city": "Paris"})]
    s = llmkit.stream(model, "weather?", tools=[WEATHER])
    list(s)
    assert [(t.name, t.arguments) for t in s.completion.message.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    tools = _body(emu)["chatRequest"]["tools"]
    if model == COHERE:
        assert tools[0]["parameterDefinitions"] == {"city": {"type": "str", "isRequired": True}}
    else:
        assert tools[0]["type"] == "FUNCTION" and tools[0]["parameters"]["required"] == ["city"]


@pytest.mark.parametrize("model", [GENERIC, COHERE])
def test_tool_results_round_trip(emu: Emulator, model: str) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"}, id="call_1")]))
    first = llmkit.complete(model, "weather?", tools=[WEATHER])
    call = first.message.tool_calls[0]
    messages = [
        {"role": "user", "content": "weather?"},
        first.message,
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'},
    ]
    emu.script(Script(text="21 degrees"))
    assert llmkit.complete(model, messages, tools=[WEATHER]).text == "21 degrees"
    chat = _body(emu)["chatRequest"]
    if model == COHERE:
        assert chat["toolResults"] == [
            {"call": {"name": "get_weather", "parameters": {"city": "Paris"}}, "outputs": [{"temp": 21}]}
        ]
    else:
        assert chat["messages"][-1] == {
            "role": "TOOL",
            "content": [{"type": "TEXT", "text": '{"temp": 21}'}],
            "toolCallId": call.id,
        }


def test_embed_sync_and_async(emu: Emulator) -> None:
    e = llmkit.embed("oci/cohere.embed-v4.0", ["a", "b"], input_type="SEARCH_DOCUMENT", truncate="END")
    assert len(e.vectors) == 2 and e.usage.input_tokens == 2
    body = _body(emu)
    assert (body["inputType"], body["truncate"]) == ("SEARCH_DOCUMENT", "END")
    assert emu.requests[-1].path == "/20231130/actions/embedText"

    async def main() -> int:
        async with llmkit.AsyncClient() as client:
            return len((await client.embed("oci/cohere.embed-v4.0", ["x"])).vectors)

    assert asyncio.run(main()) == 1


def test_wrong_key_is_an_authentication_error_naming_what_to_fix(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oci_creds: OciTestCredentials
) -> None:
    # A key the emulator never registered, under the same names: the signature cannot verify.
    other = new_api_key(tmp_path)
    text = Path(other.config_file).read_text()
    monkeypatch.setenv("OCI_CONFIG_FILE", other.config_file)
    Path(other.config_file).write_text(text.replace(other.fingerprint, oci_creds.fingerprint))
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(GENERIC, "hi")
    err = info.value
    assert err.status_code == 401 and err.error_code == "NotAuthenticated"
    assert "fingerprint" in str(err) and "key_file" in str(err)
    assert err.request_id
    assert "BEGIN" not in str(err) and 'signature="' not in repr(err)

    async def main() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete(GENERIC, "hi")

    with pytest.raises(AuthenticationError):
        asyncio.run(main())


@pytest.mark.parametrize(
    ("status", "cls"), [(429, RateLimitError), (500, ServerError), (404, NotFoundError), (503, ServerError)]
)
def test_errors_typed(emu: Emulator, status: int, cls: type[Exception]) -> None:
    emu.script(*[Script(error=ScriptedError(status, "scripted", headers={"retry-after": "0"}))] * 3)
    with pytest.raises(cls) as info:
        llmkit.complete(GENERIC, "hi", max_retries=0)
    assert "scripted" in str(info.value)


def test_malformed_body_and_cut_stream(emu: Emulator) -> None:
    emu.script(Script(text="one two three four five", fault="cut", after=2))
    stream = llmkit.stream(GENERIC, "hi")
    with pytest.raises(StreamInterruptedError) as info:
        list(stream)
    assert info.value.partial is not None and info.value.partial.text == "one two"
    emu.script(Script(text="one two three", fault="malformed", after=1))
    with pytest.raises(ResponseDecodeError) as bad:
        list(llmkit.stream(GENERIC, "hi"))
    assert bad.value.partial is None or bad.value.partial.text == "one"


def test_missing_compartment_and_region(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OCI_COMPARTMENT_ID")
    with pytest.raises(ConfigurationError, match=r"compartment_id=.*OCI_COMPARTMENT_ID"):
        llmkit.complete(GENERIC, "hi")
    monkeypatch.delenv("OCI_BASE_URL")
    config = tmp_path / "config"
    config.write_text("[DEFAULT]\nuser=ocid1.user.oc1..a\n")
    monkeypatch.setenv("OCI_CONFIG_FILE", str(config))
    with pytest.raises(ConfigurationError, match=r"region=.*OCI_REGION"):
        llmkit.complete(GENERIC, "hi", compartment_id=COMPARTMENT)


def test_region_from_the_profile_fills_the_host(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, oci_creds: OciTestCredentials
) -> None:
    from llmkit._resolve import resolve

    monkeypatch.delenv("OCI_BASE_URL")
    r = resolve(
        GENERIC,
        api_key=None,
        base_url=None,
        extra_headers=None,
        options={},
        default_keys={},
        default_headers={},
    )
    assert r.ctx.base_url == "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"
    r = resolve(
        GENERIC,
        api_key=None,
        base_url=None,
        extra_headers=None,
        options={"region": "eu-frankfurt-1"},
        default_keys={},
        default_headers={},
    )
    assert "eu-frankfurt-1" in r.ctx.base_url


def test_async_cut_stream_keeps_what_arrived(emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="cut", after=2))

    async def main() -> str:
        async with llmkit.AsyncClient() as client:
            s = client.stream(COHERE, "hi")
            with pytest.raises(StreamInterruptedError) as info:
                async for _ in s:
                    pass
            assert info.value.partial is not None
            return info.value.partial.text

    assert asyncio.run(main()) == "alpha beta"


def test_a_retried_request_is_signed_again(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "slow down", headers={"retry-after": "0"})), Script(text="ok"))
    assert llmkit.complete(GENERIC, "hi", max_retries=1).text == "ok"
    assert len(emu.requests) == 2
    assert all(r.headers["authorization"].startswith("Signature ") for r in emu.requests)
