"""Petals (chat.petals.dev's HTTP API) end to end over loopback, sync and async, through the public
API: the form body and the chat template, raw prompts, sampling rules, the one-event stream,
``ok: false`` answers as typed errors (bounded to the traceback's last line), HTML error pages, a
body cut midway, no tools or structured output."""

from __future__ import annotations

import pytest
from _natives3_helpers import MODEL, last_form, options, run, sent

from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import (
    APIConnectionError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    NotSupportedError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import Finish, Message, TextDelta, Tool

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
WEATHER = Tool("get_weather", "The weather", {"type": "object", "properties": {"city": {"type": "string"}}})
CONVERSATION = [
    Message("system", "You are a travel agent."),
    Message("user", "Hi"),
    Message("assistant", "Hello! Where to?"),
    Message("user", "Paris"),
]


@MODES
def test_chat_sends_the_web_apps_template_as_a_form(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=" Paris is lovely in spring.###Human: and Rome?"))
    c = run(mode, "complete", MODEL, CONVERSATION, max_tokens=40, **options(emu))
    assert (c.text, c.provider, c.model, c.finish_reason, c.raw_finish_reason) == (
        "Paris is lovely in spring.", "petals", "petals-team/StableBeluga2", "stop", None,
    )  # fmt: skip
    assert c.usage.total_tokens == 0 and c.raw["ok"] is True
    assert last_form(emu) == {
        "model": "petals-team/StableBeluga2",
        "inputs": (
            "You are a travel agent.###Human: Hi###Assistant: Hello! Where to?###Human: Paris###Assistant:"
        ),
        "max_new_tokens": "40",
        "do_sample": "0",
    }
    req = sent(emu)[-1]
    assert (req.method, req.path) == ("POST", "/api/v1/generate")
    assert req.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in req.headers


@MODES
def test_raw_prompt_sampling_and_stop(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=" there was a fox. The end"))
    c = run(mode, "complete", "petals/bigscience/bloom", "Once upon a time,", prompt_format="raw",
            temperature=0.6, top_p=0.9, repetition_penalty=1.1, stop=[". "], **options(emu))  # fmt: skip
    assert (c.text, c.finish_reason) == (" there was a fox", "stop")
    assert last_form(emu) == {
        "model": "bigscience/bloom", "inputs": "Once upon a time,", "max_new_tokens": "256",
        "temperature": "0.6", "top_p": "0.9", "repetition_penalty": "1.1", "do_sample": "1",
    }  # fmt: skip


@MODES
def test_greedy_unless_asked_and_max_length(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="a b c"), Script(text="a b c"))
    c = run(mode, "complete", MODEL, "Hi", temperature=0, max_length=64, **options(emu))
    assert (c.text, c.finish_reason) == ("a b c", "other")  # no stop sequence met: the server says nothing
    form = last_form(emu)
    assert form["do_sample"] == "0" and form["max_length"] == "64"
    assert "temperature" not in form and "max_new_tokens" not in form
    run(mode, "complete", MODEL, "Hi", top_k=5, do_sample=False, **options(emu))
    assert (last_form(emu)["do_sample"], last_form(emu)["top_k"]) == ("0", "5")


def test_max_new_tokens_reaches_the_server(emu: Emulator) -> None:
    emu.script(Script(text="one two three four five"))
    c = run("sync", "complete", MODEL, "Count", max_tokens=2, **options(emu))
    assert c.text == "one two"


@MODES
def test_stream_is_one_event_from_the_http_answer(mode: str, emu: Emulator) -> None:
    emu.script(Script(text=" 1 2 3 4 5###"))
    events, c = run(mode, "stream", MODEL, "Count to five", **options(emu))
    assert events == [TextDelta("1 2 3 4 5"), Finish("stop")]
    assert c.text == "1 2 3 4 5" and c.finish_reason == "stop"
    assert last_form(emu)["inputs"] == "Human: Count to five###Assistant:"  # the same request


@MODES
def test_ok_false_is_a_typed_error_with_the_last_line_only(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(200, "Too many opened inference sessions", type="RuntimeError")))
    with pytest.raises(ServerError) as info:
        run(mode, "complete", MODEL, "Hi", **options(emu))
    err = info.value
    assert "RuntimeError: Too many opened inference sessions" in str(err)
    assert err.body == {"ok": False, "traceback": "RuntimeError: Too many opened inference sessions"}
    assert err.error_type == "RuntimeError" and "http_api.py" not in str(err)
    with pytest.raises(BadRequestError, match="public API"):
        run(mode, "complete", "petals/tiiuae/falcon-180B-chat", "Hi", **options(emu))
    with pytest.raises(BadRequestError, match=r"invalid literal for int\(\)"):
        run(mode, "complete", MODEL, "Hi", top_k=2.5, **options(emu))


@MODES
def test_ok_false_in_a_stream(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(200, "'petals-team/Missing'", type="KeyError")))
    with pytest.raises(NotFoundError, match="KeyError"):
        run(mode, "stream", MODEL, "Hi", **options(emu))


def test_a_long_traceback_line_is_bounded(emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(200, "x" * 5000, type="torch.cuda.OutOfMemoryError")))
    with pytest.raises(ServerError) as info:
        run("sync", "complete", MODEL, "Hi", **options(emu))
    assert info.value.error_type == "OutOfMemoryError"
    assert len(str(info.value)) < 400 and len(info.value.body["traceback"]) == 300


@MODES
def test_html_pages_malformed_and_cut_bodies(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(502, "Bad Gateway"), fault="html_error"))
    with pytest.raises(ServerError, match="HTTP 502"):
        run(mode, "complete", MODEL, "Hi", **options(emu))
    emu.script(Script(text="half of it", fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        run(mode, "complete", MODEL, "Hi", **options(emu))
    emu.script(Script(text="half of it", fault="malformed"))
    with pytest.raises(ResponseDecodeError):
        run(mode, "stream", MODEL, "Hi", **options(emu))
    emu.script(Script(text="a longer answer that is cut", fault="cut"))
    with pytest.raises(StreamInterruptedError) as info:
        run(mode, "stream", MODEL, "Hi", **options(emu))
    assert info.value.partial is not None and info.value.partial.text == ""
    emu.script(Script(text="a longer answer that is cut", fault="cut"))
    with pytest.raises(APIConnectionError):
        run(mode, "complete", MODEL, "Hi", **options(emu))


@MODES
def test_no_tools_structured_output_or_images(mode: str, emu: Emulator) -> None:
    with pytest.raises(NotSupportedError, match="tool"):
        run(mode, "complete", MODEL, "x", tools=[WEATHER], **options(emu))
    with pytest.raises((NotSupportedError, ConfigurationError), match=r"response_format|json"):
        run(mode, "complete", MODEL, "x", response_format={"type": "json_object"}, **options(emu))
    with pytest.raises(ConfigurationError, match="ends with a user turn"):
        run(mode, "complete", MODEL, [Message("user", "a"), Message("assistant", "b")], **options(emu))
    with pytest.raises(ConfigurationError, match="one user message"):
        run(mode, "complete", MODEL, CONVERSATION, prompt_format="raw", **options(emu))
    with pytest.raises(ConfigurationError, match="prompt_format"):
        run(mode, "complete", MODEL, "x", prompt_format="alpaca", **options(emu))
    assert sent(emu) == []


def test_base_url_from_the_environment(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETALS_BASE_URL", emu.base_url("petals"))
    emu.script(Script(text="hi"))
    assert run("sync", "complete", MODEL, "Hi", max_retries=0).text == "hi"
    assert sent(emu)[-1].path == "/api/v1/generate"
