"""Single-flight token refresh end to end over loopback HTTP: 50 concurrent calls on an expired
token make exactly one token request (threads on one ``Client``, tasks on one ``AsyncClient``),
the same for a google-auth library refresh, a failing refresh fails every waiter typed, and a
waiter's wait is bounded by its own call's total timeout.

The token endpoint is the emulator's Google OAuth endpoint behind a gate: it answers only once
the other 49 callers are waiting on the refresh, so the test proves they waited rather than
merely arriving after it.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import llmkit
from llmkit.auth import google as gauth
from llmkit.auth.tokens import TokenManager
from llmkit.emulator import Emulator, Script, add_profile, google_oauth
from llmkit.emulator import gemini as emu_gemini
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply, json_reply
from llmkit.errors import APITimeoutError, AuthenticationError
from llmkit.providers import get_spec, register
from llmkit.providers.google import SPECS

rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

N = 50
MODEL = "vertex_ai/gemini-2.5-pro"
GATED = Profile("gated_oauth", f"{__name__}:gated", base_path="", auth_headers=(), credentials="none")

for _spec in SPECS:
    try:
        get_spec(_spec.name)
    except llmkit.ConfigurationError:
        register(_spec)
for _profile in (emu_gemini.VERTEX, google_oauth.PROFILE):
    add_profile(_profile)


@pytest.fixture(scope="module", autouse=True)
def _gated_profile() -> Iterator[None]:
    # Only while this module runs: other tests list the emulator's profiles.
    add_profile(GATED)
    yield
    PROFILES.pop(GATED.name, None)


class Gate:
    """What the gated token endpoint waits for, and what it then answers."""

    def __init__(self) -> None:
        self.manager: TokenManager | None = None
        self.want = N - 1
        self.status = 200
        self.release = threading.Event()  # set: answer without waiting for waiters
        self.requests = 0
        self.lock = threading.Lock()


GATE = Gate()


def gated(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    with GATE.lock:
        GATE.requests += 1
    until = time.monotonic() + 20  # a safety net only: the test fails on the count, not by hanging
    while time.monotonic() < until and not GATE.release.is_set():
        if GATE.manager is not None and GATE.manager.waiting >= GATE.want:
            break
        time.sleep(0.002)
    if GATE.status != 200:
        return json_reply(GATE.status, {"error": "backend_error", "error_description": "try later"})
    return google_oauth.handle(req, emu, profile)


@pytest.fixture(scope="module")
def service_account(emulator: Emulator) -> dict[str, Any]:
    return google_oauth.new_service_account(emulator, "tokens", token_path="gated_oauth")


@pytest.fixture
def gate() -> Iterator[Gate]:
    global GATE
    GATE = Gate()
    gauth._SHARED.clear()
    yield GATE
    GATE.release.set()
    gauth._SHARED.clear()


def _options(emu: Emulator, credentials: Any) -> dict[str, Any]:
    return {
        "base_url": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "project": "test-proj",
        "credentials": credentials,
    }


def _expired_manager(service_account: dict[str, Any]) -> TokenManager:
    """The shared auth's manager, holding a token that expired a second ago."""
    auth = gauth.from_info(service_account)
    manager: TokenManager = auth._tokens  # type: ignore[attr-defined]
    manager.settle("ya29.expired-token", time.time() - 1, None)
    return manager


def _token_requests(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.full_path == "/gated_oauth/token")


def _script(emu: Emulator) -> None:
    emu.script(*[Script(text="ok") for _ in range(N)])


def test_threads_on_one_client_make_one_token_request(
    emu: Emulator, gate: Gate, service_account: dict[str, Any]
) -> None:
    gate.manager = _expired_manager(service_account)
    _script(emu)
    options = _options(emu, service_account)
    with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
        with ThreadPoolExecutor(N) as pool:
            texts = list(pool.map(lambda _: client.complete(MODEL, "hi", **options).text, range(N)))
    assert texts == ["ok"] * N
    assert (_token_requests(emu), gate.requests) == (1, 1)
    sent = {r.headers["authorization"] for r in emu.requests if r.profile == "vertex_ai"}
    assert len(sent) == 1 and "ya29.expired-token" not in next(iter(sent))


