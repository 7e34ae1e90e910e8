"""SAP's token cache is per credential identity, the secret included: after a call with the
right client secret, a call with the same client id and a wrong secret asks the token URL again
(and is refused), instead of riding on the token the right secret got."""

from __future__ import annotations

import json
from collections.abc import Iterator

import _hostile11 as h
import pytest

import llmkit
from llmkit.errors import AuthenticationError


@pytest.fixture(scope="module")
def routed() -> Iterator[h.Routed]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AICORE_SERVICE_KEY", raising=False)
        yield from h.start()


def _key(url: str, secret: str) -> str:
    return json.dumps(
        {"clientid": "sb-same-id", "clientsecret": secret, "url": url, "serviceurls": {"AI_API_URL": url}}
    )


def test_a_wrong_secret_does_not_reuse_the_right_secrets_token(routed: h.Routed) -> None:
    answer = json.dumps(h.load("sap/orchestration-chat-completion-success-response.json")).encode()
    routed.serve(h.Reply(200, answer))
    ok = llmkit.complete(
        "sap/gpt-4o", "hi", service_key=_key(routed.url, "right-secret-1"), deployment_id="did00001"
    )
    assert ok.text
    routed.token_reply = h.Reply(401, b'{"error": "invalid_client", "error_description": "Bad credentials"}')
    routed.serve(h.Reply(200, answer))
    routed.paths.clear()
    try:
        with pytest.raises(AuthenticationError, match="client id and secret"):
            llmkit.complete(
                "sap/gpt-4o",
                "hi",
                service_key=_key(routed.url, "wrong-secret-2"),
                deployment_id="did00001",
                max_retries=0,
            )
    finally:
        routed.token_reply = None
    assert any(p.endswith("/oauth/token") for p in routed.paths)
