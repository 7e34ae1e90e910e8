"""Every OpenAI-chat provider in the registry, over loopback against its emulator profile.

The provider list comes from the registry, so a new spec is covered as soon as it is added; it
must have an emulator profile of the same name (its auth headers, bad-key status and error-body
shape written from the provider's docs).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

import llmkit
from llmkit import errors
from llmkit._resolve import resolve
from llmkit.emulator import Emulator
from llmkit.emulator.profiles import PROFILES
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.providers import all_specs, get_spec
from llmkit.providers.spec import ProviderSpec
from llmkit.types import Finish, FinishReason, TextDelta, Tool, ToolCallDelta

# Azure's token flows are this suite's own; other custom auth (Google ADC for Vertex AI's OpenAI-compatible
# endpoints, AWS SigV4) cannot be driven with a plain key and is tested by that family's suite.
OWN_AUTH_FACTORIES = ("llmkit.auth.azure:",)


def _in_fleet(spec: ProviderSpec) -> bool:
    if spec.dialect != "openai_chat":
        return False
    return spec.auth != "custom" or (spec.auth_factory or "").startswith(OWN_AUTH_FACTORIES)


FLEET = [s.name for s in all_specs() if _in_fleet(s)]
OTHER_AUTH = [s.name for s in all_specs() if s.dialect == "openai_chat" and not _in_fleet(s)]
CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the emulator's key (tests/conftest.py)
# A valid value of each parameter kind whose values ``p-<name>`` would not be (llmkit._urls.KINDS).
KIND_SAMPLES = {"hex": "0123456789abcdef0123456789abcdef", "gcp_project": "p-project"}
WRONG_KEY = "sk-wrong-fleet-key-000000"
# A representative subset for the async client: one per auth style, error shape and stream habit.
ASYNC_SUBSET = [
    "perplexity",
    "xai",
    "azure_openai",
    "azure_ai",
    "mistral",
    "ollama",
    "openrouter",
    "cloudflare",
]

WEATHER = Tool(
    "get_weather",
    "Current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)

# Error codes each provider documents for rate limiting, where it has its own.
RATE_LIMIT_CODES = {
    "xai": "Too many requests",
    "volcengine": "RateLimitExceeded.EndpointRPMExceeded",
    "zai": "1302",
    "zhipu": "1302",
    "cloudflare": "3040",
    "databricks": "REQUEST_LIMIT_EXCEEDED",
    "siliconflow": "50603",
    "mistral": "1300",
}


def _shape_of(body: Any) -> str:
    """Which of the emulator's error-body shapes ``body`` has (as the client kept it)."""
    if isinstance(body, str):
        return "text"
    assert isinstance(body, dict), body
    err = body.get("error")
    if "request_id" in body and (body.get("status") == "error" or isinstance(body.get("code"), int)):
        return "assemblyai"  # {"error", "status", "request_id"} or {"message", "code", "request_id"}
    if isinstance(err, str):
        return "flat"
    if isinstance(body.get("base_resp"), dict):  # MiniMax: HTTP 200, non-zero base_resp.status_code
        return "base_resp"
    if isinstance(err, dict):
        if "type" not in err:  # {"error": {"code", "message", ...}} (Azure, Zhipu)
            return "azure"
        return "status_code" if isinstance(err.get("code"), int) else "openai"
    if body.get("object") == "error":
        return "object_error"
    for key, shape in (("detail", "detail"), ("errors", "envelope_list"), ("error_code", "error_code")):
        if key in body:
            return shape
    return "code_int" if isinstance(body.get("code"), int) else "?"


def _expected_shape(shape: str) -> str:
    return "azure" if shape == "code_message" else shape  # both are {"error": {"code", "message"}}


def test_fleet_is_large_enough() -> None:
    assert len(FLEET) >= 45, FLEET


@pytest.mark.parametrize("name", OTHER_AUTH)
def test_other_auth_families_are_tested_elsewhere(name: str) -> None:
    factory = get_spec(name).auth_factory or ""
    # github_copilot: its device flow and token exchange are tests/regional's.
    assert factory.startswith(("llmkit.auth.google:", "llmkit.auth.aws:", "llmkit.auth.copilot:")), (
        f"{name} uses {factory!r}: add it to the fleet (key auth) or to its family's tests"
    )


@pytest.mark.parametrize("name", FLEET)
def test_has_emulator_profile(name: str) -> None:
    assert name in PROFILES, f"add an emulator profile named {name!r} (src/llmkit/emulator/fleet_profiles.py)"
    assert PROFILES[name].handler.startswith("llmkit.emulator.openai:")


