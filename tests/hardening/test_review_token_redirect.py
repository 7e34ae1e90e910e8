"""Review: a Google token endpoint answering 3xx. The exchange carries a signed assertion; it must
not be re-sent to the Location (307/308 would re-POST it), the call must fail typed, and neither
the assertion nor the Location's token may be reachable from the error (sync and async)."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any
from urllib.parse import parse_qs

import _transport_servers as ts  # tests/hardening/conftest.py: on sys.path
import pytest
from _walk import assert_no_secret

import llmkit
from llmkit.errors import LLMKitError

rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return str(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirecting_token_endpoint_sends_the_assertion_nowhere_else(
    mode: str, status: int, pem: str
) -> None:
    stolen: list[Any] = []
    assertions: list[str] = []
    path_token = "tok_" + secrets.token_hex(16)

    def thief(server: Any, sock: Any, f: Any) -> None:
        while (req := server.read(f)) is not None:
            stolen.append(req)
            ts.respond(sock, 200, json.dumps({"access_token": "ya29.stolen", "expires_in": 3600}).encode())

    with ts.Server(thief) as elsewhere:

        def token_endpoint(server: Any, sock: Any, f: Any) -> None:
            while (req := server.read(f)) is not None:
                if req.line.startswith("POST /token"):
                    assertions.extend(parse_qs(req.body.decode()).get("assertion", []))
                    location = f"http://127.0.0.1:{elsewhere.port}/steal/{path_token}?assertion=again"
                    ts.respond(sock, status, b"", {"Location": location})
                else:
                    ts.respond(sock, 200, b"{}")

        with ts.Server(token_endpoint) as server:
            info = {
                "type": "service_account",
                "project_id": "test-proj",
                "private_key_id": "kid-" + secrets.token_hex(8),
                "private_key": pem,
                "client_email": f"svc-{secrets.token_hex(4)}@test-proj.iam.gserviceaccount.com",
                "client_id": "1234",
                "token_uri": f"http://127.0.0.1:{server.port}/token",
            }
            kw = {
                "base_url": f"http://127.0.0.1:{server.port}/v1/projects/test-proj/locations/us-central1",
                "project": "test-proj",
                "credentials": info,
            }
            with pytest.raises(LLMKitError) as err:
                if mode == "sync":
                    llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", **kw)
                else:
                    asyncio.run(llmkit.acomplete("vertex_ai/gemini-2.5-pro", "hi", **kw))
    assert stolen == []
    assert len(assertions) == 1  # asked once, not retried
    assert [r.line for r in server.requests] == [server.requests[0].line]  # the API was never called
    assert_no_secret(err.value, *assertions, path_token, pem)
