"""What compat_b's rows are held against besides the emulator: documented responses decoded through
the public API, DigitalOcean's official ``gradient`` SDK in both directions, and a recorded reason
for every row that has no reference (``tests/fixtures/<row>/NO_FIXTURE.source.md``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from tests.compat_b._rows import ROWS
from tests.fleet.test_fixtures import decode, decode_error, usage
from tests.fleet.test_fleet import CANARY_KEY, WEATHER

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.types import FinishReason

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Rows held against an official SDK here instead of a recorded body.
SDK_REFERENCED = {
    "gradient_ai": "gradient",  # this module
    "apertis": "apertis",  # test_sdk_references.py
    "nadir": "nadir-sdk",
    "cometapi": "cometapi",
    "kyma": "kyma-ai",
}


@pytest.mark.parametrize("name", ROWS)
def test_every_row_has_a_reference_or_a_recorded_gap(name: str) -> None:
    folder = FIXTURES / name
    assert folder.is_dir(), f"{name}: add tests/fixtures/{name}/ with a fixture, an SDK note or NO_FIXTURE"
    files = [p for p in folder.iterdir() if not p.name.endswith(".source.md")]
    for f in files:
        assert (folder / f"{f.name}.source.md").exists(), f"{f} has no .source.md"
    gap = folder / "NO_FIXTURE.source.md"
    sdk = folder / "SDK.source.md"
    assert files or gap.exists() or (name in SDK_REFERENCED and sdk.exists()), name
    if gap.exists():
        assert "Searched" in gap.read_text()


def test_edenai_documented_completion() -> None:
    c = decode("edenai", "chat_quickstart.json", model="openai/gpt-4")
    assert c.text == "Hello! I'm doing well, thank you."
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (12, 10, 22)
    assert c.id == "chatcmpl-123"
    assert not c.tool_calls


def test_heroku_documented_schema_sample() -> None:
    c = decode("heroku", "chat_reference_schema.json")
    assert c.text == "" and not c.tool_calls  # the sample's choice has no message
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (123, 123, 123)
    assert (c.id, c.model) == ("<string>", "<string>")


RAGFLOW_STREAM_TEXT = (
    "Hello! It seems like you're just greeting me. If you have a specific question or need "
    "information, feel free to ask, and I'll do my best to assist you based on the knowledge base provided."
)


def test_ragflow_documented_chat_completion() -> None:
    c = decode("ragflow", "chat_completion_docs.json")
    assert c.text == "Hello! I'm your smart assistant. What can I do for you?"
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (5, 55, 60) and c.usage.reasoning_tokens == 5
    assert (c.id, c.model) == ("chatcmpl-3b0397f277f511f0b47f729e3aa55728", "model")


def test_ragflow_documented_stream() -> None:
    c = decode("ragflow", "chat_stream_docs.sse")
    assert c.text == RAGFLOW_STREAM_TEXT
    assert c.finish_reason is FinishReason.STOP
    assert usage(c) == (5, 188, 193)


def test_ragflow_documented_agent_answer_keeps_its_references() -> None:
    c = decode("ragflow", "agent_completion_reference_docs.json")
    assert c.text.startswith("\nTo install Neovim") and c.text.endswith("...")
    assert usage(c) == (6, 415, 421)
    assert c.model == "d1f79142831f11f09cc51795b9eb07c0"
    reference = c.raw["choices"][0]["message"]["reference"]
    assert reference["chunks"]["20"]["document_name"] == "INSTALL22.md"
    assert set(reference["doc_aggs"]) == {"INSTALL(1).md", "INSTALL.md", "INSTALL22.md", "INSTALL3.md"}


def test_ragflow_documented_failure_is_typed() -> None:
    err = decode_error("ragflow", "error_not_from_user.json", 400, "application/json")
    assert isinstance(err, errors.BadRequestError)
    assert "The last content of this conversation is not from user." in str(err)
    # Served with 200 (the page gives no status), it is still an error, never an empty answer.
    with pytest.raises(errors.LLMKitError):
        decode("ragflow", "error_not_from_user.json")


@pytest.mark.parametrize(
    ("fixture", "text"),
    [
        ("edenai/chat_quickstart.json", "Hello! I'm doing well, thank you."),
        ("heroku/chat_reference_schema.json", ""),
        ("ragflow/chat_completion_docs.json", "Hello! I'm your smart assistant. What can I do for you?"),
        ("ragflow/chat_stream_docs.sse", RAGFLOW_STREAM_TEXT),
    ],
)
def test_documented_bodies_through_the_public_api(replay: dict[str, Any], fixture: str, text: str) -> None:
    """The documented bytes served verbatim over loopback (the fleet's replay profile), decoded by
    the public API with the row's own spec."""
    provider, name = fixture.split("/")
    opts = {"extra_headers": {"x-fixture": fixture}, **replay}
    if name.endswith(".sse"):
        with llmkit.stream(f"{provider}/m", "Hi", **opts) as s:
            list(s)
            done = s.completion
    else:
        done = llmkit.complete(f"{provider}/m", "Hi", **opts)
    direct = decode(provider, name, "m")
    assert done.text == text and done.provider == provider
    assert (done.usage, done.finish_reason) == (direct.usage, direct.finish_reason)


# ------------------------------------------------------------------ gradient_ai: the official SDK

gradient = pytest.importorskip("gradient")


def _sdk(emu: Emulator) -> Any:
    # The SDK appends /v1/chat/completions to its inference endpoint (the host root).
    root = emu.base_url("gradient_ai").removesuffix("/v1")
    return gradient.Gradient(model_access_key=CANARY_KEY, inference_endpoint=root, max_retries=0)


def test_gradient_sdk_reads_the_emulator(emu: Emulator) -> None:
    """SDK -> emulator: the official client's pydantic models parse the emulator's answers."""
    client = _sdk(emu)
    emu.script(Script(text="Paris.", input_tokens=9, output_tokens=2))
    done = client.chat.completions.create(
        model="llama3.3-70b-instruct", messages=[{"role": "user", "content": "Capital of France?"}]
    )
    assert done.choices[0].message.content == "Paris." and done.usage.prompt_tokens == 9
    assert emu.requests[-1].headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert emu.requests[-1].path == "/v1/chat/completions"

    call = ScriptedCall("get_weather", {"city": "Lima"}, id="call_sdk_1")
    emu.script(Script(tool_calls=[call]))
    tools = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "Weather?"}],
        tools=[{"type": "function", "function": {"name": WEATHER.name, "parameters": WEATHER.parameters}}],
    )
    [tc] = tools.choices[0].message.tool_calls
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_sdk_1",
        "get_weather",
        {"city": "Lima"},
    )

    emu.script(Script(text="one two three", reasoning="thinking"))
    chunks = list(
        client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Count"}], stream=True,
            stream_options={"include_usage": True},
        )
    )  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"


