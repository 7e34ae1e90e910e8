"""compat_b rows held against their providers' official Python SDKs (test-only), both directions:
the SDK's defaults (base URL, key variable, key header) agree with the spec, the SDK's client talks
to the emulator and its models parse the answers, and llmkit's request carries only fields the
SDK's own request builder or types name. ``gradient_ai`` (DigitalOcean's SDK) is in
test_references.py."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from tests.fleet.test_fleet import CANARY_KEY, WEATHER

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedCall
from llmkit.providers import get_spec

TOOL = {
    "type": "function",
    "function": {"name": WEATHER.name, "description": WEATHER.description, "parameters": WEATHER.parameters},
}
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Weather in Oslo?"},
]


def _llmkit_body(emu: Emulator, name: str, *, stream: bool = False, **kw: Any) -> dict[str, Any]:
    emu.script(Script(text="ok"))
    opts: dict[str, Any] = {"api_key": CANARY_KEY, "base_url": emu.base_url(name), **kw}
    with llmkit.Client(max_retries=0) as client:
        if stream:
            with client.stream(f"{name}/m", MESSAGES, tools=[WEATHER], max_tokens=32, **opts) as s:
                list(s)
        else:
            client.complete(f"{name}/m", MESSAGES, tools=[WEATHER], max_tokens=32, temperature=0.1, **opts)
    body: dict[str, Any] = emu.requests[-1].json()
    return body


# ------------------------------------------------------- apertis (its own httpx+pydantic SDK)

apertis = pytest.importorskip("apertis")


def test_apertis_sdk_defaults_match_the_spec() -> None:
    from apertis import _constants

    spec = get_spec("apertis")
    assert spec.base_url == _constants.DEFAULT_BASE_URL
    assert spec.env_keys[0] == "APERTIS_API_KEY"
    src = inspect.getsource(apertis._base_client)
    assert 'os.environ.get("APERTIS_API_KEY")' in src and '"Authorization": f"Bearer {' in src


def test_apertis_sdk_reads_the_emulator(emu: Emulator) -> None:
    client = apertis.Apertis(api_key=CANARY_KEY, base_url=emu.base_url("apertis"))
    emu.script(Script(text="Sunny.", input_tokens=7, output_tokens=1))
    done = client.chat.completions.create(model="gpt-5.2", messages=MESSAGES)
    assert done.choices[0].message.content == "Sunny." and done.usage.prompt_tokens == 7

    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Oslo"}, id="call_ap_1")]))
    tools = client.chat.completions.create(model="m", messages=MESSAGES, tools=[TOOL])
    [tc] = tools.choices[0].message.tool_calls
    assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == (
        "call_ap_1", "get_weather", {"city": "Oslo"},
    )  # fmt: skip

    emu.script(Script(text="one two three"))
    chunks = list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"

    emu.script(Script())
    vectors = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert len(vectors.data) == 2 and all(v.embedding for v in vectors.data)


@pytest.mark.parametrize("stream", [False, True])
def test_llmkit_request_fits_the_apertis_sdk(emu: Emulator, stream: bool) -> None:
    from apertis.resources.chat.completions import Completions
    from apertis.types import chat
    from pydantic import TypeAdapter

    body = _llmkit_body(emu, "apertis", stream=stream)
    declared = set(inspect.signature(Completions.create).parameters) - {"self", "extra_body"}
    assert set(body) <= declared, set(body) - declared
    messages = TypeAdapter(list[chat.SystemMessageParam | chat.UserMessageParam]).validate_python(
        body["messages"]
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    TypeAdapter(list[chat.ChatCompletionToolParam]).validate_python(body["tools"])


# ------------------------------------------------------- nadir (its own httpx SDK)

nadir = pytest.importorskip("nadir")


def test_nadir_sdk_defaults_match_the_spec() -> None:
    from nadir import client as sdk

    spec = get_spec("nadir")
    assert f"{sdk.DEFAULT_BASE_URL}/v1" == spec.base_url
    headers = sdk.NadirClient(api_key="k")._headers()
    assert "X-API-Key" in headers and "Authorization" not in headers
    assert (spec.auth_header, spec.auth_prefix) == ("x-api-key", "")
    assert 'os.getenv("NADIR_API_KEY"' in inspect.getsource(sdk) and spec.env_keys == ("NADIR_API_KEY",)


def test_nadir_sdk_reads_the_emulator(emu: Emulator) -> None:
    root = emu.base_url("nadir").removesuffix("/v1")
    client = nadir.NadirClient(api_key=CANARY_KEY, base_url=root)
    emu.script(Script(text="4", input_tokens=5, output_tokens=1))
    done = client.chat.completions.create(messages=[{"role": "user", "content": "2+2?"}], model="auto")
    assert done.choices[0].message.content == "4" and done.usage.prompt_tokens == 5
    assert done.nadir_metadata is not None and done.nadir_metadata.tier == "simple"
    assert emu.requests[-1].headers["x-api-key"] == CANARY_KEY
    emu.script(Script(text="one two"))
    chunks = list(
        client.chat.completions.create(
            messages=[{"role": "user", "content": "Count"}], model="auto", stream=True
        )
    )
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices and c.choices[0].delta)
        == "one two"
    )


def test_llmkit_request_matches_what_the_nadir_sdk_sends(emu: Emulator) -> None:
    """The same call from the SDK and from llmkit: llmkit sends no field the SDK's builder lacks
    (besides stream_options, which the emulator answers and the SDK leaves out), and the shared
    fields carry the same values."""
    root = emu.base_url("nadir").removesuffix("/v1")
    emu.script(Script(text="ok"))
    nadir.NadirClient(api_key=CANARY_KEY, base_url=root).chat.completions.create(
        messages=MESSAGES, model="m", max_tokens=32, temperature=0.1, tools=[TOOL], fallback_models=["x"]
    )
    sdk_body = emu.requests[-1].json()
    ours = _llmkit_body(emu, "nadir", fallback_models=["x"])
    assert set(ours) <= set(sdk_body), set(ours) - set(sdk_body)
    for key in ours:
        assert ours[key] == sdk_body[key], key


# ------------------------------------------------------- cometapi, kyma (wrappers of the OpenAI SDK)

kyma_ai = pytest.importorskip("kyma_ai")
try:  # its SDK pins openai<3, so the test extra cannot install it beside openai 3
    import cometapi
except ImportError:  # pragma: no cover - depends on the venv
    cometapi = None
needs_cometapi = pytest.mark.skipif(cometapi is None, reason="cometapi SDK not installed (pins openai<3)")


@needs_cometapi
def test_cometapi_sdk_defaults_match_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    from cometapi import _config

    monkeypatch.setenv("COMETAPI_KEY", CANARY_KEY)
    monkeypatch.delenv("COMETAPI_BASE_URL", raising=False)
    assert get_spec("cometapi").base_url == _config.DEFAULT_BASE_URL
    assert _config.resolve_api_key(None) == CANARY_KEY  # COMETAPI_KEY, the spec's first variable
    assert get_spec("cometapi").env_keys[0] == "COMETAPI_KEY"


def test_kyma_sdk_default_matches_the_spec() -> None:
    assert get_spec("kyma").base_url == kyma_ai.client.BASE_URL


@pytest.mark.parametrize("name", ["cometapi", "kyma"])
def test_wrapper_sdks_read_the_emulator(emu: Emulator, name: str) -> None:
    url = emu.base_url(name)
    if name == "cometapi":
        if cometapi is None:
            pytest.skip("cometapi SDK not installed (pins openai<3)")
        chat = cometapi.CometAPI(api_key=CANARY_KEY, base_url=url, max_retries=0).chat
    else:
        chat = kyma_ai.Kyma(api_key=CANARY_KEY, base_url=url).chat
    emu.script(Script(text="hello", input_tokens=3, output_tokens=1))
    done = chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}])
    assert done.choices[0].message.content == "hello"
    assert emu.requests[-1].headers["authorization"] == f"Bearer {CANARY_KEY}"
