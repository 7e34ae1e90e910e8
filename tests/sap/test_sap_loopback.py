"""sap/ over real loopback HTTP against the emulator's AI Core profile, sync and async, through the
public API: the XSUAA token, deployment discovery, orchestration completion/stream/tools,
embeddings, and each failure typed."""

from __future__ import annotations

import asyncio
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import llmkit
from llmkit.auth import sap as sap_auth
from llmkit.emulator import Emulator
from llmkit.emulator import sap as esap
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.errors import (
    AuthenticationError,
    ConfigurationError,
    ContentFilteredError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)

MODEL = "sap/gpt-4o"
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _paths(emu: Emulator, suffix: str) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith(suffix)]


def _token_manager(emu: Emulator) -> Any:
    key = esap.service_key(emu)
    secret = hashlib.sha256(key["clientsecret"].encode()).hexdigest()
    return sap_auth._MANAGERS[
        ("SAP AI Core token request", key["clientid"], key["url"] + "/oauth/token", secret)
    ]


def test_complete_sends_token_resource_group_and_discovered_deployment(sap: Emulator) -> None:
    sap.script(Script(text="Hello from AI Core"))
    out = llmkit.complete(MODEL, "hi", temperature=0.2, max_tokens=50)
    assert out.text == "Hello from AI Core" and out.provider == "sap"
    assert out.usage.output_tokens > 0
    (call,) = _paths(sap, "/completion")
    assert call.path == f"/v2/inference/deployments/{esap.DEPLOYMENT_ID}/v2/completion"
    assert call.headers["ai-resource-group"] == "default"
    assert call.headers["authorization"].startswith("Bearer eyJemu.")
    body = call.json()
    model = body["config"]["modules"]["prompt_templating"]["model"]
    assert model == {"name": "gpt-4o", "params": {"temperature": 0.2, "max_tokens": 50}}
    (lookup,) = _paths(sap, "/lm/deployments")
    assert lookup.query == {"scenarioId": "orchestration", "status": "RUNNING"}
    # Token and deployment are cached: a second call makes neither request again.
    llmkit.complete(MODEL, "again")
    state = esap.state_for(sap)
    assert (state.issued, state.lookups) == (1, 1)


def test_async_complete_stream_and_embed(sap: Emulator) -> None:
    async def main() -> None:
        async with llmkit.AsyncClient() as client:
            sap.script(Script(text="async answer"))
            out = await client.complete(MODEL, "hi")
            assert out.text == "async answer"
            sap.script(Script(text="one two three"))
            stream = client.stream(MODEL, "hi")
            text = "".join([e.text async for e in stream if isinstance(e, llmkit.TextDelta)])
            assert text == "one two three" and stream.completion.usage.total_tokens > 0
            emb = await client.embed("sap/text-embedding-3-small", ["a", "bc"], dimensions=4)
            assert len(emb.vectors) == 2 and len(emb.vectors[0]) == 4

    asyncio.run(main())
    assert esap.state_for(sap).issued == 1


def test_stream_text_finish_and_usage(sap: Emulator) -> None:
    sap.script(Script(text="The quick brown fox", input_tokens=7, output_tokens=4))
    stream = llmkit.stream(MODEL, "hi")
    text = "".join(e.text for e in stream if isinstance(e, llmkit.TextDelta))
    assert text == "The quick brown fox"
    assert stream.completion.finish_reason == "stop"
    assert (stream.completion.usage.input_tokens, stream.completion.usage.output_tokens) == (7, 4)
    body = _paths(sap, "/completion")[0].json()
    assert body["config"]["stream"] == {"enabled": True}


@pytest.mark.parametrize("streaming", [False, True])
def test_tool_call(sap: Emulator, streaming: bool) -> None:
    sap.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Walldorf"}, id="call_1")]))
    if streaming:
        stream = llmkit.stream(MODEL, "weather?", tools=[TOOL])
        list(stream)
        out = stream.completion
    else:
        out = llmkit.complete(MODEL, "weather?", tools=[TOOL])
    (call,) = out.tool_calls
    assert (call.name, call.arguments, call.id) == ("get_weather", {"city": "Walldorf"}, "call_1")
    assert out.finish_reason == "tool_calls"
    prompt = _paths(sap, "/completion")[0].json()["config"]["modules"]["prompt_templating"]["prompt"]
    assert prompt["tools"][0]["function"]["name"] == "get_weather"


