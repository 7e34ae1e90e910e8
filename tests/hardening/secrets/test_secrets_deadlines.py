"""``Timeout(total=...)`` is a hard deadline for the whole call: token exchanges, retries and a
body that trickles in (each byte inside the read timeout) all end at it with APITimeoutError.

The servers here stall for far longer than the deadline (and then answer correctly), so a call
that is not cut at its deadline either hangs past the generous bound or succeeds: both fail."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
from _secrets_helpers import Answer, Hostile, Seen, gemini_ok, openai_ok
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import llmkit
from llmkit import Timeout
from llmkit._retry import RetryPolicy, Send, send_flow
from llmkit.auth.google import ServiceAccountAuth
from llmkit.errors import APIConnectionError, APITimeoutError, ProviderError
from llmkit.wire import HttpRequest, HttpResponse

MakeServer = Callable[[Callable[[Seen], Answer]], Hostile]
TOTAL = 1.0
# Far above TOTAL, far below what the stalling servers would take.
BOUND = TOTAL + 3.0
DEADLINE = Timeout(connect=2.0, read=5.0, total=TOTAL)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(mode: str, model: str, *, streamed: bool = False, **kw: Any) -> Any:
    kw.setdefault("max_retries", 0)
    kw.setdefault("timeout", DEADLINE)
    if mode == "sync":
        with llmkit.Client() as client:
            if streamed:
                with client.stream(model, "hi", **kw) as s:
                    return s.completion
            return client.complete(model, "hi", **kw)

    async def go() -> Any:
        async with llmkit.AsyncClient() as client:
            if streamed:
                async with client.stream(model, "hi", **kw) as s:
                    return await s.get_completion()
            return await client.complete(model, "hi", **kw)

    return asyncio.run(go())


def times_out(
    mode: str, model: str, error: type[BaseException] = APITimeoutError, **kw: Any
) -> BaseException:
    started = time.monotonic()
    with pytest.raises(error) as caught:
        run(mode, model, **kw)
    elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"the {TOTAL}s deadline held the call {elapsed:.1f}s"
    return caught.value


def test_trickling_body_ends_at_the_deadline(mode: str, hostile: MakeServer) -> None:
    server = hostile(lambda r: Answer(200, openai_ok(), drip=0.2))  # ~60 s for the whole body
    times_out(mode, "openai/gpt-4o-mini", api_key="sk-fake-key-for-tests", base_url=server.url + "/v1")


def test_trickling_error_body_ends_at_the_deadline(mode: str, hostile: MakeServer) -> None:
    body = {"error": {"message": "x" * 200, "type": "server_error"}}
    server = hostile(lambda r: Answer(500, body, drip=0.2))
    times_out(mode, "openai/gpt-4o-mini", api_key="sk-fake-key-for-tests", base_url=server.url + "/v1")


def test_trickling_stream_ends_at_the_deadline(mode: str, hostile: MakeServer) -> None:
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}]}  # fmt: skip
    sse = "".join(f"data: {json.dumps(chunk)}\n\n" for _ in range(20)) + "data: [DONE]\n\n"
    server = hostile(lambda r: Answer(200, sse, {"content-type": "text/event-stream"}, drip=0.05))
    err = times_out(
        mode, "openai/gpt-4o-mini", APIConnectionError, streamed=True,
        api_key="sk-fake-key-for-tests", base_url=server.url + "/v1",
    )  # fmt: skip
    assert "timeout" in str(err)


def test_trickling_stream_error_body_ends_at_the_deadline(mode: str, hostile: MakeServer) -> None:
    body = {"error": {"message": "x" * 200, "type": "server_error"}}
    server = hostile(lambda r: Answer(500, body, drip=0.2))
    times_out(
        mode,
        "openai/gpt-4o-mini",
        streamed=True,
        api_key="sk-fake-key-for-tests",
        base_url=server.url + "/v1",
    )


def test_retries_stop_at_the_deadline(mode: str, hostile: MakeServer) -> None:
    server = hostile(lambda r: Answer(503, {"error": {"message": "busy"}}, delay=0.4))
    err = times_out(
        mode, "openai/gpt-4o-mini", (APITimeoutError, ProviderError),  # type: ignore[arg-type]
        api_key="sk-fake-key-for-tests", base_url=server.url + "/v1", max_retries=50,
    )  # fmt: skip
    assert len(server.seen) < 10, err


# ---------------------------------------------------------------- token exchanges


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def vertex(server: Hostile, pem: str) -> dict[str, Any]:
    info = {
        "type": "service_account",
        "private_key": pem,
        "client_email": f"slow-{secrets.token_hex(4)}@test-proj.iam.gserviceaccount.com",
        "token_uri": server.url + "/token",
    }
    base = f"{server.url}/vertex/v1/projects/test-proj/locations/us-central1"
    return {"base_url": base, "project": "test-proj", "credentials": info}


def token_answer(**slow: float) -> Callable[[Seen], Answer]:
    def answer(r: Seen) -> Answer:
        if r.path == "/token":
            body = {"access_token": "ya29.fake-token-" + secrets.token_hex(8), "expires_in": 3599}
            return Answer(200, body, **slow)
        return Answer(200, gemini_ok())

    return answer


def test_slow_token_endpoint_is_bounded_by_the_deadline(mode: str, hostile: MakeServer, pem: str) -> None:
    server = hostile(token_answer(delay=12.0))  # answers in time for the 600 s default read timeout
    times_out(mode, "vertex_ai/gemini-2.5-pro", **vertex(server, pem))


def test_trickling_token_endpoint_is_bounded_by_the_deadline(
    mode: str, hostile: MakeServer, pem: str
) -> None:
    server = hostile(token_answer(drip=0.2))
    times_out(mode, "vertex_ai/gemini-2.5-pro", **vertex(server, pem))


def test_token_requests_carry_the_remaining_deadline(pem: str) -> None:
    """Without sockets: the token request goes out as a Send under what is left of the total,
    and the API request after it under what is left after the exchange."""

    class Clock:
        now = 100.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    auth = ServiceAccountAuth({"client_email": "unit@x.iam.gserviceaccount.com", "private_key": pem})
    policy = RetryPolicy(max_retries=0, clock=clock)
    timeout = Timeout(connect=5.0, read=30.0, total=10.0)
    request = HttpRequest("POST", "https://api.example/x", {}, b"{}")
    flow = send_flow(request, auth, policy, timeout, False, lambda r: ProviderError("x"))
    token_send = next(flow)
    assert isinstance(token_send, Send) and token_send.request.url.endswith("/token")
    assert token_send.timeout == Timeout(connect=5.0, read=10.0, total=10.0)
    clock.now += 4.0  # the exchange took 4 s
    token = json.dumps({"access_token": "ya29.fake", "expires_in": 3599}).encode()
    api_send = flow.send(HttpResponse(200, {}, token))
    assert isinstance(api_send, Send) and api_send.request.headers["authorization"] == "Bearer ya29.fake"
    assert api_send.timeout == Timeout(connect=5.0, read=6.0, total=6.0)
    clock.now += 7.0
    with pytest.raises(StopIteration):
        flow.send(HttpResponse(200, {}, b"{}"))


def test_deadline_passed_during_the_token_exchange(pem: str) -> None:
    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    auth = ServiceAccountAuth({"client_email": "unit2@x.iam.gserviceaccount.com", "private_key": pem})
    policy = RetryPolicy(max_retries=5, clock=clock)
    flow = send_flow(HttpRequest("POST", "https://api.example/x", {}, b"{}"), auth, policy,
                     Timeout(total=2.0), False, lambda r: ProviderError("x"))  # fmt: skip
    next(flow)
    clock.now += 2.5
    token = json.dumps({"access_token": "ya29.fake2", "expires_in": 3599}).encode()
    with pytest.raises(APITimeoutError, match="total timeout"):
        flow.send(HttpResponse(200, {}, token))
