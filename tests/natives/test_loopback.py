"""TGI's generate API, LoRAX, Predibase and Triton's generate extension end to end over loopback,
sync and async, through the public API: complete, stream, structured output, the parameters each
sends, errors (wrong key, 422, 429, 5xx, a malformed body, an error event mid-stream, a stream
cut midway keeps what arrived), no tools, one prompt only, and the address rules."""

from __future__ import annotations

import pytest
from _natives_helpers import GENERATE, last_body, options, run, sent

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    NotSupportedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import Finish, Message, TextDelta, Tool, UsageUpdate

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
ALL = pytest.mark.parametrize("provider", GENERATE)
TGI_FAMILY = pytest.mark.parametrize("provider", ["tgi_generate", "lorax", "predibase"])
WEATHER = Tool("get_weather", "The weather", {"type": "object", "properties": {"city": {"type": "string"}}})


@MODES
@TGI_FAMILY
def test_complete_sends_inputs_and_parameters_and_reads_details(
    mode: str, provider: str, emu: Emulator
) -> None:
    emu.script(Script(text="Paris is lovely", input_tokens=6, output_tokens=4, finish_reason="length"))
    c = run(mode, "complete", f"{provider}/m1", "Tell me", max_tokens=40, temperature=0.5, stop=["\n"],
            top_k=10, seed=7, **options(emu, provider))  # fmt: skip
    assert (c.text, c.provider, c.finish_reason, c.raw_finish_reason) == (
        "Paris is lovely", provider, "length", "length",
    )  # fmt: skip
    assert c.usage.output_tokens == 4
    # TGI's whole answer names no prompt length (only prefill, with decoder_input_details); LoRAX's does.
    assert c.usage.input_tokens == (0 if provider == "tgi_generate" else 6)
    assert last_body(emu, provider) == {
        "inputs": "Tell me",
        "parameters": {"details": True, "max_new_tokens": 40, "temperature": 0.5, "stop": ["\n"],
                       "top_k": 10, "seed": 7},
    }  # fmt: skip
    path = sent(emu, provider)[-1].path
    assert path == ("/tenant-1/deployments/v2/llms/m1/generate" if provider == "predibase" else "/generate")


@MODES
def test_decoder_input_details_gives_tgi_the_prompt_count(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="ok", input_tokens=5))
    c = run(
        mode, "complete", "tgi_generate/m", "hi", decoder_input_details=True, **options(emu, "tgi_generate")
    )
    assert c.usage.input_tokens == 5 and c.finish_reason == "stop" and c.raw_finish_reason == "eos_token"


@MODES
@ALL
def test_stream_gives_text_then_usage_and_finish(mode: str, provider: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta", input_tokens=3, output_tokens=5))
    events, c = run(mode, "stream", f"{provider}/m1", "go", **options(emu, provider))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == "alpha beta gamma delta" and len(deltas) == 4
    assert c.text == "alpha beta gamma delta"
    if provider == "triton":  # the extension reports neither counts nor a finish reason
        assert not [e for e in events if isinstance(e, (UsageUpdate, Finish))]
        assert (c.finish_reason, c.usage.total_tokens) == ("other", 0)
        assert sent(emu, provider)[-1].path == "/v2/models/m1/generate_stream"
        assert last_body(emu, provider) == {"text_input": "go", "parameters": {"stream": True}}
    else:
        assert [e.usage.input_tokens for e in events if isinstance(e, UsageUpdate)] == [3]
        assert (c.finish_reason, c.raw_finish_reason, c.usage.output_tokens) == ("stop", "eos_token", 5)
        assert sent(emu, provider)[-1].path.endswith("/generate_stream")
        # The closing special token (</s>) is not text.
        assert "</s>" not in c.text


@MODES
def test_triton_complete_with_version_and_model_parameters(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="model output"))
    kw = options(emu, "triton", model_version=2, parameters={"beam_width": 1, "bad_words": ""})
    c = run(
        mode,
        "complete",
        "triton/ensemble",
        "client input",
        max_tokens=64,
        temperature=0.0,
        stop=["END"],
        **kw,
    )
    assert (c.text, c.model, c.finish_reason) == ("model output", "ensemble", "other")
    assert sent(emu, "triton")[-1].path == "/v2/models/ensemble/versions/2/generate"
    assert last_body(emu, "triton") == {
        "text_input": "client input",
        "parameters": {"stream": False, "max_tokens": 64, "temperature": 0.0, "stop": "END", "beam_width": 1,
                       "bad_words": ""},
    }  # fmt: skip
    for bad in ({"model_version": "1/../x"}, {"stop": ["a", "b"]}, {"parameters": {"x": [1]}}):
        with pytest.raises(ConfigurationError):
            run(mode, "complete", "triton/ensemble", "x", **options(emu, "triton"), **bad)


