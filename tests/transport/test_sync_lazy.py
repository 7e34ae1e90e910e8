"""A sync transport makes nothing it has no request for: no httpx2 side (importing httpx2 is ~55 ms
of a first call) and no httpx2 client (its transport loads the CA bundle, ~25 ms) until a request
takes httpx2, and no TLS context for its own connections until an https request; a closed one makes
nothing new."""

from __future__ import annotations

import pytest

from llmkit.errors import ConfigurationError
from llmkit.transport.sync_http import SyncTransport


def test_a_new_transport_builds_no_httpx2_client_and_no_tls_context() -> None:
    transport = SyncTransport()
    assert transport._httpx is None
    assert transport._side()._client is None
    pool = transport._pool()
    assert pool._default_tls is None  # made at the first https request
    tls = pool._tls()
    assert pool._tls() is tls  # once: routes are kept per context
    transport.close()


def test_the_httpx2_client_is_made_once_at_first_use() -> None:
    transport = SyncTransport()
    side = transport._side()
    assert transport._side() is side
    client = side._default_client()
    assert side._default_client() is client
    assert side._builder is not None
    transport.close()
    assert client.is_closed


def test_a_closed_transport_makes_no_new_client_or_pool() -> None:
    transport = SyncTransport()
    transport.close()
    with pytest.raises(ConfigurationError, match="closed"):
        transport._side()
    with pytest.raises(ConfigurationError, match="closed"):
        transport._pool()


def test_a_side_made_before_close_makes_no_client_after_it() -> None:
    transport = SyncTransport()
    side = transport._side()
    transport.close()
    with pytest.raises(ConfigurationError, match="closed"):
        side._default_client()