def test_tasks_on_one_async_client_make_one_token_request(
    emu: Emulator, gate: Gate, service_account: dict[str, Any]
) -> None:
    gate.manager = _expired_manager(service_account)
    _script(emu)
    options = _options(emu, service_account)

    async def main() -> list[str]:
        async with llmkit.AsyncClient(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
            done = await asyncio.gather(*(client.complete(MODEL, "hi", **options) for _ in range(N)))
        return [c.text for c in done]

    assert asyncio.run(main()) == ["ok"] * N
    assert (_token_requests(emu), gate.requests) == (1, 1)


@pytest.mark.parametrize("status", [500, 400])
def test_a_failing_refresh_fails_every_waiter_typed(
    emu: Emulator, gate: Gate, service_account: dict[str, Any], status: int
) -> None:
    gate.manager = _expired_manager(service_account)
    gate.status = status
    options = _options(emu, service_account)

    def call(_: int) -> BaseException | None:
        try:
            client.complete(MODEL, "hi", **options)
        except Exception as exc:
            return exc
        return None

    with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
        with ThreadPoolExecutor(N) as pool:
            outcomes = list(pool.map(call, range(N)))
    assert all(isinstance(e, AuthenticationError) for e in outcomes), {type(e) for e in outcomes}
    assert {e.status_code for e in outcomes if isinstance(e, AuthenticationError)} == {status}
    assert (_token_requests(emu), gate.requests) == (1, 1)
    assert not any(r.profile == "vertex_ai" for r in emu.requests)


def test_a_waiters_wait_is_bounded_by_its_total_timeout(
    emu: Emulator, gate: Gate, service_account: dict[str, Any]
) -> None:
    manager = _expired_manager(service_account)
    gate.want = N * 10  # never reached: the gate holds the refresh until released
    emu.script(Script(text="owner"))
    options = _options(emu, service_account)
    with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as owner_client:
        with ThreadPoolExecutor(1) as pool:
            owner = pool.submit(owner_client.complete, MODEL, "hi", **options)
            while manager.waiting == 0 and gate.requests == 0:  # the owner's token request is out
                time.sleep(0.002)
            with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=0.3)) as hasty:
                with pytest.raises(APITimeoutError, match="another call's token refresh"):
                    hasty.complete(MODEL, "hi", **options)

            async def hasty_task() -> None:
                async with llmkit.AsyncClient(max_retries=0, timeout=llmkit.Timeout(total=0.3)) as c:
                    await c.complete(MODEL, "hi", **options)

            with pytest.raises(APITimeoutError, match="another call's token refresh"):
                asyncio.run(hasty_task())
            gate.release.set()
            assert owner.result(timeout=30).text == "owner"  # the refresh itself ran on
    assert gate.requests == 1


class LibraryCredentials:
    """A google-auth-shaped credential whose refresh is counted and held until 49 callers wait."""

    quota_project_id = None

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.token: str | None = None
        self.expiry: datetime.datetime | None = None
        self.refreshes = 0
        self.manager: TokenManager | None = None

    @property
    def valid(self) -> bool:
        return self.token is not None

    def refresh(self, request: Any) -> None:
        self.refreshes += 1
        until = time.monotonic() + 20
        while time.monotonic() < until and (self.manager is None or self.manager.waiting < N - 1):
            time.sleep(0.002)
        token = f"ya29.library-{self.refreshes}"
        google_oauth.store_for(self.emu).tokens[token] = time.time() + 3600  # live at the emulator
        self.token = token
        self.expiry = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(hours=1)


@pytest.mark.parametrize("mode", ["threads", "tasks"])
def test_a_library_refresh_is_single_flight(
    emu: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("google.auth.transport.requests")
    blocking: list[str] = []
    real = gauth.GoogleAuthLibraryAuth._refresh

    def counted(self: gauth.GoogleAuthLibraryAuth) -> tuple[str, float]:
        blocking.append(threading.current_thread().name)
        return real(self)

    # Counted at the Blocking call itself: the library's own re-check of ``valid`` would hide
    # callers that ran a refresh action of their own after the first one finished.
    monkeypatch.setattr(gauth.GoogleAuthLibraryAuth, "_refresh", counted)
    creds = LibraryCredentials(emu)
    creds.manager = gauth.GoogleAuthLibraryAuth(creds)._tokens
    _script(emu)
    options = _options(emu, creds)
    if mode == "threads":
        with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
            with ThreadPoolExecutor(N) as pool:
                texts = list(pool.map(lambda _: client.complete(MODEL, "hi", **options).text, range(N)))
    else:

        async def main() -> list[str]:
            async with llmkit.AsyncClient(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
                done = await asyncio.gather(*(client.complete(MODEL, "hi", **options) for _ in range(N)))
            return [c.text for c in done]

        texts = asyncio.run(main())
    assert texts == ["ok"] * N
    assert (len(blocking), creds.refreshes) == (1, 1)
    if mode == "tasks":
        assert blocking[0] != "MainThread"  # run off the event loop