@MODES
@TGI_FAMILY
def test_json_schema_goes_to_grammar_or_response_format(mode: str, provider: str, emu: Emulator) -> None:
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
    emu.script(Script(json={"age": 22}))
    c = run(mode, "complete", f"{provider}/m", "age?", response_format=schema, **options(emu, provider))
    assert c.parsed == {"age": 22}
    params = last_body(emu, provider)["parameters"]
    if provider == "tgi_generate":
        assert params["grammar"] == {"type": "json", "value": schema}
    else:
        assert params["response_format"] == {"type": "json_object", "schema": schema}


@MODES
@pytest.mark.parametrize("provider", ["lorax", "predibase"])
def test_adapters_per_call(mode: str, provider: str, emu: Emulator) -> None:
    emu.script(Script(text="tuned"))
    run(mode, "complete", f"{provider}/base", "x", adapter_id="me/sentiment/1", adapter_source="pbase",
        **options(emu, provider))  # fmt: skip
    params = last_body(emu, provider)["parameters"]
    assert (params["adapter_id"], params["adapter_source"]) == ("me/sentiment/1", "pbase")
    with pytest.raises(ConfigurationError, match="adapter_source"):
        run(mode, "complete", "tgi_generate/m", "x", adapter_source="hub", **options(emu, "tgi_generate"))


@MODES
@ALL
def test_no_tools_and_one_prompt_only(mode: str, provider: str, emu: Emulator) -> None:
    with pytest.raises(NotSupportedError, match="tool"):
        run(mode, "complete", f"{provider}/m", "x", tools=[WEATHER], **options(emu, provider))
    turns = [Message("user", "a"), Message("assistant", "b"), Message("user", "c")]
    with pytest.raises(ConfigurationError, match="one prompt"):
        run(mode, "complete", f"{provider}/m", turns, **options(emu, provider))
    assert sent(emu, provider) == []


@MODES
@ALL
def test_errors_are_typed(mode: str, provider: str, emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(422, "Input validation error: `inputs` must be non-empty")),
        Script(error=ScriptedError(429, "Model is overloaded", headers={"retry-after": "3"})),
        Script(error=ScriptedError(500, "Incomplete generation")),
        Script(text="x", fault="malformed"),
    )
    kw = options(emu, provider)
    with pytest.raises(BadRequestError, match="Input validation") as bad:
        run(mode, "complete", f"{provider}/m", "x", **kw)
    assert bad.value.status_code == 422
    with pytest.raises(RateLimitError) as limited:
        run(mode, "complete", f"{provider}/m", "x", **kw)
    assert limited.value.retry_after == 3
    with pytest.raises(ServerError, match="Incomplete generation"):
        run(mode, "complete", f"{provider}/m", "x", **kw)
    with pytest.raises(ResponseDecodeError):
        run(mode, "complete", f"{provider}/m", "x", **kw)


@MODES
@ALL
def test_wrong_key_is_an_authentication_error_without_the_key(
    mode: str, provider: str, emu: Emulator
) -> None:
    kw = options(emu, provider, api_key="sk-wrong-key-123456")
    with pytest.raises(AuthenticationError) as err:
        run(mode, "complete", f"{provider}/m", "x", **kw)
    assert "sk-wrong-key-123456" not in str(err.value) + repr(err.value)


