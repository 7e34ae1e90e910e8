"""Entra ID through an azure-identity-shaped credential on the token manager: 50 concurrent calls
(threads, then tasks) make one ``get_token`` call, and a token is reused until its margin."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

import llmkit
from llmkit.auth.azure import COGNITIVE_SERVICES_SCOPE, CredentialTokenAuth
from llmkit.auth.tokens import TokenManager
from llmkit.emulator import Emulator, Script

N = 50
CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


@dataclass
class AccessToken:
    token: str
    expires_on: int


class Credential:
    """Counts its refreshes; each is held until the other 49 callers wait on it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.manager: TokenManager | None = None

    def get_token(self, scope: str) -> AccessToken:
        self.calls.append(threading.current_thread().name)
        until = time.monotonic() + 20  # a safety net only; the count is what fails
        while time.monotonic() < until and (self.manager is None or self.manager.waiting < N - 1):
            time.sleep(0.002)
        return AccessToken(CANARY_KEY, int(time.time()) + 3600)


@pytest.mark.parametrize("mode", ["threads", "tasks"])
def test_entra_credential_refresh_is_single_flight(emu: Emulator, mode: str) -> None:
    cred = Credential()
    cred.manager = CredentialTokenAuth(cred, COGNITIVE_SERVICES_SCOPE)._tokens
    emu.script(*[Script(text="ok") for _ in range(N)])
    options = {"base_url": emu.base_url("azure_openai"), "azure_credential": cred}
    if mode == "threads":
        with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
            with ThreadPoolExecutor(N) as pool:
                texts = list(
                    pool.map(lambda _: client.complete("azure_openai/dep", "Hi", **options).text, range(N))
                )
    else:

        async def main() -> list[str]:
            async with llmkit.AsyncClient(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
                done = await asyncio.gather(
                    *(client.complete("azure_openai/dep", "Hi", **options) for _ in range(N))
                )
            return [c.text for c in done]

        texts = asyncio.run(main())
        assert cred.calls[0] != "MainThread"  # off the event loop
    assert texts == ["ok"] * N
    assert len(cred.calls) == 1
    cred.manager = None  # no holding now: the cached token serves the next call with no refresh
    emu.script(Script(text="again"))
    with llmkit.Client(max_retries=0) as client:
        assert client.complete("azure_openai/dep", "Hi", **options).text == "again"
    assert len(cred.calls) == 1


def test_entra_auth_repr_shows_no_token() -> None:
    cred = Credential()
    auth = CredentialTokenAuth(cred, COGNITIVE_SERVICES_SCOPE)
    assert CANARY_KEY not in repr(auth) and "Credential" in repr(auth)
