"""watsonx.ai end to end over loopback, sync and async, through the public API: the API key is
traded at the emulated IBM Cloud IAM endpoint for a token the emulated watsonx.ai accepts only
while it lives; chat, chat_stream (``id:``/``event: message`` framing, no ``[DONE]``), tool calls,
embeddings, deployments, the service's error shape, stream faults, and the configuration rules."""

from __future__ import annotations

import base64
import json
import urllib.request
from typing import Any

import pytest
from _watsonx_helpers import CANARY_KEY, MODEL, PROJECT, iam_requests, options, run

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError
from llmkit.emulator import watsonx_iam as emu_iam
from llmkit.errors import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    StreamInterruptedError,
)
from llmkit.types import Finish, Message, TextDelta, Tool, ToolCall, UsageUpdate

MODES = pytest.mark.parametrize("mode", ["sync", "async"])
WEATHER = Tool(
    "get_weather",
    "The weather in a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def _api(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.profile == "watsonx"]


@MODES
def test_complete_trades_the_key_once_and_sends_the_watsonx_body(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="Hello from IBM", input_tokens=7, output_tokens=3))
    c = run(mode, "complete", MODEL, "hi", max_tokens=50, temperature=0.2, **options(emu))
    assert (c.text, c.usage.input_tokens, c.usage.output_tokens, c.provider) == (
        "Hello from IBM",
        7,
        3,
        "watsonx",
    )
    iam = next(r for r in emu.requests if r.profile == "watsonx_iam")
    assert (
        iam.body
        == b"grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=" + CANARY_KEY.encode()
    )
    assert iam.headers["content-type"] == "application/x-www-form-urlencoded"
    (sent,) = _api(emu)
    assert sent.path == "/ml/v1/text/chat" and sent.query == {"version": "2026-08-11"}
    assert sent.headers["authorization"].startswith("Bearer eyJ") and iam.query == {}
    body = json.loads(sent.body)
    assert body == {
        "model_id": "ibm/granite-3-8b-instruct",
        "project_id": PROJECT,
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.2,
        "max_completion_tokens": 50,
    }
    # A second call reuses the cached token: no second exchange.
    emu.script(Script(text="again"))
    assert run(mode, "complete", MODEL, "hi", **options(emu)).text == "again"
    assert iam_requests(emu) == 1


