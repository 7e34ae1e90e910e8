"""AsyncDriver's inline first attempt (``_call``'s fast path) against what the flow would send.

A plain call whose credential is static and whose timeout has no total goes out without the
flow's generator; these tests hold it to the flow: the same request and timeout on the first
attempt, the flow taking over on a non-2xx answer or a transport error (retries, the retry-count
header, typed errors with their attempts), and the general path for the calls it does not take.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

import llmkit
from llmkit import _async_driver
from llmkit._async_driver import one_send
from llmkit._driver_steps import advance
from llmkit._retry import Send
from llmkit._timeout import Timeout
from llmkit.api import COMPLETE
from llmkit.errors import APIConnectionError, BadRequestError, ServerError
from llmkit.operations.base import flow, prepare
from llmkit.operations.chat import ChatParams
from llmkit.wire import HttpRequest, HttpResponse

BODY = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
).encode()
JSON = {"content-type": "application/json"}
ERROR = json.dumps({"error": {"message": "bad", "type": "invalid_request_error"}}).encode()


class Recording:
    """A transport answering from a script: each entry a response or an exception to raise."""

    def __init__(self, *script: HttpResponse | Exception) -> None:
        self.script = list(script)
        self.sent: list[tuple[HttpRequest, bool, Timeout]] = []

    async def send(self, req: HttpRequest, stream: bool, timeout: Timeout) -> HttpResponse:
        self.sent.append((req, stream, timeout))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    async def aclose(self) -> None:
        return None


def _client(transport: Recording, **kw: Any) -> llmkit.AsyncClient:
    client = llmkit.AsyncClient(api_key="sk-test", base_url="http://127.0.0.1:9/v1", **kw)
    client._transport = transport  # type: ignore[assignment]
    return client


def _params(**kw: Any) -> ChatParams:
    return ChatParams(model="openai/m", messages="hello", provider_options={}, **kw)


def test_first_attempt_is_the_flows_first_send(monkeypatch: pytest.MonkeyPatch) -> None:
    flows: list[Any] = []
    monkeypatch.setattr(_async_driver, "flow", lambda *a: flows.append(a) or flow(*a))
    t = Recording(HttpResponse(200, JSON, BODY))
    client = _client(t)
    got = asyncio.run(client.complete("openai/m", "hello"))
    assert got.text == "hi"
    assert flows == []  # answered without the flow
    prepared = prepare(COMPLETE, client._settings, _params())
    assert one_send(prepared.resolved)
    step = advance(flow(prepared, False), None, None)
    assert type(step) is Send
    ((req, stream, timeout),) = t.sent
    want = step.request
    assert (req.method, req.url, req.headers, req.body) == (want.method, want.url, want.headers, want.body)
    assert (stream, timeout) == (step.stream, step.timeout)
    assert "x-llmkit-retry-count" not in req.headers


def test_non_2xx_hands_over_to_the_flow_which_retries() -> None:
    retry_now = {**JSON, "retry-after": "0"}
    t = Recording(HttpResponse(503, retry_now, ERROR), HttpResponse(200, JSON, BODY))
    got = asyncio.run(_client(t, max_retries=2).complete("openai/m", "hello"))
    assert got.text == "hi"
    assert len(t.sent) == 2
    assert "x-llmkit-retry-count" not in t.sent[0][0].headers
    assert t.sent[1][0].headers["x-llmkit-retry-count"] == "1"
    # Each attempt is its own copy: the retry did not see the first attempt's headers mutated.
    assert t.sent[0][0] is not t.sent[1][0]


def test_transport_error_hands_over_to_the_flow() -> None:
    refused = APIConnectionError("could not connect: refused")
    refused.before_send = True
    t = Recording(refused, HttpResponse(200, JSON, BODY))
    client = _client(t, max_retries=1)
    client._settings.policy.initial_delay = 0.0
    assert asyncio.run(client.complete("openai/m", "hello")).text == "hi"
    assert len(t.sent) == 2


def test_transport_error_not_retried_is_typed_with_its_attempts() -> None:
    lost = APIConnectionError("connection reset")  # after the request went out: not re-sent
    t = Recording(lost)
    with pytest.raises(APIConnectionError) as info:
        asyncio.run(_client(t, max_retries=2).complete("openai/m", "hello"))
    assert info.value is lost
    assert (info.value.attempts, info.value.provider) == (1, "openai")


def test_error_status_is_typed_and_not_chained() -> None:
    t = Recording(HttpResponse(400, JSON, ERROR))
    with pytest.raises(BadRequestError) as info:
        asyncio.run(_client(t).complete("openai/m", "hello"))
    assert info.value.attempts == 1
    assert info.value.__context__ is None


def test_retries_exhausted_after_handover() -> None:
    retry_now = {**JSON, "retry-after": "0"}
    t = Recording(HttpResponse(500, retry_now, ERROR), HttpResponse(500, retry_now, ERROR))
    with pytest.raises(ServerError) as info:
        asyncio.run(_client(t, max_retries=1).complete("openai/m", "hello"))
    assert info.value.attempts == 2
    assert info.value.__context__ is None


def test_total_deadline_takes_the_flow() -> None:
    # A total deadline is split by the flow (each request gets what is left): not the fast path.
    t = Recording(HttpResponse(200, JSON, BODY))
    given = Timeout(total=30.0)
    asyncio.run(_client(t).complete("openai/m", "hello", timeout=given))
    ((_, _, timeout),) = t.sent
    assert timeout is not given and timeout.total is not None and timeout.total <= 30.0


def test_parse_failure_of_a_2xx_is_not_retried() -> None:
    # A 2xx the parser refuses is the parser's typed error, never fed back to the flow as a send error.
    t = Recording(HttpResponse(200, JSON, b"{not json"), HttpResponse(200, JSON, BODY))
    with pytest.raises(llmkit.errors.LLMKitError):
        asyncio.run(_client(t, max_retries=2).complete("openai/m", "hello"))
    assert len(t.sent) == 1
