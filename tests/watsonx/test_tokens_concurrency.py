"""The IAM token under concurrency, over loopback: 50 threads on one ``Client`` and 50 tasks on
one ``AsyncClient``, all meeting an expired token, make exactly one IAM request; a refused
exchange fails every waiter with a typed error that holds no key.

The IAM endpoint sits behind a gate that answers only once the other 49 callers wait on the
refresh, so the test proves they waited rather than arrived after it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from _watsonx_helpers import CANARY_KEY, MODEL, options

import llmkit
from llmkit.auth import watsonx as wauth
from llmkit.auth.tokens import TokenManager
from llmkit.emulator import Emulator, Script, add_profile
from llmkit.emulator import watsonx_iam as emu_iam
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply
from llmkit.errors import AuthenticationError

N = 50
GATED = Profile("watsonx_iam_gated", f"{__name__}:gated", base_path="", auth_headers=(), credentials="none")


class Gate:
    def __init__(self) -> None:
        self.manager: TokenManager | None = None
        self.requests = 0
        self.refuse = False
        self.lock = threading.Lock()


GATE = Gate()


def gated(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    with GATE.lock:
        GATE.requests += 1
    until = time.monotonic() + 20  # a safety net only: the test fails on the count, not by hanging
    while time.monotonic() < until:
        if GATE.manager is not None and GATE.manager.waiting >= N - 1:
            break
        time.sleep(0.002)
    if GATE.refuse:
        return emu_iam.iam_error("BXNIM0415E", "Provided API key could not be found.")
    return emu_iam.handle(req, emu, profile)


@pytest.fixture(scope="module", autouse=True)
def _gated_profile() -> Iterator[None]:
    add_profile(GATED)
    yield
    PROFILES.pop(GATED.name, None)


@pytest.fixture
def gate(emu: Emulator) -> Iterator[Gate]:
    global GATE
    GATE = Gate()
    # The shared auth for this key and IAM URL, holding a token that expired a second ago.
    auth = wauth._iam(CANARY_KEY, wauth.iam_token_url(f"{emu.url}/watsonx_iam_gated"))
    GATE.manager = auth._tokens
    GATE.manager.settle("expired-iam-token", time.time() - 1, None)
    emu.script(*[Script(text="ok") for _ in range(N)])
    yield GATE


def _opts(emu: Emulator) -> dict[str, object]:
    return options(emu, iam_url=f"{emu.url}/watsonx_iam_gated", timeout=llmkit.Timeout(total=30))


def _sent_tokens(emu: Emulator) -> set[str]:
    return {r.headers["authorization"] for r in emu.requests if r.profile == "watsonx"}


def test_50_threads_on_an_expired_token_make_one_iam_request(emu: Emulator, gate: Gate) -> None:
    kw = _opts(emu)
    with llmkit.Client() as client, ThreadPoolExecutor(N) as pool:
        texts = list(pool.map(lambda _: client.complete(MODEL, "hi", **kw).text, range(N)))
    assert texts == ["ok"] * N and gate.requests == 1
    sent = _sent_tokens(emu)
    assert len(sent) == 1 and "expired-iam-token" not in next(iter(sent))


def test_50_tasks_on_an_expired_token_make_one_iam_request(emu: Emulator, gate: Gate) -> None:
    kw = _opts(emu)

    async def main() -> list[str]:
        async with llmkit.AsyncClient() as client:
            done = await asyncio.gather(*(client.complete(MODEL, "hi", **kw) for _ in range(N)))
        return [c.text for c in done]

    assert asyncio.run(main()) == ["ok"] * N and gate.requests == 1
    assert len(_sent_tokens(emu)) == 1


def test_a_refused_exchange_fails_every_waiter_typed(emu: Emulator, gate: Gate) -> None:
    gate.refuse = True
    kw = _opts(emu)

    async def main() -> list[BaseException | llmkit.Completion]:
        async with llmkit.AsyncClient() as client:
            calls = (client.complete(MODEL, "hi", **kw) for _ in range(N))
            return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(main())
    assert gate.requests == 1 and all(isinstance(r, AuthenticationError) for r in results)
    assert all("BXNIM0415E" in str(r) and CANARY_KEY not in str(r) for r in results)
    assert _sent_tokens(emu) == set()