@MODES
def test_stream_yields_text_and_the_usage_of_the_last_chunk(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma", input_tokens=5, output_tokens=3))
    events, c = run(mode, "stream", MODEL, "hi", **options(emu))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "alpha beta gamma"
    assert any(isinstance(e, Finish) and e.reason == "stop" for e in events)
    assert [e.usage.total_tokens for e in events if isinstance(e, UsageUpdate)] == [8]
    assert (c.text, c.finish_reason) == ("alpha beta gamma", "stop")
    (sent,) = _api(emu)
    assert sent.path == "/ml/v1/text/chat_stream" and "stream" not in json.loads(sent.body)


@MODES
def test_tool_calls_complete_stream_and_round_trip(mode: str, emu: Emulator) -> None:
    emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Paris"}, id="call-1")]))
    c = run(mode, "complete", MODEL, "Weather?", tools=[WEATHER], tool_choice="required", **options(emu))
    assert (
        c.tool_calls == [ToolCall("call-1", "get_weather", {"city": "Paris"})]
        and c.finish_reason == "tool_calls"
    )
    body = json.loads(_api(emu)[-1].body)
    assert body["tool_choice_option"] == "required" and "tool_choice" not in body
    assert body["tools"][0]["function"]["name"] == "get_weather"
    emu.script(
        Script(
            tool_calls=[
                ScriptedCall("get_weather", {"city": "Oslo"}),
                ScriptedCall("get_weather", {"city": "Rome"}),
            ]
        )
    )
    _, streamed = run(
        mode, "stream", MODEL, "Two?", tools=[WEATHER], tool_choice="get_weather", **options(emu)
    )
    assert [t.arguments for t in streamed.tool_calls] == [{"city": "Oslo"}, {"city": "Rome"}]
    forced = json.loads(_api(emu)[-1].body)
    assert forced["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    history = [
        Message("user", "Weather?"),
        Message("assistant", "", tool_calls=[ToolCall("call-1", "get_weather", {"city": "Paris"})]),
        Message("tool", "sunny", tool_call_id="call-1"),
    ]
    answer = run(mode, "complete", MODEL, history, tools=[WEATHER], **options(emu))
    assert answer.text == "Thanks, the tool answered: sunny"


@MODES
def test_embeddings(mode: str, emu: Emulator) -> None:
    e = run(
        mode,
        "embed",
        "watsonx/ibm/slate-125m-english-rtrvr",
        ["hello", "world"],
        truncate_input_tokens=128,
        **options(emu),
    )
    assert len(e.vectors) == 2 and len(e.vectors[0]) == 8 and e.vectors[0] != e.vectors[1]
    assert (e.usage.input_tokens, e.model, e.provider) == (2, "ibm/slate-125m-english-rtrvr", "watsonx")
    sent = _api(emu)[-1]
    assert sent.path == "/ml/v1/text/embeddings"
    assert json.loads(sent.body) == {
        "inputs": ["hello", "world"],
        "model_id": "ibm/slate-125m-english-rtrvr",
        "project_id": PROJECT,
        "parameters": {"truncate_input_tokens": 128},
    }


@MODES
def test_deployment_models_go_to_the_deployment_path(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="deployed"), Script(text="streamed"))
    assert (
        run(mode, "complete", "watsonx/deployment/my-dep_1", "hi", **options(emu, project_id=None)).text
        == "deployed"
    )
    _, c = run(mode, "stream", "watsonx/deployment/my-dep_1", "hi", **options(emu))
    assert c.text == "streamed"
    paths = [r.path for r in _api(emu)]
    assert paths == ["/ml/v1/deployments/my-dep_1/text/chat", "/ml/v1/deployments/my-dep_1/text/chat_stream"]
    assert json.loads(_api(emu)[0].body) == {"messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    "model",
    ["watsonx/deployment/..", "watsonx/deployment/a/b", "watsonx/deployment/a%2fb", "watsonx/deployment/"],
)
def test_a_deployment_id_is_one_path_segment(emu: Emulator, model: str) -> None:
    with pytest.raises(ConfigurationError, match="deployment id"):
        llmkit.complete(model, "hi", **options(emu))
    assert _api(emu) == []


@MODES
def test_wrong_key_is_an_authentication_error_naming_the_fix(mode: str, emu: Emulator) -> None:
    secret = "wx-WRONG-key-0123456789abcdef"
    with pytest.raises(AuthenticationError) as info:
        run(mode, "complete", MODEL, "hi", **options(emu, api_key=secret))
    err = info.value
    assert "BXNIM0415E" in str(err) and "api_key=" in str(err) and "WATSONX_APIKEY" in str(err)
    for view in (str(err), repr(err), str(err.body), repr(err.__cause__), repr(err.__context__)):
        assert secret not in view
    assert _api(emu) == []


@MODES
def test_an_expired_token_is_refreshed_once_and_the_call_resent(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="one"), Script(text="two"))
    assert run(mode, "complete", MODEL, "hi", **options(emu)).text == "one"
    emu_iam.expire_tokens(emu)  # the server now calls the cached token expired
    assert run(mode, "complete", MODEL, "hi", **options(emu)).text == "two"
    statuses = [r.path for r in emu.requests]
    assert iam_requests(emu) == 2 and len(_api(emu)) == 3, statuses
    first, rejected, resent = (r.headers["authorization"] for r in _api(emu))
    assert first == rejected != resent


