"""Auth flows do I/O only through the driver: ``Send`` for token requests, ``Blocking`` for
credential libraries (run inline by the sync client, in a worker thread by the async one).

Two places did I/O while a call was being prepared (on the event loop, for an async call): the
google-auth Application Default Credentials lookup (``google.auth.default`` may probe the GCE
metadata server over HTTP), and credential files, read again on every call that passes options.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from _resolve_recorder import HeadRecorder

import llmkit
from llmkit.auth import google as gauth
from llmkit.auth.base import AuthInputs, Blocking
from llmkit.wire import HttpRequest

GEMINI_BODY = {
    "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
}


class FakeCredentials:
    valid = True
    token = "ya29.from-the-library"
    quota_project_id = None

    def refresh(self, request: Any) -> None:  # pragma: no cover  (valid: never refreshed)
        raise AssertionError("no refresh expected")


@pytest.fixture
def library_adc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """No key file anywhere, so ADC falls to google-auth, whose ``default`` is recorded."""
    google_auth = pytest.importorskip("google.auth")
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # an empty gcloud folder
    monkeypatch.delenv("VERTEX_AI_BASE_URL", raising=False)
    monkeypatch.setattr(gauth, "_LIBRARY_ADC", {})
    calls: list[str] = []

    def default(scopes: Any = None, **_: Any) -> tuple[FakeCredentials, str]:
        calls.append(threading.current_thread().name)
        return FakeCredentials(), "proj"

    monkeypatch.setattr(google_auth, "default", default)
    return calls


def _inputs(**options: Any) -> AuthInputs:
    return AuthInputs("vertex_ai", (), None, options, {})


def test_preparing_a_call_does_not_look_up_library_credentials(library_adc: list[str]) -> None:
    auth = gauth.vertex_auth(_inputs())
    assert library_adc == []  # nothing looked up while the call is prepared
    assert gauth.vertex_auth(_inputs()) is auth  # one per scope set, shared across calls
    flow = auth.auth_flow(HttpRequest("POST", "https://example.invalid/x"))
    action = next(flow)
    assert isinstance(action, Blocking)  # the lookup is an action the driver runs
    with pytest.raises(StopIteration) as done:
        flow.send(action.fn())
    assert done.value.value.headers["authorization"] == "Bearer ya29.from-the-library"
    assert len(library_adc) == 1
    # Found once: the next request needs no lookup (the library's token is still valid).
    again = auth.auth_flow(HttpRequest("POST", "https://example.invalid/x"))
    with pytest.raises(StopIteration):
        next(again)
    assert len(library_adc) == 1


def test_an_async_call_looks_up_library_credentials_off_the_event_loop(library_adc: list[str]) -> None:
    server = HeadRecorder(GEMINI_BODY)
    loop_thread: list[str] = []

    async def main() -> str:
        loop_thread.append(threading.current_thread().name)
        async with llmkit.AsyncClient() as client:
            c = await client.complete("vertex_ai/gemini-2.5-pro", "hi", base_url=server.url, max_retries=0)
            return c.text

    try:
        assert asyncio.run(main()) == "ok"
    finally:
        server.close()
    assert len(library_adc) == 1 and library_adc[0] != loop_thread[0]
    assert ("authorization", "Bearer ya29.from-the-library") in [(k.lower(), v) for k, v in server.heads[0]]


def test_a_credentials_file_is_read_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    info = {
        "type": "authorized_user",
        "client_id": "file-client",
        "client_secret": "file-secret-value-0000",
        "refresh_token": "file-refresh-value-0000",
    }
    path = tmp_path / "adc.json"
    path.write_text(json.dumps(info))
    reads: list[Path] = []
    real = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(self)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    first = gauth.vertex_auth(_inputs(credentials=str(path)))
    assert gauth.vertex_auth(_inputs(credentials=str(path))) is first
    assert reads.count(path) == 1
    # A changed file is read again (and names another credential).
    path.write_text(json.dumps({**info, "client_id": "another-client-longer"}))
    other = gauth.vertex_auth(_inputs(credentials=str(path)))
    assert reads.count(path) == 2
    assert isinstance(other, gauth.AuthorizedUserAuth) and other.client_id == "another-client-longer"