@MODES
@ALL
def test_stream_faults_keep_what_arrived(mode: str, provider: str, emu: Emulator) -> None:
    emu.script(
        Script(text="one two three four five", fault="cut", after=2),
        Script(
            text="one two three four five",
            fault="stream_error",
            after=2,
            error=ScriptedError(500, "Request failed during generation"),
        ),
        Script(text="one two three four five", fault="malformed", after=2),
    )
    kw = options(emu, provider)
    with pytest.raises(StreamInterruptedError) as cut:
        run(mode, "stream", f"{provider}/m", "x", **kw)
    assert cut.value.partial is not None and cut.value.partial.text == "one two"
    with pytest.raises(ServerError, match="failed during generation") as failed:
        run(mode, "stream", f"{provider}/m", "x", **kw)
    assert failed.value.partial is not None and failed.value.partial.text == "one two"
    with pytest.raises(ResponseDecodeError) as broken:
        run(mode, "stream", f"{provider}/m", "x", **kw)
    assert broken.value.partial is not None and broken.value.partial.text == "one two"


def test_no_terminator_is_an_interrupted_stream_for_tgi(emu: Emulator) -> None:
    emu.script(Script(text="one two three", fault="no_terminator", after=2))
    with pytest.raises(StreamInterruptedError) as cut:
        run("sync", "stream", "lorax/m", "x", **options(emu, "lorax"))
    assert cut.value.partial is not None and cut.value.partial.text == "one two"


def test_addresses_are_required_and_validated(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for provider in ("tgi_generate", "lorax", "tgi"):
        with pytest.raises(ConfigurationError, match="base_url"):
            llmkit.complete(f"{provider}/m", "x", max_retries=0)
    with pytest.raises(ConfigurationError, match="PREDIBASE_TENANT_ID"):
        llmkit.complete("predibase/m", "x", api_key="k", max_retries=0)
    with pytest.raises(ConfigurationError, match="tenant_id"):
        llmkit.complete("predibase/m", "x", api_key="k", tenant_id="a/../b", max_retries=0)
    with pytest.raises(ConfigurationError, match="PREDIBASE_API_TOKEN"):
        llmkit.complete("predibase/m", "x", tenant_id="t1", max_retries=0)
    with pytest.raises(ConfigurationError):
        llmkit.complete("triton/m", "x", host="ftp://x", max_retries=0)
    # A model that fills a path is one segment: '/' is encoded, '..' refused.
    emu.script(Script(text="ok"))
    llmkit.complete("predibase/a/b", "x", **options(emu, "predibase"))
    assert sent(emu, "predibase")[-1].full_path.endswith("/llms/a%2Fb/generate")
    with pytest.raises(ConfigurationError):
        llmkit.complete("triton/..", "x", **options(emu, "triton"))
    # Environment variables alone aim the calls.
    monkeypatch.setenv("PREDIBASE_TENANT_ID", "tenant-9")
    monkeypatch.setenv("PREDIBASE_API_TOKEN", emu.api_key or "")
    monkeypatch.setenv("PREDIBASE_BASE_URL", emu.url + "/predibase/{tenant_id}/deployments/v2/llms")
    emu.script(Script(text="from env"))
    assert llmkit.complete("predibase/dep", "x", max_retries=0).text == "from env"
    assert sent(emu, "predibase")[-1].path == "/tenant-9/deployments/v2/llms/dep/generate"
    assert sent(emu, "predibase")[-1].headers["authorization"] == f"Bearer {emu.api_key}"


@MODES
def test_tgi_messages_api_is_openai_chat_at_the_server_root(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="templated"))
    c = run(mode, "complete", "tgi/tgi", [Message("system", "be brief"), Message("user", "hi")],
            base_url=emu.base_url("tgi"), max_retries=0)  # fmt: skip
    assert c.text == "templated" and sent(emu, "tgi")[-1].path == "/v1/chat/completions"
    assert "authorization" not in sent(emu, "tgi")[-1].headers