@MODES
def test_a_rejected_token_that_is_not_expired_is_not_resent(mode: str, emu: Emulator) -> None:
    with pytest.raises(AuthenticationError, match="token= / WATSONX_TOKEN") as info:
        run(mode, "complete", MODEL, "hi", **options(emu, token="not-a-token-the-emulator-issued"))
    assert info.value.error_code == "authentication_token_not_valid" and len(_api(emu)) == 1
    assert iam_requests(emu) == 0


@MODES
def test_rate_limit_and_server_errors_are_typed_with_code_and_trace(mode: str, emu: Emulator) -> None:
    emu.script(Script(error=ScriptedError(429, "Too many requests.", code="token_quota_reached")))
    with pytest.raises(RateLimitError) as limited:
        run(mode, "complete", MODEL, "hi", **options(emu))
    assert limited.value.error_code == "token_quota_reached" and "(trace " in str(limited.value)
    emu.script(Script(error=ScriptedError(503, "Service unavailable.")))
    with pytest.raises(ServerError) as down:
        run(mode, "complete", MODEL, "hi", **options(emu))
    assert down.value.status_code == 503 and down.value.error_code == "server_error"
    emu.script(Script(error=ScriptedError(400, "Bad field.", code="json_validation_error")))
    with pytest.raises(BadRequestError, match="Bad field"):
        run(mode, "stream", MODEL, "hi", **options(emu))


@MODES
def test_stream_cut_midway_keeps_what_arrived(mode: str, emu: Emulator) -> None:
    emu.script(Script(text="alpha beta gamma delta", fault="cut", after=3))
    with pytest.raises(StreamInterruptedError) as info:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"
    # Ended cleanly but before the finish chunk: incomplete too (there is no [DONE] to miss).
    emu.script(Script(text="alpha beta gamma delta", fault="no_terminator", after=3))
    with pytest.raises(StreamInterruptedError) as ended:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert ended.value.partial is not None and ended.value.partial.text == "alpha beta"


@MODES
def test_in_stream_error_event_and_malformed_event(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(
            text="alpha beta gamma",
            fault="stream_error",
            after=3,
            error=ScriptedError(429, "Rate limited mid-stream.", code="rate_limit_reached"),
        )
    )
    with pytest.raises(RateLimitError) as info:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert info.value.partial is not None and info.value.partial.text == "alpha beta"
    emu.script(Script(text="alpha beta gamma", fault="malformed", after=2))
    with pytest.raises(ResponseDecodeError) as bad:
        run(mode, "stream", MODEL, "hi", **options(emu))
    assert bad.value.partial is not None and bad.value.partial.text == "alpha"


@MODES
def test_cloud_pak_username_sends_a_zen_api_key(mode: str, emu: Emulator) -> None:
    c = run(mode, "complete", MODEL, "hi", **options(emu, username="admin", iam_url=None))
    assert c.text
    (sent,) = _api(emu)
    expected = base64.b64encode(f"admin:{CANARY_KEY}".encode()).decode()
    assert sent.headers["authorization"] == f"ZenApiKey {expected}" and iam_requests(emu) == 0


