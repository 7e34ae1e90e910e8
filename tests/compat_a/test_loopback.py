"""Every row of this slice over real loopback HTTP against its emulator profile, through the public
API: the fleet suite's checks (tests/fleet/test_fleet.py, called here for these rows), then what that
suite leaves out: async for every row, 5xx and malformed bodies, a cut stream keeping what arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import test_fleet as fleet  # tests/fleet (put on sys.path by this folder's conftest)
from _rows import ROWS

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator
from llmkit.emulator.profiles import PROFILES
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.providers import get_spec
from llmkit.types import TextDelta

CANARY_KEY = fleet.CANARY_KEY
KEYED = [n for n in ROWS if get_spec(n).auth != "none"]
TOOLS = [n for n in ROWS if get_spec(n).supports("tools")]
Kwargs = Callable[[str], dict[str, Any]]


def test_every_row_is_in_the_fleet_with_a_documented_profile() -> None:
    assert len(ROWS) == 32
    for name in ROWS:
        assert name in fleet.FLEET, name
        assert "documented_paths" in PROFILES[name].extra, name


@pytest.mark.parametrize("name", ROWS)
def test_complete(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    fleet.test_complete(name, emu, client, call_kwargs)


@pytest.mark.parametrize("name", ROWS)
def test_stream(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    fleet.test_stream(name, emu, client, call_kwargs)


@pytest.mark.parametrize("name", TOOLS)
def test_tool_call(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    fleet.test_tool_call(name, emu, client, call_kwargs)


@pytest.mark.parametrize("name", KEYED)
def test_wrong_key(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    fleet.test_wrong_key_is_authentication_error(name, emu, client, call_kwargs)


@pytest.mark.parametrize("name", ROWS)
def test_rate_limit(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    fleet.test_rate_limit_is_rate_limit_error(name, emu, client, call_kwargs)


@pytest.mark.parametrize("name", ROWS)
def test_missing_key(
    name: str, emu: Emulator, client: llmkit.Client, clean_env: Any, call_kwargs: Kwargs
) -> None:
    fleet.test_missing_key(name, emu, client, clean_env, call_kwargs)


@pytest.mark.parametrize("name", ROWS)
def test_address(name: str, clean_env: Any) -> None:
    fleet.test_address(name, clean_env)


@pytest.mark.parametrize("name", ROWS)
def test_server_error_is_typed(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    emu.script(Script(error=ScriptedError(503, "upstream overloaded, try later")))
    with pytest.raises(errors.ServerError) as info:
        fleet._call(client, emu, name, call_kwargs(name))
    assert info.value.status_code == 503 and info.value.provider == name
    assert "upstream overloaded" in str(info.value)


@pytest.mark.parametrize("name", ROWS)
def test_malformed_stream_event_is_typed(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs
) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="malformed", after=2))
    kw = {"api_key": CANARY_KEY, "base_url": emu.base_url(name), **call_kwargs(name)}
    with pytest.raises(errors.LLMKitError) as info:
        with client.stream(f"{name}/emu-model", "Count", **kw) as s:
            list(s)
    assert isinstance(info.value, (errors.ResponseDecodeError, errors.StreamInterruptedError))
    assert CANARY_KEY not in str(info.value)


@pytest.mark.parametrize("name", ROWS)
def test_cut_stream_keeps_what_arrived(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs
) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="cut", after=3))
    kw = {"api_key": CANARY_KEY, "base_url": emu.base_url(name), **call_kwargs(name)}
    got: list[str] = []
    with pytest.raises(errors.StreamInterruptedError) as info:
        with client.stream(f"{name}/emu-model", "Count", **kw) as s:
            got.extend(e.text for e in s if isinstance(e, TextDelta))
    partial = info.value.partial
    assert partial is not None and partial.text == "".join(got) and partial.text.startswith("alpha")
    assert len(emu.requests) == 1  # a started stream is never resent


@pytest.mark.parametrize("name", ROWS)
def test_async_complete_stream_tools_and_errors(name: str, emu: Emulator, call_kwargs: Kwargs) -> None:
    spec = get_spec(name)
    call = ScriptedCall("get_weather", {"city": "Lima"}, id="call_async_1")

    async def run() -> tuple[llmkit.Completion, llmkit.Completion, llmkit.Completion | None]:
        async with llmkit.AsyncClient(max_retries=0) as client:
            kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url(name), **call_kwargs(name)}
            emu.script(Script(text="async hello"), Script(text="async stream"))
            done = await client.complete(f"{name}/emu-model", "Hi", **kw)
            streamed = await client.stream(f"{name}/emu-model", "Hi", **kw).get_completion()
            tooled = None
            if spec.supports("tools"):
                emu.script(Script(tool_calls=[call]))
                tooled = await client.complete(f"{name}/emu-model", "Hi", tools=[fleet.WEATHER], **kw)
            if spec.auth != "none":
                with pytest.raises(errors.AuthenticationError):
                    await client.complete(f"{name}/emu-model", "Hi", **{**kw, "api_key": fleet.WRONG_KEY})
            emu.script(Script(error=ScriptedError(429, "slow down", headers={"retry-after": "3"})))
            with pytest.raises(errors.RateLimitError):
                await client.complete(f"{name}/emu-model", "Hi", **kw)
            return done, streamed, tooled

    done, streamed, tooled = asyncio.run(run())
    assert done.text == "async hello" and done.provider == name
    assert streamed.text == "async stream"
    if tooled is not None:
        assert tooled.tool_calls[0].arguments == {"city": "Lima"}