def _call(
    client: llmkit.Client, emu: Emulator, name: str, extra: dict[str, Any], **kw: Any
) -> llmkit.Completion:
    kw.setdefault("api_key", CANARY_KEY)
    return client.complete(f"{name}/emu-model", "Say hello", base_url=emu.base_url(name), **extra, **kw)


def _assert_authenticated(spec: ProviderSpec, emu: Emulator) -> None:
    headers = emu.requests[-1].headers
    if spec.auth == "none":
        assert "authorization" not in headers
    else:
        # In a header the provider's profile reads the key from (authorization, api-key, x-api-key),
        # or the spec's own auth header.
        names = [h for h, _ in PROFILES[spec.name].auth_headers] or ["authorization", "api-key"]
        names.append(spec.auth_header)
        assert any(CANARY_KEY in headers.get(h, "") for h in names if h)


@pytest.mark.parametrize("name", FLEET)
def test_complete(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Callable[[str], dict[str, Any]]
) -> None:
    spec = get_spec(name)
    emu.script(Script(text="Hello from the fleet.", input_tokens=11, output_tokens=4))
    c = _call(client, emu, name, call_kwargs(name), max_tokens=50, temperature=0.2)
    assert c.text == "Hello from the fleet."
    assert c.provider == name
    assert c.finish_reason is FinishReason.STOP
    assert (c.usage.input_tokens, c.usage.output_tokens) == (11, 4)
    assert c.id
    _assert_authenticated(spec, emu)
    sent = emu.requests[-1].json()
    assert sent["model"] == "emu-model"
    assert sent["messages"] == [{"role": "user", "content": "Say hello"}]


@pytest.mark.parametrize("name", FLEET)
def test_stream(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Callable[[str], dict[str, Any]]
) -> None:
    emu.script(Script(text="one two three four", input_tokens=9, output_tokens=4))
    with client.stream(
        f"{name}/emu-model", "Count", api_key=CANARY_KEY, base_url=emu.base_url(name), **call_kwargs(name)
    ) as s:
        events = list(s)
        c = s.completion
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two three four"
    assert any(isinstance(e, Finish) for e in events)
    assert c.text == "one two three four"
    assert c.finish_reason is FinishReason.STOP
    assert c.model == "emu-model"
    assert c.id and c.id.startswith("chatcmpl-")
    sent = emu.requests[-1].json()
    assert sent["stream"] is True
    q = get_spec(name).quirks
    if q is None or q.stream_usage:
        assert sent["stream_options"] == {"include_usage": True}
        assert (c.usage.input_tokens, c.usage.output_tokens) == (9, 4)
    else:
        assert "stream_options" not in sent


@pytest.mark.parametrize("name", [n for n in FLEET if get_spec(n).supports("tools")])
def test_tool_call(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Callable[[str], dict[str, Any]]
) -> None:
    call = ScriptedCall("get_weather", {"city": "Paris"}, id="call_fleet_1")
    emu.script(Script(tool_calls=[call]), Script(tool_calls=[call]))
    c = _call(client, emu, name, call_kwargs(name), tools=[WEATHER])
    assert c.finish_reason is FinishReason.TOOL_CALLS
    assert [(t.id, t.name, t.arguments) for t in c.tool_calls] == [
        ("call_fleet_1", "get_weather", {"city": "Paris"})
    ]
    sent = emu.requests[-1].json()
    assert sent["tools"][0]["function"]["name"] == "get_weather"

    with client.stream(
        f"{name}/emu-model", "Weather?", tools=[WEATHER], api_key=CANARY_KEY, base_url=emu.base_url(name),
        **call_kwargs(name),
    ) as s:  # fmt: skip
        events = list(s)
        streamed = s.completion
    assert any(isinstance(e, ToolCallDelta) for e in events)
    assert streamed.tool_calls[0].arguments == {"city": "Paris"}


@pytest.mark.parametrize("name", [n for n in FLEET if get_spec(n).auth != "none"])
def test_wrong_key_is_authentication_error(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Callable[[str], dict[str, Any]]
) -> None:
    profile = PROFILES[name]
    with pytest.raises(errors.AuthenticationError) as info:
        _call(client, emu, name, call_kwargs(name), api_key=WRONG_KEY)
    err = info.value
    assert err.status_code == profile.bad_key_status
    assert err.provider == name
    assert _shape_of(err.body) == _expected_shape(profile.extra.get("bad_key_shape") or profile.error_shape)
    assert WRONG_KEY not in str(err) and WRONG_KEY not in json.dumps(err.body)
    assert emu.requests[-1].headers  # the request did go out