def test_a_token_you_have_is_sent_as_is(emu: Emulator) -> None:
    form = b"grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=" + CANARY_KEY.encode()
    req = urllib.request.Request(
        f"{emu.url}/watsonx_iam/identity/token", form, {"content-type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(req) as resp:
        token = json.loads(resp.read())["access_token"]
    emu.requests.clear()
    assert llmkit.complete(MODEL, "hi", **options(emu, token=token, api_key=None)).text
    assert _api(emu)[0].headers["authorization"] == f"Bearer {token}" and iam_requests(emu) == 0


def test_everything_from_environment_variables(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATSONX_APIKEY", CANARY_KEY)
    monkeypatch.setenv("WATSONX_URL", emu.base_url("watsonx"))
    monkeypatch.setenv("WATSONX_IAM_URL", f"{emu.url}/watsonx_iam/identity/token")
    monkeypatch.setenv("WATSONX_SPACE_ID", "space-42")
    monkeypatch.setenv("WATSONX_API_VERSION", "2025-06-01")
    emu.script(Script(text="from env"))
    assert llmkit.complete(MODEL, "hi", max_retries=0).text == "from env"
    sent = _api(emu)[0]
    assert json.loads(sent.body)["space_id"] == "space-42" and sent.query == {"version": "2025-06-01"}


def test_missing_key_project_or_url_names_keyword_and_variable(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match=r"api_key=.*WATSONX_APIKEY"):
        llmkit.complete(MODEL, "hi", **options(emu, api_key=None))
    with pytest.raises(ConfigurationError, match=r"project_id=.*WATSONX_PROJECT_ID.*space_id="):
        llmkit.complete(MODEL, "hi", **options(emu, project_id=None))
    kw = options(emu)
    del kw["url"]
    with pytest.raises(ConfigurationError, match=r"url=.*WATSONX_URL"):
        llmkit.complete(MODEL, "hi", **kw)
    assert _api(emu) == []


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("url", "https://us-south.ml.cloud.ibm.com@evil.example"),
        ("url", "https://us-south.ml.cloud.ibm.com/?x=1"),
        ("url", "http://plain.example.com"),
        ("iam_url", "http://evil.example/identity/token"),
        ("iam_url", "https://user:pw@iam.cloud.ibm.com"),
        ("project_id", "a/../b"),
        ("space_id", "x y"),
    ],
)
def test_values_that_could_redirect_a_request_are_refused(emu: Emulator, option: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=option):
        llmkit.complete(MODEL, "hi", **options(emu, **{option: value}))
    assert emu.requests == []


def test_regions_name_ibm_hosts_and_mumbai_is_its_own() -> None:
    from llmkit._resolve import resolve

    def base(region: str) -> str:
        opts = {"region": region, "project_id": "p", "username": "u"}
        r = resolve(
            "watsonx/m",
            api_key="k",
            base_url=None,
            extra_headers=None,
            options=opts,
            default_keys={},
            default_headers={},
        )
        return str(r.ctx.base_url)

    assert base("eu-de") == "https://eu-de.ml.cloud.ibm.com"
    assert base("ap-south-1") == "https://ap-south-1.aws.wxai.ibm.com"
    with pytest.raises(ConfigurationError, match="no region"):
        base("mars-1")


def test_embeddings_refuse_what_watsonx_has_not(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="deployment"):
        llmkit.embed("watsonx/deployment/dep-1", ["a"], **options(emu))
    with pytest.raises(ConfigurationError, match="dimensions"):
        llmkit.embed("watsonx/ibm/slate-30m-english-rtrvr", ["a"], dimensions=64, **options(emu))
    with pytest.raises(ConfigurationError, match="top_k"):
        llmkit.complete(MODEL, "hi", top_k=3, **options(emu))
    with pytest.raises(ConfigurationError, match="truncate_input_tokens= is for watsonx embeddings"):
        llmkit.complete(MODEL, "hi", truncate_input_tokens=8, **options(emu))
    assert _api(emu) == []


def test_a_token_shorter_lived_than_the_refresh_margin_is_not_reused(emu: Emulator) -> None:
    # 60 s of life is inside the manager's 300 s margin: every call trades the key again (one
    # exchange each, none reused past its margin), and every token sent is one the IAM just issued.
    emu_iam.set_token_lifetime(emu, 60)
    try:
        emu.script(Script(text="a"), Script(text="b"))
        assert [llmkit.complete(MODEL, "hi", **options(emu)).text for _ in range(2)] == ["a", "b"]
    finally:
        emu_iam.set_token_lifetime(emu, 3600)
    first, second = (r.headers["authorization"] for r in _api(emu))
    assert iam_requests(emu) == 2 and first != second
