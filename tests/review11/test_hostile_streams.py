"""The five issue-11 decoders under hostile input, through the public API, sync and async.

tests/hardening/test_typed_decode.py fuzzes the older dialects only; here the same strategies
(recorded fixtures mutated anywhere, garbled, nested 100,000 deep, tails dropped) are served to
Snowflake's native stream, OCI's GENERIC and COHERE formats, SAP's orchestration envelope,
watsonx's id/event/data stream and GigaChat, behind a server whose token endpoints answer a valid
token. Every failure is an LLMKitError (its causes too) without the credential or the token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _hostile11 as h
import pytest
import test_typed_decode as td
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit import AsyncClient, Client
from llmkit.emulator.oci_auth import new_api_key
from llmkit.errors import LLMKitError, ProviderError, StreamInterruptedError

SECRET = td.KEY
TOKEN = "tok-hostile-0000"


@dataclass(frozen=True)
class Case:
    model: str
    chat: list[Any]
    stream: list[list[tuple[str | None, Any]]]
    errors: list[Any]
    options: Callable[[str], dict[str, Any]]


def _sap_key(url: str) -> dict[str, Any]:
    return {
        "clientid": "sb-hostile",
        "clientsecret": SECRET,
        "url": url,
        "serviceurls": {"AI_API_URL": url},
    }


CASES: dict[str, Case] = {
    "snowflake_native": Case(
        "snowflake/claude-3-5-sonnet",
        [],
        [h.SNOWFLAKE_NATIVE],
        [{"code": "390144", "message": "JWT token is invalid."}],
        lambda url: {"base_url": url, "token": SECRET, "cortex_api": "native"},
    ),
    "oci_generic": Case(
        "oci/meta.llama-3.3-70b-instruct",
        h.cassette("oci/test_generic_chat_legacy.yaml", stream=False),
        h.cassette("oci/test_generic_chat_streaming.yaml", stream=True),
        [
            {
                "code": "NotAuthenticated",
                "message": "The required information to complete authentication was not provided.",
            }
        ],
        lambda url: {"base_url": url, "compartment_id": "ocid1.compartment.oc1..aaaahostile"},
    ),
    "oci_cohere": Case(
        "oci/cohere.command-r-plus",
        h.cassette("oci/test_cohere_chat_legacy.yaml", stream=False),
        h.cassette("oci/test_cohere_chat_streaming.yaml", stream=True),
        [{"code": "TooManyRequests", "message": "slow down"}],
        lambda url: {"base_url": url, "compartment_id": "ocid1.compartment.oc1..aaaahostile"},
    ),
    "sap": Case(
        "sap/gpt-4o",
        [h.load("sap/orchestration-chat-completion-success-response.json")],
        [
            h.sse_file("sap/orchestration-chat-completion-stream-chunks.txt"),
            h.sse_file("sap/orchestration-chat-completion-stream-chunks-with-error.txt"),
        ],
        [h.load("sap/orchestration-chat-completion-input-filter-error.json")],
        lambda url: {"service_key": json.dumps(_sap_key(url)), "deployment_id": "dhostile01"},
    ),
    "watsonx": Case(
        "watsonx/ibm/granite-3-8b-instruct",
        [h.load("watsonx/chat.json")],
        [h.sse_file("watsonx/chat_stream_text.sse"), h.sse_file("watsonx/chat_stream_tools.sse")],
        [h.load("watsonx/error_400.json")],
        lambda url: {"url": url, "iam_url": url, "api_key": SECRET, "project_id": "p-hostile"},
    ),
    "gigachat": Case(
        "gigachat/GigaChat",
        [
            *h.cassette("gigachat/test_chat_simple.yaml", stream=False),
            h.load("gigachat/chat_completion_function.json"),
        ],
        h.cassette("gigachat/test_stream_simple.yaml", stream=True),
        h.cassette("gigachat/test_chat_model_not_found.yaml", stream=False),
        lambda url: {"base_url": url, "auth_url": url + "/api/v2/oauth", "credentials": SECRET},
    ),
}
CHAT_CASES = [n for n, c in CASES.items() if c.chat]


@pytest.fixture(scope="module")
def routed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[h.Routed]:
    creds = new_api_key(tmp_path_factory.mktemp("oci-hostile"))
    with pytest.MonkeyPatch.context() as mp:
        for name in ("OCI_PROFILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH", "AICORE_SERVICE_KEY"):
            mp.delenv(name, raising=False)
        mp.setenv("OCI_CONFIG_FILE", creds.config_file)
        yield from h.start()


Clients = tuple[Client, AsyncClient, asyncio.AbstractEventLoop]


@pytest.fixture(scope="module")
def clients(routed: h.Routed) -> Iterator[Clients]:
    loop = asyncio.new_event_loop()
    sync = Client(max_retries=0)
    aclient = loop.run_until_complete(td._make_async())
    yield sync, aclient, loop
    sync.close()
    loop.run_until_complete(aclient.aclose())
    loop.close()


def _checked(call: Callable[[], Any]) -> BaseException | None:
    exc = td._only_llmkit_errors(call)
    if exc is not None:
        text = f"{exc!s} {exc!r} {exc.__cause__!r} {exc.__context__!r}"
        assert SECRET not in text and TOKEN not in text, text
    return exc


def _complete(mode: str, clients: Clients, case: Case, url: str) -> Callable[[], Any]:
    sync, aclient, loop = clients
    kw = case.options(url)
    if mode == "sync":
        return lambda: sync.complete(case.model, "hi", **kw)
    return lambda: loop.run_until_complete(aclient.complete(case.model, "hi", **kw))


def _stream(mode: str, clients: Clients, case: Case, url: str) -> Callable[[], Any]:
    sync, aclient, loop = clients
    kw = case.options(url)

    def run_sync() -> Any:
        with sync.stream(case.model, "hi", **kw) as s:
            for _ in s:
                pass
            return s.completion

    async def run_async() -> Any:
        s = aclient.stream(case.model, "hi", **kw)
        async with s:
            async for _ in s:
                pass
        return s.completion

    if mode == "sync":
        return run_sync
    return lambda: loop.run_until_complete(run_async())


def _as_dialect(case: Case) -> td.Dialect:
    return td.Dialect(case.model, case.chat, case.stream, case.errors)


MODES = ["sync", "async"]
# Fewer examples than the older dialects' run (LLMKIT_FUZZ_EXAMPLES raises both): six cases, four
# properties, two modes already make ~50 runs of the whole call path.
FUZZ = settings(td.FUZZ, max_examples=max(1, td.EXAMPLES // 2))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", CHAT_CASES)
@FUZZ
@given(data=st.data())
def test_mutated_completions(
    name: str, mode: str, routed: h.Routed, clients: Clients, data: st.DataObject
) -> None:
    case = CASES[name]
    routed.serve(h.Reply(200, data.draw(td.chat_body(_as_dialect(case)))))
    _checked(_complete(mode, clients, case, routed.url))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
@FUZZ
@given(data=st.data())
def test_mutated_streams(
    name: str, mode: str, routed: h.Routed, clients: Clients, data: st.DataObject
) -> None:
    case = CASES[name]
    routed.serve(h.Reply(200, data.draw(td.stream_body(_as_dialect(case))), "text/event-stream"))
    _checked(_stream(mode, clients, case, routed.url))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
@FUZZ
@given(data=st.data())
def test_mutated_error_bodies(
    name: str, mode: str, routed: h.Routed, clients: Clients, data: st.DataObject
) -> None:
    case = CASES[name]
    reply = data.draw(td.error_reply(_as_dialect(case)))
    routed.serve(h.Reply(reply.status, reply.body, reply.content_type))
    call = _complete if case.chat else _stream
    exc = _checked(call(mode, clients, case, routed.url))
    assert isinstance(exc, ProviderError), exc


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
@given(cut=st.floats(0.05, 0.95))
@FUZZ
def test_split_anywhere_and_cut(name: str, mode: str, routed: h.Routed, clients: Clients, cut: float) -> None:
    """A recorded stream cut at any byte: a typed error (or a complete answer if the cut fell after
    the last event) and whatever text had arrived is kept on the error's partial."""
    case = CASES[name]
    whole = td._sse_body(case.stream[0])
    at = int(len(whole) * cut)
    routed.serve(h.Reply(200, whole[:at], "text/event-stream"))
    exc = _checked(_stream(mode, clients, case, routed.url))
    if isinstance(exc, StreamInterruptedError) and exc.partial is not None:
        assert isinstance(exc.partial.text, str)
    assert exc is None or isinstance(exc, LLMKitError)


def test_fixtures_loaded() -> None:
    for name, case in CASES.items():
        assert case.stream and all(case.stream), name
        assert case.errors, name
    assert Path(h.FIXTURES).is_dir()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CASES))
def test_recorded_bodies_decode(name: str, mode: str, routed: h.Routed, clients: Clients) -> None:
    """The property's baseline: unmutated, each recorded answer decodes (so the fuzz reaches the
    decoder under test, not a configuration error)."""
    case = CASES[name]
    for events in case.stream:
        routed.serve(h.Reply(200, td._sse_body(events), "text/event-stream"))
        try:
            done = _stream(mode, clients, case, routed.url)()
        except ProviderError as exc:  # SAP's recording that ends in an error event
            assert "error" in name or exc.partial is not None, exc
            continue
        assert done.text or done.tool_calls, name
    for body in case.chat:
        routed.serve(h.Reply(200, json.dumps(body).encode()))
        done = _complete(mode, clients, case, routed.url)()
        assert done.text or done.tool_calls, name