def test_module_options_reach_the_envelope(sap: Emulator) -> None:
    filtering = {"input": {"filters": [{"type": "azure_content_safety", "config": {"hate": 2}}]}}
    masking = {
        "providers": [{"type": "sap_data_privacy_integration", "method": "anonymization", "entities": []}]
    }
    llmkit.complete(
        MODEL,
        "Hi {{?name}}",
        filtering=filtering,
        masking=masking,
        placeholder_values={"name": "Ada"},
        model_version="2024-08-06",
    )
    body = _paths(sap, "/completion")[0].json()
    modules = body["config"]["modules"]
    assert modules["filtering"] == filtering and modules["masking"] == masking
    assert modules["prompt_templating"]["model"]["version"] == "2024-08-06"
    assert body["placeholder_values"] == {"name": "Ada"}


def test_embeddings_request_and_result(sap: Emulator) -> None:
    emb = llmkit.embed("sap/text-embedding-3-small", ["hello", "world"])
    assert len(emb.vectors) == 2 and emb.model == "text-embedding-3-small"
    call = _paths(sap, "/embeddings")[0]
    assert call.path == f"/v2/inference/deployments/{esap.DEPLOYMENT_ID}/v2/embeddings"
    assert call.json()["input"] == {"text": ["hello", "world"]}


def test_wrong_client_secret_is_an_authentication_error_without_the_secret(
    sap: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = esap.service_key(sap)
    key["clientsecret"] = "wrong-secret-value-123456"
    monkeypatch.setenv("AICORE_SERVICE_KEY", json.dumps(key))
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", max_retries=0)
    text = str(info.value)
    assert "AICORE_CLIENT_SECRET" in text and "service_key=" in text
    assert "wrong-secret-value-123456" not in text + repr(info.value.body)
    assert not _paths(sap, "/completion")


def test_aicore_env_vars_instead_of_a_service_key(sap: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AICORE_SERVICE_KEY")
    monkeypatch.setenv("AICORE_CLIENT_ID", esap.CLIENT_ID)
    monkeypatch.setenv("AICORE_CLIENT_SECRET", esap.CLIENT_SECRET)
    monkeypatch.setenv("AICORE_AUTH_URL", f"{sap.url}/sap")
    monkeypatch.setenv("AICORE_BASE_URL", f"{sap.url}/sap/v2")
    assert llmkit.complete(MODEL, "hi").text


def test_missing_credentials_name_the_keyword_and_variables(
    sap: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AICORE_SERVICE_KEY")
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete(MODEL, "hi")
    assert "service_key=" in str(info.value) and "AICORE_CLIENT_ID" in str(info.value)


def test_service_key_from_a_file_and_resource_group(sap: Emulator, tmp_path: Any) -> None:
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"credentials": esap.service_key(sap)}))
    esap.state_for(sap).deployments["team-a"] = [esap.deployment(sap, "dteama0000001")]
    llmkit.complete(MODEL, "hi", service_key=str(path), resource_group="team-a")
    call = _paths(sap, "/completion")[0]
    assert call.headers["ai-resource-group"] == "team-a" and "/dteama0000001/" in call.path


def test_deployment_id_option_skips_discovery_and_is_validated(sap: Emulator) -> None:
    llmkit.complete(MODEL, "hi", deployment_id=esap.DEPLOYMENT_ID)
    assert not _paths(sap, "/lm/deployments")
    with pytest.raises(ConfigurationError, match="deployment_id"):
        llmkit.complete(MODEL, "hi", deployment_id="../../evil")
    with pytest.raises(ConfigurationError, match="resource_group"):
        llmkit.complete(MODEL, "hi", resource_group="a/b")


def test_no_running_deployment_is_not_found_naming_what_to_do(sap: Emulator) -> None:
    esap.state_for(sap).deployments["default"] = [esap.deployment(sap, "dstopped00001", status="STOPPED")]
    with pytest.raises(NotFoundError) as info:
        llmkit.complete(MODEL, "hi")
    assert "deployment_id=" in str(info.value) and "AICORE_RESOURCE_GROUP" in str(info.value)


