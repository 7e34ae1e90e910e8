"""Every compat_b row over real loopback HTTP against its emulator profile, through the public API.

The fleet suite (tests/fleet) already drives these rows, being registry-driven: completion, stream,
tool call, wrong key, 429, missing key and addressing, sync. This suite adds, per row: a 5xx, a
malformed body, an in-stream error and a stream cut midway (keeping what arrived), and the same
set on the AsyncClient. Helpers come from the fleet suite rather than being copied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from tests.compat_b._rows import ROWS
from tests.fleet.test_fleet import CANARY_KEY, FLEET, WEATHER, WRONG_KEY, _call

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator
from llmkit.emulator.profiles import PROFILES
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.providers import get_spec

Kwargs = Callable[[str], dict[str, Any]]


def test_every_row_is_in_the_fleet() -> None:
    assert len(ROWS) >= 26
    assert set(ROWS) <= set(FLEET)


def _opts(emu: Emulator, name: str, call_kwargs: Kwargs) -> dict[str, Any]:
    return {"api_key": CANARY_KEY, "base_url": emu.base_url(name), **call_kwargs(name)}


@pytest.mark.parametrize("name", ROWS)
def test_server_error_is_typed(name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs) -> None:
    emu.script(Script(error=ScriptedError(503, "upstream is down", code="service_unavailable")))
    with pytest.raises(errors.ServerError) as info:
        _call(client, emu, name, call_kwargs(name))
    assert info.value.status_code == 503 and info.value.provider == name
    assert "upstream is down" in str(info.value)


@pytest.mark.parametrize("name", ROWS)
def test_malformed_event_is_a_decode_error(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs
) -> None:
    emu.script(Script(text="alpha beta", fault="malformed", after=1))
    with pytest.raises(errors.ResponseDecodeError) as info:
        with client.stream(f"{name}/emu-model", "Count", **_opts(emu, name, call_kwargs)) as s:
            list(s)
    assert "not JSON" in str(info.value)


@pytest.mark.parametrize("name", ROWS)
def test_a_gateway_html_page_is_a_server_error(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs
) -> None:
    emu.script(Script(fault="html_error", error=ScriptedError(502, "bad gateway")))
    with pytest.raises(errors.ServerError) as info:
        _call(client, emu, name, call_kwargs(name))
    assert info.value.status_code == 502 and info.value.provider == name


@pytest.mark.parametrize("name", ROWS)
def test_a_cut_stream_keeps_what_arrived(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs
) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="cut", after=3))
    with pytest.raises(errors.StreamInterruptedError) as info:
        with client.stream(f"{name}/emu-model", "Count", **_opts(emu, name, call_kwargs)) as s:
            list(s)
    partial = info.value.partial
    assert partial is not None and partial.text == "alpha beta"
    assert CANARY_KEY not in str(info.value)


@pytest.mark.parametrize("name", ROWS)
def test_an_in_stream_error_is_typed_with_partial(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Kwargs
) -> None:
    emu.script(Script(text="alpha beta gamma", fault="stream_error", after=2))
    with pytest.raises(errors.ProviderError) as info:
        with client.stream(f"{name}/emu-model", "Count", **_opts(emu, name, call_kwargs)) as s:
            list(s)
    assert info.value.partial is not None and info.value.partial.text == "alpha"


async def _async_suite(name: str, emu: Emulator, kw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    model = f"{name}/emu-model"
    async with llmkit.AsyncClient(max_retries=0) as client:
        emu.script(Script(text="async hello", input_tokens=5, output_tokens=2))
        out["complete"] = await client.complete(model, "Hi", **kw)
        emu.script(Script(text="one two three"))
        out["stream"] = await client.stream(model, "Hi", **kw).get_completion()
        if get_spec(name).supports("tools"):
            call = ScriptedCall("get_weather", {"city": "Oslo"}, id="call_async_1")
            emu.script(Script(tool_calls=[call]), Script(tool_calls=[call]))
            out["tools"] = await client.complete(model, "Weather?", tools=[WEATHER], **kw)
            out["tools_stream"] = await client.stream(
                model, "Weather?", tools=[WEATHER], **kw
            ).get_completion()
        for label, exc, script in (
            ("401", errors.AuthenticationError, None),
            ("429", errors.RateLimitError, ScriptedError(429, "slow down", code="rate_limit_exceeded")),
            ("5xx", errors.ServerError, ScriptedError(502, "bad gateway")),
        ):
            if script is not None:
                emu.script(Script(error=script))
            args = {**kw, "api_key": WRONG_KEY} if script is None else kw
            try:
                await client.complete(model, "Hi", **args)
            except exc as err:
                out[label] = err
        emu.script(Script(text="alpha beta", fault="malformed", after=1))
        try:
            await client.stream(model, "Hi", **kw).get_completion()
        except errors.ResponseDecodeError as err:
            out["malformed"] = err
        emu.script(Script(text="alpha beta gamma delta", fault="cut", after=3))
        try:
            await client.stream(model, "Hi", **kw).get_completion()
        except errors.StreamInterruptedError as err:
            out["cut"] = err
    return out


@pytest.mark.parametrize("name", ROWS)
def test_async_client(name: str, emu: Emulator, call_kwargs: Kwargs) -> None:
    out = asyncio.run(_async_suite(name, emu, _opts(emu, name, call_kwargs)))
    assert out["complete"].text == "async hello" and out["complete"].provider == name
    assert (out["complete"].usage.input_tokens, out["complete"].usage.output_tokens) == (5, 2)
    assert out["stream"].text == "one two three"
    for key in ("tools", "tools_stream") if get_spec(name).supports("tools") else ():
        [tc] = out[key].tool_calls
        assert (tc.id, tc.name, tc.arguments) == ("call_async_1", "get_weather", {"city": "Oslo"})
    assert out["401"].status_code == 401 and WRONG_KEY not in str(out["401"])
    assert out["429"].status_code == 429
    assert out["5xx"].status_code == 502
    assert "malformed" in out
    assert out["cut"].partial is not None and out["cut"].partial.text == "alpha beta"


@pytest.mark.parametrize("name", ROWS)
def test_key_env_vars_are_read_in_order(name: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each documented variable (the provider's own first, LiteLLM's after) carries the key."""
    spec = get_spec(name)
    for var in spec.env_keys:
        for other in spec.env_keys:
            monkeypatch.delenv(other, raising=False)
        monkeypatch.setenv(var, CANARY_KEY)
        emu.script(Script(text="from env"))
        c = llmkit.complete(f"{name}/emu-model", "Hi", base_url=emu.base_url(name), max_retries=0)
        assert c.text == "from env", var
        header, prefix = PROFILES[name].auth_headers[0]
        assert emu.requests[-1].headers[header] == f"{prefix}{CANARY_KEY}"
