"""NLP Cloud end to end over loopback, sync and async, through the public API: chatbot
(context, history), generation (parameters, token counts), streams of NUL-separated pieces,
errors (wrong key, 422, 429, 5xx, a malformed body, a stream cut midway or broken keeps what
arrived), no tools, and the address rules."""

from __future__ import annotations

import pytest
from _natives2_helpers import last_body, options, run, sent

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
from llmkit.types import Message, TextDelta, Tool

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
WEATHER = Tool("get_weather", "The weather", {"type": "object", "properties": {"city": {"type": "string"}}})
CONVERSATION = [
    Message("system", "You are a travel agent."),
    Message("user", "Hi"),
    Message("assistant", "Hello! Where to?"),
    Message("user", "Paris"),
]


@MODES
def test_chatbot_sends_context_history_and_input(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Paris is lovely in spring."))
    c = run(mode, "complete", "nlp_cloud/chatdolphin", CONVERSATION, **options(emu))
    assert (c.text, c.provider, c.finish_reason, c.raw_finish_reason) == (
        "Paris is lovely in spring.", "nlp_cloud", "other", None,
    )  # fmt: skip
    assert c.usage.total_tokens == 0  # the chatbot endpoint reports no counts
    assert last_body(emu) == {
        "input": "Paris",
        "context": "You are a travel agent.",
        "history": [{"input": "Hi", "response": "Hello! Where to?"}],
    }
    req = sent(emu)[-1]
    assert req.path == "/v1/gpu/chatdolphin/chatbot"
    assert req.headers["authorization"] == f"Token {options(emu)['api_key']}"


@MODES
def test_generation_sends_parameters_and_reads_counts(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="a story", input_tokens=6, output_tokens=2))
    c = run(mode, "complete", "nlp_cloud/dolphin", "Once upon a time", endpoint="generation", max_tokens=40,
            temperature=0.5, stop=["\n"], top_k=10, remove_input=True, **options(emu))  # fmt: skip
    assert c.text == "a story" and (c.usage.input_tokens, c.usage.output_tokens) == (6, 2)
    assert last_body(emu) == {"text": "Once upon a time", "max_length": 40, "temperature": 0.5,
                              "end_sequence": "\n", "top_k": 10, "remove_input": True}  # fmt: skip
    assert sent(emu)[-1].path == "/v1/gpu/dolphin/generation"


@MODES
@pytest.mark.parametrize("endpoint", ["chatbot", "generation"])
def test_stream_reads_nul_separated_pieces(mode: str, endpoint: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma délta"))
    events, c = run(mode, "stream", "nlp_cloud/m1", "go", endpoint=endpoint, **options(emu))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas == ["alpha", " beta", " gamma", " délta"] and c.text == "alpha beta gamma délta"
    assert last_body(emu) == (
        {"input": "go", "stream": True} if endpoint == "chatbot" else {"text": "go", "stream": True}
    )


@MODES
def test_no_tools_and_turn_rules(mode: str, emu: Emulator) -> None:
    with pytest.raises(NotSupportedError, match="tool"):
        run(mode, "complete", "nlp_cloud/m", "x", tools=[WEATHER], **options(emu))
    with pytest.raises(ConfigurationError, match="in turn"):
        run(mode, "complete", "nlp_cloud/m", [Message("user", "a"), Message("user", "b")], **options(emu))
    with pytest.raises(ConfigurationError, match="endpoint='generation'"):
        run(mode, "complete", "nlp_cloud/m", "x", max_tokens=5, **options(emu))
    with pytest.raises(ConfigurationError, match="one prompt"):
        run(mode, "complete", "nlp_cloud/m", CONVERSATION, endpoint="generation", **options(emu))
    with pytest.raises(ConfigurationError, match="one stop"):
        run(mode, "complete", "nlp_cloud/m", "x", endpoint="generation", stop=["a", "b"], **options(emu))
    with pytest.raises(ConfigurationError, match="endpoint="):
        run(mode, "complete", "nlp_cloud/m", "x", endpoint="summarization", **options(emu))
    assert sent(emu) == []


@MODES
def test_errors_are_typed(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(422, "Input text is too long")),
        Script(error=ScriptedError(429, "Too many requests", headers={"retry-after": "3"})),
        Script(error=ScriptedError(500, "Internal server error")),
        Script(text="x", fault="malformed"),
    )
    kw = options(emu)
    with pytest.raises(BadRequestError, match="too long") as bad:
        run(mode, "complete", "nlp_cloud/m", "x", **kw)
    assert bad.value.status_code == 422
    with pytest.raises(RateLimitError) as limited:
        run(mode, "complete", "nlp_cloud/m", "x", **kw)
    assert limited.value.retry_after == 3
    with pytest.raises(ServerError, match="Internal server error"):
        run(mode, "complete", "nlp_cloud/m", "x", **kw)
    with pytest.raises(ResponseDecodeError):
        run(mode, "complete", "nlp_cloud/m", "x", **kw)


@MODES
def test_wrong_key_is_an_authentication_error_without_the_key(mode: str, emu: Emulator) -> None:
    if emu.api_key is None:
        pytest.skip("the emulator accepts any key")
    with pytest.raises(AuthenticationError, match="Invalid token") as err:
        run(mode, "complete", "nlp_cloud/m", "x", **options(emu, api_key="nlpc-wrong-key-123456"))
    assert "nlpc-wrong-key-123456" not in str(err.value) + repr(err.value)


@MODES
def test_stream_faults_keep_what_arrived(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(text="one two three four five", fault="cut", after=2),
        Script(text="one two three four five", fault="malformed", after=2),
    )
    with pytest.raises(StreamInterruptedError) as cut:
        run(mode, "stream", "nlp_cloud/m", "x", **options(emu))
    assert cut.value.partial is not None and cut.value.partial.text == "one two"
    with pytest.raises(ResponseDecodeError) as broken:
        run(mode, "stream", "nlp_cloud/m", "x", **options(emu))
    assert broken.value.partial is not None and broken.value.partial.text == "one two"


def test_key_and_model_rules(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="NLPCLOUD_API_KEY"):
        llmkit.complete("nlp_cloud/m", "x", max_retries=0, base_url=emu.base_url("nlp_cloud"))
    key = emu.api_key or "nlpc-env-key"
    monkeypatch.setenv("NLP_CLOUD_API_KEY", key)  # LiteLLM's name works too
    monkeypatch.setenv("NLP_CLOUD_BASE_URL", emu.base_url("nlp_cloud"))
    assert llmkit.complete("nlp_cloud/m", "x", max_retries=0).text
    assert sent(emu)[-1].headers["authorization"] == f"Token {key}"
    # A model name is one path segment: a slash is encoded, a dot segment refused.
    llmkit.complete("nlp_cloud/../admin", "x", max_retries=0)
    assert sent(emu)[-1].path == "/v1/gpu/..%2Fadmin/chatbot"
    with pytest.raises(ConfigurationError, match="path segment"):
        llmkit.complete("nlp_cloud/..", "x", max_retries=0)
