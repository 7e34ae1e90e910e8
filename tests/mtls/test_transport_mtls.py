"""HttpRequest.client_cert through both transports over real loopback TLS against a server that
requires a client certificate: presented when set, per identity; refused typed without it or with
one from another CA; requests without one keep the default client."""

from __future__ import annotations

import asyncio
import json

import pytest

from llmkit._timeout import Timeout
from llmkit._tls import ClientIdentity, client_identity
from llmkit.errors import APIConnectionError, ConfigurationError
from llmkit.transport.async_http import AsyncTransport
from llmkit.transport.sync_http import SyncTransport
from llmkit.wire import HttpRequest, HttpResponse

from .conftest import MtlsServer, Pki

T = Timeout(connect=5.0, read=5.0)


def _send(mode: str, req: HttpRequest) -> HttpResponse:
    if mode == "sync":
        t = SyncTransport()
        try:
            return t.send(req, False, T)
        finally:
            t.close()

    async def main() -> HttpResponse:
        a = AsyncTransport()
        try:
            return await a.send(req, False, T)
        finally:
            await a.aclose()

    return asyncio.run(main())


def _whoami(mtls: MtlsServer, pki: Pki, identity: ClientIdentity | None) -> HttpRequest:
    return HttpRequest("GET", f"{mtls.url}/whoami", ca_bundle=str(pki.ca_file), client_cert=identity)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("form", ["text", "paths"])
def test_the_identity_is_presented(mtls: MtlsServer, pki: Pki, mode: str, form: str) -> None:
    identity = (
        client_identity(pki.client_cert, pki.client_key, "text")
        if form == "text"
        else client_identity(str(pki.client_cert_file), str(pki.client_key_file), "paths")
    )
    resp = _send(mode, _whoami(mtls, pki, identity))
    assert resp.status == 200 and json.loads(resp.body) == {"cn": "sb-emulator-client!b1|aicore!b540"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_certificate_is_a_typed_connection_error(mtls: MtlsServer, pki: Pki, mode: str) -> None:
    with pytest.raises(APIConnectionError):
        _send(mode, _whoami(mtls, pki, None))
    assert mtls.peers == []


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_certificate_from_another_ca_is_refused_typed(mtls: MtlsServer, pki: Pki, mode: str) -> None:
    rogue = client_identity(pki.rogue_cert, pki.rogue_key, "rogue")
    with pytest.raises(APIConnectionError) as info:
        _send(mode, _whoami(mtls, pki, rogue))
    assert pki.rogue_key.splitlines()[1] not in repr(info.value)
    assert mtls.peers == []


def test_sync_connections_are_kept_per_identity(mtls: MtlsServer, pki: Pki) -> None:
    t = SyncTransport()
    try:
        one = client_identity(pki.client_cert, pki.client_key, "one")
        for _ in range(3):
            assert t.send(_whoami(mtls, pki, one), False, T).status == 200
        pool = t._h1
        assert pool is not None and len(pool._all) == 1  # one connection, reused
        assert all(one.key not in str(k) for k in pool._routes)
        other = client_identity(str(pki.client_cert_file), str(pki.client_key_file), "two")
        assert t.send(_whoami(mtls, pki, other), False, T).status == 200
        # Another identity is another TLS context: never a connection made for the first one.
        assert len({conn.origin for conn in pool._all}) == 2
    finally:
        t.close()


def test_a_callers_own_http_client_cannot_take_a_client_certificate(mtls: MtlsServer, pki: Pki) -> None:
    import httpx2

    with httpx2.Client() as own:
        t = SyncTransport(http_client=own)
        identity = client_identity(pki.client_cert, pki.client_key, "x")
        req = HttpRequest("GET", f"{mtls.url}/whoami", client_cert=identity)
        with pytest.raises(ConfigurationError, match="client certificate cannot reach"):
            t.send(req, False, T)
