"""GigaChat's OAuth exchange on the token manager under concurrency: 50 threads on one Client
and 50 tasks on one AsyncClient, all on an expired token, make exactly one token request. The
OAuth endpoint answers only once the other 49 callers wait on the refresh, so the test proves
they waited rather than arrived after it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

import llmkit
from llmkit.auth import gigachat as gauth
from llmkit.auth.tokens import TokenManager
from llmkit.emulator import Emulator, Script, add_profile
from llmkit.emulator import gigachat as giga_emu
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply
from llmkit.errors import APITimeoutError

N = 50
MODEL = "gigachat/GigaChat"
GATED = Profile("gigachat_gated", f"{__name__}:gated", base_path="/api/v1", auth_headers=())
SLOW = Profile("gigachat_slow", f"{__name__}:slow", base_path="/api/v1", auth_headers=())
WAITING: list[TokenManager] = []


def gated(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.path == "/api/v2/oauth":
        until = time.monotonic() + 20  # a safety net only: the test fails on the count
        while time.monotonic() < until and not (WAITING and WAITING[0].waiting >= N - 1):
            time.sleep(0.002)
    return giga_emu.handle(req, emu, profile)


def slow(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    if req.path == "/api/v2/oauth":
        time.sleep(3)  # longer than the call's whole deadline
    return giga_emu.handle(req, emu, profile)


@pytest.fixture(scope="module", autouse=True)
def _gated_profile() -> Iterator[None]:
    add_profile(GATED)
    add_profile(SLOW)
    yield
    PROFILES.pop(GATED.name, None)
    PROFILES.pop(SLOW.name, None)


@pytest.fixture
def expired(giga: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenManager]:
    url = f"{giga.url}/{GATED.name}/api/v2/oauth"
    monkeypatch.setenv("GIGACHAT_BASE_URL", giga.base_url(GATED.name))
    monkeypatch.setenv("GIGACHAT_AUTH_URL", url)
    manager = gauth._manager(url, gauth.DEFAULT_SCOPE, giga_emu.DEFAULT_CREDENTIALS)
    manager.settle("emu-giga-expired", time.time() - 1, None)
    WAITING[:] = [manager]
    giga.script(*[Script(text="ok") for _ in range(N)])
    yield manager
    WAITING.clear()


def _oauth(emu: Emulator) -> int:
    return sum(1 for r in emu.requests if r.path == "/api/v2/oauth")


def test_50_threads_make_one_token_request(giga: Emulator, expired: TokenManager) -> None:
    with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
        with ThreadPoolExecutor(N) as pool:
            texts = list(pool.map(lambda _: client.complete(MODEL, "hi").text, range(N)))
    assert texts == ["ok"] * N
    assert _oauth(giga) == 1
    sent = {r.headers["authorization"] for r in giga.requests if r.path == "/api/v1/chat/completions"}
    assert len(sent) == 1 and "emu-giga-expired" not in next(iter(sent))


def test_50_tasks_make_one_token_request(giga: Emulator, expired: TokenManager) -> None:
    async def main() -> list[str]:
        async with llmkit.AsyncClient(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
            done = await asyncio.gather(*(client.complete(MODEL, "hi") for _ in range(N)))
        return [c.text for c in done]

    assert asyncio.run(main()) == ["ok"] * N
    assert _oauth(giga) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_exchange_gets_the_calls_remaining_deadline(
    giga: Emulator, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIGACHAT_BASE_URL", giga.base_url(SLOW.name))
    monkeypatch.setenv("GIGACHAT_AUTH_URL", f"{giga.url}/{SLOW.name}/api/v2/oauth")
    timeout = llmkit.Timeout(total=0.5)
    with pytest.raises(APITimeoutError):
        if mode == "sync":
            llmkit.complete(MODEL, "hi", max_retries=0, timeout=timeout)
        else:
            asyncio.run(llmkit.acomplete(MODEL, "hi", max_retries=0, timeout=timeout))
    assert not [r for r in giga.requests if r.path == "/api/v1/chat/completions"]