@pytest.mark.parametrize("name", FLEET)
def test_rate_limit_is_rate_limit_error(
    name: str, emu: Emulator, client: llmkit.Client, call_kwargs: Callable[[str], dict[str, Any]]
) -> None:
    code = RATE_LIMIT_CODES.get(name, "rate_limit_exceeded")
    emu.script(
        Script(
            error=ScriptedError(
                429, "Rate limit reached; slow down.", code=code, headers={"retry-after": "7"}
            )
        )
    )
    with pytest.raises(errors.RateLimitError) as info:
        _call(client, emu, name, call_kwargs(name))
    err = info.value
    assert _shape_of(err.body) == _expected_shape(PROFILES[name].error_shape)
    assert err.retry_after == 7.0
    assert err.status_code == 429
    assert "Rate limit reached" in str(err)


@pytest.mark.parametrize("name", FLEET)
def test_missing_key(
    name: str,
    emu: Emulator,
    client: llmkit.Client,
    clean_env: Callable[[ProviderSpec], None],
    call_kwargs: Callable[[str], dict[str, Any]],
) -> None:
    spec = get_spec(name)
    clean_env(spec)
    if spec.key_required and spec.auth != "none":
        with pytest.raises(errors.ConfigurationError) as info:
            _call(client, emu, name, call_kwargs(name), api_key=None)
        assert spec.env_keys[0] in str(info.value)
        assert not emu.requests  # raised before any network
    else:
        # Keyless servers: the call goes out without credentials and is answered.
        emu.script(Script(text="no key needed"))
        assert _call(client, emu, name, call_kwargs(name), api_key=None).text == "no key needed"
        assert "authorization" not in emu.requests[-1].headers


@pytest.mark.parametrize("name", FLEET)
def test_address(name: str, clean_env: Callable[[ProviderSpec], None]) -> None:
    """Templated base URLs need their parameters (named in the error); the rest resolve as declared."""
    spec = get_spec(name)
    clean_env(spec)
    urls = [spec.base_url, *spec.regions.values()]
    templated = [k for k, p in spec.params.items() if p.default is None and "{" + k + "}" in spec.base_url]
    # A parameter that opens the template is a whole origin (Databricks host, Azure endpoint).
    values = {
        k: f"https://p-{k}.example"
        if any(u.startswith("{" + k) for u in urls)
        else KIND_SAMPLES.get(p.kind, f"p-{k}")
        for k, p in spec.params.items()
    }

    def url(**options: Any) -> str:
        r = resolve(
            f"{name}/m", api_key="k" * 8, base_url=None, extra_headers=None, options=options,
            default_keys={}, default_headers={},
        )  # fmt: skip
        return r.ctx.base_url

    if not spec.base_url:
        with pytest.raises(errors.ConfigurationError, match="base_url"):
            url()
        return
    if templated:
        with pytest.raises(errors.ConfigurationError) as info:
            url()
        assert any(k in str(info.value) for k in templated)
        full = url(**values)
    else:
        full = url()
    assert "{" not in full and full.startswith(("https://", "http://"))
    if spec.regions:
        for region in spec.regions:
            assert "{" not in url(region=region, **values)


@pytest.mark.parametrize("name", ASYNC_SUBSET)
def test_async_complete_and_stream(
    name: str, emu: Emulator, call_kwargs: Callable[[str], dict[str, Any]]
) -> None:
    assert name in FLEET

    async def run() -> tuple[llmkit.Completion, llmkit.Completion]:
        async with llmkit.AsyncClient(max_retries=0) as client:
            emu.script(Script(text="async hello"), Script(text="async stream"))
            kw: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url(name), **call_kwargs(name)}
            done = await client.complete(f"{name}/emu-model", "Hi", **kw)
            stream = client.stream(f"{name}/emu-model", "Hi", **kw)
            streamed = await stream.get_completion()
            if get_spec(name).auth != "none":
                with pytest.raises(errors.AuthenticationError):
                    await client.complete(f"{name}/emu-model", "Hi", **{**kw, "api_key": WRONG_KEY})
            return done, streamed

    done, streamed = asyncio.run(run())
    assert done.text == "async hello"
    assert streamed.text == "async stream"


def test_cli_lists_the_fleet_with_capabilities(capsys: pytest.CaptureFixture[str]) -> None:
    from llmkit.cli import main

    assert main(["providers", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(rows) >= 45
    for name in FLEET:
        assert name in rows and "chat" in rows[name]["capabilities"]
    assert "reasoning" in rows["xai"]["capabilities"]
    assert rows["volcengine"]["regions"] == ["byteplus", "cn"]