def _sdk_request_fields() -> set[str]:
    from gradient.types.chat import completion_create_params as params

    return set(get_type_hints(params.CompletionCreateParamsStreaming)) | set(
        get_type_hints(params.CompletionCreateParamsNonStreaming)
    )


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_fits_the_sdk_types(emu: Emulator, stream: bool) -> None:
    """llmkit -> SDK types: every field llmkit sends is one the SDK declares, and the body validates
    against the SDK's own request TypedDict (pydantic), messages and tools included."""
    from gradient.types.chat import completion_create_params as params
    from pydantic import TypeAdapter

    emu.script(Script(text="ok"))
    kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url("gradient_ai")}
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream("gradient_ai/m", messages, tools=[WEATHER], max_tokens=64, **kw) as s:
                list(s)
        else:
            client.complete("gradient_ai/m", messages, tools=[WEATHER], max_tokens=64, temperature=0.3, **kw)
    body = emu.requests[-1].json()
    assert set(body) <= _sdk_request_fields(), set(body) - _sdk_request_fields()
    assert (
        body["max_completion_tokens"] == 64 and "max_tokens" not in body
    )  # DigitalOcean deprecates max_tokens
    kind = params.CompletionCreateParamsStreaming if stream else params.CompletionCreateParamsNonStreaming
    TypeAdapter(kind).validate_python(body)
