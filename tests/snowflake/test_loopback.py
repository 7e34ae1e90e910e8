"""Snowflake Cortex through the public API over loopback HTTP, sync and async: each chat route
(OpenAI Chat Completions, Anthropic Messages for claude-*, native inference:complete), streams,
tool calls, embeddings, each credential kind, and the failures a user meets."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator import snowflake as emu_snowflake
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import Tool

from .conftest import PASSPHRASE, SnowflakeUser

MSGS = [{"role": "user", "content": "What is the weather in Oslo?"}]
WEATHER = Tool(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
# model, options, the path the call must reach
ROUTES = [
    ("mistral-large2", {}, "/api/v2/cortex/v1/chat/completions"),
    ("claude-3-5-sonnet", {}, "/api/v2/cortex/v1/messages"),
    ("llama3.1-70b", {"cortex_api": "native"}, "/api/v2/cortex/inference:complete"),
    ("claude-3-5-sonnet", {"cortex_api": "openai"}, "/api/v2/cortex/v1/chat/completions"),
]
IDS = ["openai", "messages", "native", "claude-on-openai"]
pytestmark = pytest.mark.usefixtures("sf_env")


def _last(emu: Emulator) -> Any:
    return emu.requests[-1]


def _assert_jwt_request(emu: Emulator, path: str) -> None:
    req = _last(emu)
    assert req.path == path
    assert req.headers["x-snowflake-authorization-token-type"] == "KEYPAIR_JWT"
    assert req.headers["authorization"].startswith("Bearer eyJ")


@pytest.mark.parametrize(("model", "opts", "path"), ROUTES, ids=IDS)
def test_complete_and_stream_sync(
    emu: Emulator, sf_user: SnowflakeUser, model: str, opts: dict[str, Any], path: str
) -> None:
    emu.script(Script(text="Cold and clear.", input_tokens=11, output_tokens=4))
    done = llmkit.complete(f"snowflake/{model}", MSGS, **sf_user.options, **opts)
    assert done.text == "Cold and clear." and done.provider == "snowflake"
    assert (done.usage.input_tokens, done.usage.output_tokens) == (11, 4)
    _assert_jwt_request(emu, path)
    emu.script(Script(text="Cold and clear."))
    with llmkit.stream(f"snowflake/{model}", MSGS, **sf_user.options, **opts) as s:
        pieces = [e.text for e in s if isinstance(e, llmkit.TextDelta)]
    assert "".join(pieces) == "Cold and clear." and len(pieces) > 1
    assert s.completion.text == "Cold and clear."
    _assert_jwt_request(emu, path)


@pytest.mark.parametrize(("model", "opts", "path"), ROUTES, ids=IDS)
def test_complete_and_stream_async(
    emu: Emulator, sf_user: SnowflakeUser, model: str, opts: dict[str, Any], path: str
) -> None:
    async def run() -> tuple[str, str]:
        async with llmkit.AsyncClient() as client:
            emu.script(Script(text="Mild."))
            done = await client.complete(f"snowflake/{model}", MSGS, **sf_user.options, **opts)
            emu.script(Script(text="Mild and wet."))
            s = client.stream(f"snowflake/{model}", MSGS, **sf_user.options, **opts)
            async with s:
                async for _ in s:
                    pass
            return done.text, s.completion.text

    assert asyncio.run(run()) == ("Mild.", "Mild and wet.")
    _assert_jwt_request(emu, path)


@pytest.mark.parametrize(("model", "opts", "path"), ROUTES, ids=IDS)
def test_tool_call_round_trip(
    emu: Emulator, sf_user: SnowflakeUser, model: str, opts: dict[str, Any], path: str
) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="toolu_1")]))
    first = llmkit.complete(f"snowflake/{model}", MSGS, tools=[WEATHER], **sf_user.options, **opts)
    (call,) = first.tool_calls
    assert (call.name, call.arguments) == ("get_weather", {"city": "Oslo"})
    assert first.finish_reason == llmkit.FinishReason.TOOL_CALLS
    # The tool's answer goes back in the route's own shape; the emulator checks it answers the call.
    history = [*MSGS, first.message, {"role": "tool", "tool_call_id": call.id, "content": "-3 C"}]
    emu.script(Script(text="It is -3 C."))
    second = llmkit.complete(f"snowflake/{model}", history, tools=[WEATHER], **sf_user.options, **opts)
    assert second.text == "It is -3 C."
    # And streamed: the arguments arrive in fragments.
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Bergen"}, id="toolu_2")]))
    with llmkit.stream(f"snowflake/{model}", MSGS, tools=[WEATHER], **sf_user.options, **opts) as s:
        for _ in s:
            pass
    assert [(c.name, c.arguments) for c in s.completion.tool_calls] == [("get_weather", {"city": "Bergen"})]


def test_native_tool_results_carry_the_tool_name(emu: Emulator, sf_user: SnowflakeUser) -> None:
    call = llmkit.ToolCall("toolu_9", "get_weather", {"city": "Oslo"})
    history = [
        *MSGS,
        llmkit.Message("assistant", "", (call,)),
        {"role": "tool", "tool_call_id": "toolu_9", "content": "-3 C"},
    ]
    emu.script(Script(text="ok"))
    llmkit.complete(
        "snowflake/llama3.1-70b", history, tools=[WEATHER], cortex_api="native", **sf_user.options
    )
    body = json.loads(_last(emu).body)
    results = body["messages"][-1]["content_list"][0]
    assert results == {
        "type": "tool_results",
        "tool_results": {
            "tool_use_id": "toolu_9",
            "name": "get_weather",
            "content": [{"type": "text", "text": "-3 C"}],
        },
    }
    assert body["tools"][0]["tool_spec"]["type"] == "generic"


def test_embeddings_sync_and_async(emu: Emulator, sf_user: SnowflakeUser) -> None:
    got = llmkit.embed("snowflake/snowflake-arctic-embed-m-v1.5", ["one", "two"], **sf_user.options)
    assert len(got.vectors) == 2 and len(got.vectors[0]) == 8 and got.usage.total_tokens == 2
    assert _last(emu).path == "/api/v2/cortex/inference:embed"
    assert json.loads(_last(emu).body) == {"model": "snowflake-arctic-embed-m-v1.5", "text": ["one", "two"]}
    again = asyncio.run(llmkit.aembed("snowflake/e5-base-v2", ["one"], **sf_user.options))
    assert again.vectors[0] == got.vectors[0]


# ---------------------------------------------------------------- other credentials


def test_programmatic_access_token_from_option_and_env(
    emu: Emulator, sf_user: SnowflakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu_snowflake.register_token(emu, "pat-abc123-programmatic", "PROGRAMMATIC_ACCESS_TOKEN")
    base = emu.base_url("snowflake")
    done = llmkit.complete("snowflake/mistral-large2", MSGS, base_url=base, token="pat-abc123-programmatic")
    assert done.text
    headers = _last(emu).headers
    assert headers["authorization"] == "Bearer pat-abc123-programmatic"
    assert headers["x-snowflake-authorization-token-type"] == "PROGRAMMATIC_ACCESS_TOKEN"
    monkeypatch.setenv("SNOWFLAKE_PAT", "pat-abc123-programmatic")
    assert llmkit.complete("snowflake/mistral-large2", MSGS, base_url=base).text


def test_oauth_token(emu: Emulator) -> None:
    emu_snowflake.register_token(emu, "oauth-tok-42", "OAUTH")
    base = emu.base_url("snowflake")
    llmkit.complete(
        "snowflake/mistral-large2", MSGS, base_url=base, token="oauth-tok-42", authenticator="oauth"
    )
    assert _last(emu).headers["x-snowflake-authorization-token-type"] == "OAUTH"
    # The same token presented as a PAT is refused, as the type header says what to check.
    with pytest.raises(AuthenticationError):
        llmkit.complete("snowflake/mistral-large2", MSGS, base_url=base, token="oauth-tok-42", max_retries=0)


def test_connector_option_names_and_private_key_text(emu: Emulator, sf_user: SnowflakeUser) -> None:
    opts = dict(sf_user.options)
    opts["private_key_file"] = opts.pop("private_key_path")
    opts["private_key_file_pwd"] = opts.pop("private_key_passphrase")
    assert llmkit.complete("snowflake/mistral-large2", MSGS, **opts).text
    text_opts = {k: v for k, v in sf_user.options.items() if not k.startswith("private_key")}
    assert llmkit.complete("snowflake/mistral-large2", MSGS, private_key=sf_user.plain_pem, **text_opts).text
    assert llmkit.complete("snowflake/mistral-large2", MSGS, private_key=sf_user.key, **text_opts).text


def test_environment_variables_configure_a_key_pair(
    emu: Emulator, sf_user: SnowflakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "myorg-my_account")
    monkeypatch.setenv("SNOWFLAKE_USER", "JSmith")
    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY_PATH", str(sf_user.path))
    monkeypatch.setenv("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("SNOWFLAKE_BASE_URL", emu.base_url("snowflake"))
    assert llmkit.complete("snowflake/mistral-large2", MSGS).text
    _assert_jwt_request(emu, "/api/v2/cortex/v1/chat/completions")


# ---------------------------------------------------------------- failures


def test_unregistered_key_is_an_authentication_error_naming_the_fix(
    emu: Emulator, sf_user: SnowflakeUser, tmp_path: Any
) -> None:
    from .conftest import make_key

    _, path, _ = make_key(tmp_path, "stranger.p8")
    opts = {**sf_user.options, "private_key_path": str(path)}
    for run in (
        lambda: llmkit.complete("snowflake/mistral-large2", MSGS, max_retries=0, **opts),
        lambda: asyncio.run(llmkit.acomplete("snowflake/mistral-large2", MSGS, max_retries=0, **opts)),
    ):
        with pytest.raises(AuthenticationError) as info:
            run()
        text = str(info.value)
        assert "JWT token is invalid" in text and "SNOWFLAKE_PRIVATE_KEY_PATH" in text
        assert PASSPHRASE not in text and "eyJ" not in text and info.value.error_code == "390144"
    # One resend with a fresh JWT after the 401, then the error: two requests per call.
    assert len(emu.requests) == 4


def test_wrong_pat_is_an_authentication_error_without_the_token(emu: Emulator) -> None:
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(
            "snowflake/mistral-large2", MSGS, base_url=emu.base_url("snowflake"), token="pat-wrong-0000000000"
        )
    assert "pat-wrong-0000000000" not in str(info.value) and "SNOWFLAKE_PAT" in str(info.value)


def test_missing_credentials_name_the_keywords_and_variables() -> None:
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("snowflake/mistral-large2", MSGS, account="myorg-acct")
    for name in (
        "user=",
        "SNOWFLAKE_USER",
        "private_key_path=",
        "SNOWFLAKE_PRIVATE_KEY_PATH",
        "SNOWFLAKE_PAT",
    ):
        assert name in str(info.value)
    with pytest.raises(ConfigurationError, match="SNOWFLAKE_ACCOUNT"):
        llmkit.complete("snowflake/mistral-large2", MSGS, token="pat-x")
    with pytest.raises(ConfigurationError, match="SNOWFLAKE_USER"):
        llmkit.complete("snowflake/mistral-large2", MSGS, account="a", private_key_path="/nonexistent")
    with pytest.raises(ConfigurationError, match="check the path"):
        llmkit.complete(
            "snowflake/mistral-large2", MSGS, account="a", user="u", private_key_path="/nonexistent"
        )
    with pytest.raises(ConfigurationError, match="cortex_api"):
        llmkit.complete("snowflake/m", MSGS, account="a", token="t", cortex_api="legacy")


@pytest.mark.parametrize(("model", "opts", "path"), ROUTES, ids=IDS)
def test_rate_limit_and_server_errors_in_snowflakes_shape(
    emu: Emulator, sf_user: SnowflakeUser, model: str, opts: dict[str, Any], path: str
) -> None:
    emu.script(
        Script(error=ScriptedError(429, "Too many requests", code="390429", headers={"retry-after": "7"}))
    )
    with pytest.raises(RateLimitError) as info:
        llmkit.complete(f"snowflake/{model}", MSGS, max_retries=0, **sf_user.options, **opts)
    assert info.value.retry_after == 7 and info.value.error_code == "390429"
    assert info.value.request_id == "01b2c3d4-0000-4000-8000-emulated0000"
    emu.script(Script(error=ScriptedError(503, "Service unavailable")), Script(text="back"))
    # A 503 is retried, and the second answer is taken.
    assert llmkit.complete(f"snowflake/{model}", MSGS, **sf_user.options, **opts).text == "back"
    emu.script(*[Script(error=ScriptedError(500, "Internal error"))] * 2)
    with pytest.raises(ServerError, match="Internal error"):
        asyncio.run(llmkit.acomplete(f"snowflake/{model}", MSGS, max_retries=1, **sf_user.options, **opts))


@pytest.mark.parametrize(("model", "opts", "path"), ROUTES, ids=IDS)
def test_cut_stream_keeps_what_arrived(
    emu: Emulator, sf_user: SnowflakeUser, model: str, opts: dict[str, Any], path: str
) -> None:
    emu.script(Script(text="one two three four five six", fault="cut", after=4))
    with pytest.raises(StreamInterruptedError) as info:
        with llmkit.stream(f"snowflake/{model}", MSGS, **sf_user.options, **opts) as s:
            for _ in s:
                pass
    assert info.value.partial is not None and info.value.partial.text.startswith("one")


def test_native_stream_faults(emu: Emulator, sf_user: SnowflakeUser) -> None:
    native = {**sf_user.options, "cortex_api": "native"}
    emu.script(Script(text="one two three four", fault="no_terminator"))
    with pytest.raises(StreamInterruptedError) as cut:
        with llmkit.stream("snowflake/llama3.1-70b", MSGS, **native) as s:
            for _ in s:
                pass
    assert cut.value.partial is not None and cut.value.partial.text == "one two three four"
    emu.script(
        Script(
            text="one two three four",
            fault="stream_error",
            after=2,
            error=ScriptedError(500, "model crashed"),
        )
    )
    with pytest.raises(ServerError, match="model crashed") as err:
        with llmkit.stream("snowflake/llama3.1-70b", MSGS, **native) as s:
            for _ in s:
                pass
    assert err.value.partial is not None and err.value.partial.text == "one two"
    emu.script(Script(text="one two three", fault="malformed", after=1))
    with pytest.raises(ResponseDecodeError):
        llmkit.complete("snowflake/llama3.1-70b", MSGS, **native)


def test_malformed_json_body_is_a_decode_error(emu: Emulator, sf_user: SnowflakeUser) -> None:
    emu.script(Script(text="x", fault="malformed", after=0))
    with pytest.raises(ResponseDecodeError):
        llmkit.complete("snowflake/llama3.1-70b", MSGS, cortex_api="native", **sf_user.options)
