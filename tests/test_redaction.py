"""The canary key never shows: not in errors, reprs, pickles, tracebacks or log records.

The emulator echoes a wrong key back in its 401 message (as OpenAI does), so these tests see
the key really arrive in a response body and check that it is scrubbed on the way out.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.errors import (
    AuthenticationError,
    ProviderError,
    ResponseDecodeError,
    StreamInterruptedError,
    ToolArgumentsError,
)
from llmkit.wire import HttpRequest

MODEL = "openai/gpt-4o-mini"
# A second secret with no well-known key shape, so only the "remember every resolved key" layer can catch it.
PLAIN_KEY = "plainCanary7f3a9c2e41d84b6fZZ"


@pytest.fixture(scope="module")
def strict_emu() -> Iterator[Emulator]:
    """An emulator that accepts none of our keys: every call gets a 401 that echoes the key."""
    with Emulator(api_key="expected-key-that-nobody-sends-00") as emu:
        yield emu


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(mode: str, base_url: str, key: str, *, streamed: bool = False, **kw: Any) -> Any:
    async def main() -> Any:
        if mode == "sync":
            with llmkit.Client(api_key=key, base_url=base_url, max_retries=0) as c:
                if streamed:
                    with c.stream(MODEL, "hi", **kw) as s:
                        return s.completion
                return c.complete(MODEL, "hi", **kw)
        async with llmkit.AsyncClient(api_key=key, base_url=base_url, max_retries=0) as ac:
            if streamed:
                async with ac.stream(MODEL, "hi", **kw) as s:
                    return await s.get_completion()
            return await ac.complete(MODEL, "hi", **kw)

    return asyncio.run(main())


def every_view(exc: BaseException) -> list[str]:
    views = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
    views += [repr(getattr(exc, name, None)) for name in ("body", "message", "__notes__", "raw_arguments")]
    views.append(repr(pickle.dumps(exc)))
    again = pickle.loads(pickle.dumps(exc))
    views += [str(again), repr(again), repr(again.args), repr(getattr(again, "body", None))]
    return views


def assert_absent(secret: str, views: list[str]) -> None:
    for i, text in enumerate(views):
        assert secret not in text, f"secret leaked in view {i}: {text[:300]}"


def assert_not_logged(secret: str, caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_info or "")
        assert secret not in text, f"secret leaked into log record from {record.name}"


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
def test_wrong_key_error_never_shows_the_key(
    mode: str, emu: Emulator, strict_emu: Emulator, streamed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    key = str(emu.api_key)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info:
        call(mode, strict_emu.base_url(), key, streamed=streamed)
    exc = info.value
    # the key really reached the server and came back in the body: this test is not vacuous
    assert key in strict_emu.requests[-1].headers["authorization"]
    assert "Incorrect API key provided" in str(exc)
    assert exc.status_code == 401 and exc.provider == "openai"
    assert_absent(key, every_view(exc))
    assert_not_logged(key, caplog)


def test_pickled_error_keeps_its_fields(mode: str, emu: Emulator, strict_emu: Emulator) -> None:
    with pytest.raises(AuthenticationError) as info:
        call(mode, strict_emu.base_url(), str(emu.api_key))
    exc = info.value
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is AuthenticationError
    assert (again.status_code, again.provider, again.model, again.error_code) == (
        401,
        "openai",
        "gpt-4o-mini",
        "invalid_api_key",
    )
    assert again.request_id == exc.request_id
    assert str(again) == str(exc)
    assert again.body == exc.body


def test_key_without_a_known_shape_is_scrubbed_too(
    mode: str, strict_emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthenticationError) as info:
        call(mode, strict_emu.base_url(), PLAIN_KEY)
    assert PLAIN_KEY in strict_emu.requests[-1].headers["authorization"]
    assert_absent(PLAIN_KEY, every_view(info.value))
    assert_not_logged(PLAIN_KEY, caplog)


def test_debug_logs_of_a_successful_call_hold_no_key(
    mode: str, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu.script(Script(text="fine"))
    key = str(emu.api_key)
    assert call(mode, emu.base_url(), key).text == "fine"
    assert any(r.name.startswith("llmkit") for r in caplog.records), "llmkit logged nothing at DEBUG"
    assert_not_logged(key, caplog)


def test_stream_interrupted_error_with_partial_pickles_without_key(mode: str, emu: Emulator) -> None:
    emu.script(
        Script(tool_calls=[ScriptedCall("lookup", {"q": "some query"}, id="call_1")], fault="cut", after=3)
    )
    with pytest.raises(StreamInterruptedError) as info:
        call(mode, emu.base_url(), str(emu.api_key), streamed=True)
    exc = info.value
    again = pickle.loads(pickle.dumps(exc))
    assert again.partial is not None and again.partial.tool_calls[0].name == "lookup"
    assert again.events_received == exc.events_received
    assert_absent(str(emu.api_key), every_view(exc))


def test_client_reprs_mask_keys(emu: Emulator) -> None:
    key = str(emu.api_key)
    for client in (
        llmkit.Client(api_key=key),
        llmkit.AsyncClient(api_key=key),
        llmkit.Client(api_keys={"openai": key, "other": PLAIN_KEY}),
    ):
        text = repr(client) + str(client)
        assert key not in text and PLAIN_KEY not in text
        assert key[-10:] not in text


@pytest.mark.parametrize(
    "header", ["authorization", "x-api-key", "api-key", "x-goog-api-key", "Authorization"]
)
def test_request_repr_masks_credential_headers(emu: Emulator, header: str) -> None:
    key = str(emu.api_key)
    req = HttpRequest("POST", "https://api.example.test/v1/chat", {header: f"Bearer {key}", "x-other": "v"})
    assert key not in repr(req)
    assert "x-other" in repr(req)


def test_request_repr_masks_credentials_in_the_query(emu: Emulator) -> None:
    key = str(emu.api_key)
    req = HttpRequest("GET", f"https://generativelanguage.example.test/v1/models?key={key}&alt=sse")
    assert key not in repr(req)


def test_decode_and_tool_errors_scrub_snippets(emu: Emulator) -> None:
    key = str(emu.api_key)
    llmkit.Client(api_key=key)  # the client remembers the key for scrubbing
    errors = [
        ResponseDecodeError("bad body", provider="openai", snippet=f'{{"echo": "{key}"}}'.encode()),
        ToolArgumentsError("bad args", raw_arguments=f'{{"token": "{key}"'),
        ProviderError("x", status_code=400, body={"error": {"message": f"key {key}", "list": [key]}}),
    ]
    for exc in errors:
        assert_absent(key, every_view(exc))


def test_image_reprs_hide_a_signed_urls_query_and_pickle_without_it(emu: Emulator) -> None:
    # Issue 12: a returned image URL's query is a credential (Azure SAS, S3 signatures).
    from llmkit.images import GeneratedImage, Images

    url = "https://blob.example/img.png?sv=2024&sig=SECRETSIG%3D"
    image = GeneratedImage(None, "image/png", url)
    out = Images([image], "m", "p")
    for text in (repr(image), str(image), repr(out), str(out)):
        assert "SECRETSIG" not in text and "blob.example/img.png" in text
    assert pickle.loads(pickle.dumps(out)).images[0].url == url  # kept for fetch(), never shown


def test_a_client_identity_never_shows_or_pickles_its_key() -> None:
    # Mutual TLS (SAP X.509 service keys): the private key lives in a ClientIdentity and the
    # credentials holding it; neither shows it, and pickling refuses rather than carrying it.
    from llmkit._tls import client_identity
    from llmkit.auth.sap_key import SapCredentials

    key = "-----BEGIN PRIVATE KEY-----\nQ0FOQVJZLWtleS1ib2R5\n-----END PRIVATE KEY-----\n"
    identity = client_identity("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n", key, "t")
    creds = SapCredentials("client", "https://a.example/oauth/token", None, "", identity)
    for obj in (identity, creds, HttpRequest("POST", "https://a.example/oauth/token", client_cert=identity)):
        assert "Q0FOQVJZ" not in repr(obj) + str(obj)
        with pytest.raises(TypeError):
            pickle.dumps(obj)