def test_a_404_from_a_vanished_deployment_rediscovers_once(sap: Emulator) -> None:
    llmkit.complete(MODEL, "hi")
    # The deployment is replaced: the cached id answers 404, the call looks up the new one.
    esap.state_for(sap).deployments["default"] = [esap.deployment(sap, "dnew000000002")]
    assert llmkit.complete(MODEL, "hi").text
    assert [r.path.split("/")[4] for r in _paths(sap, "/completion")] == [
        esap.DEPLOYMENT_ID,
        esap.DEPLOYMENT_ID,
        "dnew000000002",
    ]
    assert esap.state_for(sap).lookups == 2
    # Gone for good: one lookup, one resend, then the 404 is raised.
    esap.state_for(sap).deployments["default"] = [
        esap.deployment(sap, "dother0000003", scenario="foundation-models")
    ]
    with pytest.raises(NotFoundError):
        llmkit.complete(MODEL, "hi", max_retries=0)


def test_an_expired_token_is_refreshed(sap: Emulator) -> None:
    esap.state_for(sap).expires_in = 1  # inside the refresh margin: every call refreshes
    llmkit.complete(MODEL, "hi")
    llmkit.complete(MODEL, "hi")
    assert esap.state_for(sap).issued == 2


def test_a_401_with_a_cached_token_gets_a_new_token_once(sap: Emulator) -> None:
    llmkit.complete(MODEL, "hi")
    esap.state_for(sap).tokens.clear()  # revoked server-side
    assert llmkit.complete(MODEL, "hi").text
    assert esap.state_for(sap).issued == 2


def _expire(emu: Emulator) -> None:
    manager = _token_manager(emu)
    manager._expires_at = 0.0  # the cached token has expired


N = 50


def test_threads_on_an_expired_token_make_one_token_request(sap: Emulator) -> None:
    with llmkit.Client() as client:
        client.complete(MODEL, "warm")
        _expire(sap)
        before = esap.state_for(sap).issued
        with ThreadPoolExecutor(N) as pool:
            done = list(pool.map(lambda _: client.complete(MODEL, "hi").text, range(N)))
    assert len(done) == N and all(done)
    assert esap.state_for(sap).issued - before == 1


def test_tasks_on_an_expired_token_make_one_token_request(sap: Emulator) -> None:
    async def main() -> list[str]:
        async with llmkit.AsyncClient() as client:
            await client.complete(MODEL, "warm")
            _expire(sap)
            got = await asyncio.gather(*(client.complete(MODEL, "hi") for _ in range(N)))
            return [c.text for c in got]

    before_lookups = esap.state_for(sap).lookups
    assert all(asyncio.run(main()))
    state = esap.state_for(sap)
    assert state.issued == 2 and state.lookups == before_lookups + 1


def test_429_then_success_and_5xx_typed(sap: Emulator) -> None:
    sap.script(
        Script(error=ScriptedError(429, "Too many requests", headers={"retry-after": "0"})), Script(text="ok")
    )
    assert llmkit.complete(MODEL, "hi").text == "ok"
    sap.script(Script(error=ScriptedError(429, "Too many requests")))
    with pytest.raises(RateLimitError):
        llmkit.complete(MODEL, "hi", max_retries=0)
    sap.script(Script(error=ScriptedError(503, "LLM Module unavailable")))
    with pytest.raises(ServerError, match="LLM Module unavailable"):
        llmkit.complete(MODEL, "hi", max_retries=0)


def test_filtering_module_refusal_is_content_filtered(sap: Emulator) -> None:
    sap.script(
        Script(
            error=ScriptedError(
                400, "Content filtered due to safety violations.", type="Filtering Module - Input Filter"
            )
        )
    )
    with pytest.raises(ContentFilteredError):
        llmkit.complete(MODEL, "hi")


def test_malformed_body_is_a_decode_error(sap: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    sap.script(Script(fault="malformed", after=1))
    with pytest.raises(ResponseDecodeError):
        list(llmkit.stream(MODEL, "hi"))


def test_a_cut_stream_keeps_what_arrived(sap: Emulator) -> None:
    sap.script(Script(text="alpha beta gamma delta", fault="cut", after=3))
    stream = llmkit.stream(MODEL, "hi")
    with pytest.raises(StreamInterruptedError) as info:
        list(stream)
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"


def test_an_in_stream_error_is_raised_typed_with_partial(sap: Emulator) -> None:
    sap.script(Script(text="alpha beta gamma", fault="stream_error", after=2))
    with pytest.raises(ServerError) as info:
        list(llmkit.stream(MODEL, "hi"))
    assert "stream failed" in str(info.value)
    assert info.value.partial is not None and info.value.partial.text == "alpha"
