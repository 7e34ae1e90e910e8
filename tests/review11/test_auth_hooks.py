"""The optional auth hooks are explicit protocols (``llmkit.auth.base.TokenRejecting`` /
``AddressRejecting``): every token-exchange auth implements the first, SAP's the second, and
``send_flow`` consults them through the protocol, once per call."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from llmkit._retry import RetryPolicy, Send, Timeout, send_flow
from llmkit.auth import azure, copilot, gigachat, google_token, sap, snowflake, watsonx
from llmkit.auth.base import AddressRejecting, AuthFlow, TokenRejecting
from llmkit.errors import NotFoundError, ProviderError
from llmkit.wire import HttpRequest, HttpResponse

REQUEST = HttpRequest("POST", "https://x.test/v1/chat", {}, b"{}", {})
OK = HttpResponse(200, {}, b"{}")


def test_every_exchange_auth_implements_the_token_hook() -> None:
    for cls in (
        azure._RejectedOn401,
        watsonx.IamTokenAuth,
        sap.SapAuth,
        google_token._RefreshingAuth,
        gigachat.GigaChatAuth,
        snowflake.KeyPairAuth,
        copilot.CopilotAuth,
    ):
        assert issubclass(cls, TokenRejecting), cls
    assert issubclass(sap.SapAuth, AddressRejecting)


@dataclass
class Hooked:
    calls: list[str] = field(default_factory=list)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        self.calls.append("auth")
        return request
        yield  # a generator

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        self.calls.append("token")
        return True

    def address_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        self.calls.append("address")
        return True


class Unhooked:
    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return request
        yield


def _drive(auth: object, answers: list[HttpResponse]) -> tuple[int, object]:
    policy = RetryPolicy(max_retries=0, rng=random.Random(1))
    flow = send_flow(REQUEST, auth, policy, Timeout(), False, lambda r: NotFoundError(f"HTTP {r.status}"))  # type: ignore[arg-type]
    sends = 0
    try:
        action = next(flow)
        while True:
            assert isinstance(action, Send)
            sends += 1
            action = flow.send(answers.pop(0))
    except StopIteration as done:
        return sends, done.value
    except ProviderError as exc:
        return sends, exc


def test_hooks_are_consulted_through_the_protocol_once_per_call() -> None:
    auth = Hooked()
    assert isinstance(auth, TokenRejecting) and isinstance(auth, AddressRejecting)
    sends, result = _drive(auth, [HttpResponse(401, {}, b""), HttpResponse(401, {}, b""), OK])
    # One re-auth after the first 401; the second 401 is final.
    assert sends == 2 and isinstance(result, ProviderError)
    assert auth.calls.count("token") == 1
    auth = Hooked()
    sends, result = _drive(auth, [HttpResponse(404, {}, b""), OK])
    assert sends == 2 and result is OK and auth.calls.count("address") == 1


def test_an_auth_without_hooks_is_not_retried() -> None:
    assert not isinstance(Unhooked(), TokenRejecting)
    sends, result = _drive(Unhooked(), [HttpResponse(401, {}, b"")])
    assert sends == 1 and isinstance(result, ProviderError)
