"""Azure ``azure_ad_token_provider=`` and ``entra_id=True`` on the token manager: 50 threads and
50 tasks on one provider make one provider call; a JWT's ``exp`` says how long its token is
reused, an opaque string is reused ``OPAQUE_REUSE`` seconds at most; a 401 brings one refresh and
one resend; ``entra_id=True`` probes one DefaultAzureCredential per process."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import threading
import time
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

import llmkit
from llmkit.auth import azure as azure_auth
from llmkit.auth.azure import OPAQUE_REUSE, PROVIDER_MARGIN, BearerTokenAuth, jwt_expiry
from llmkit.auth.tokens import TokenManager
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import AuthenticationError

N = 50
MODEL = "azure_openai/dep"


def jwt(exp: float, n: int = 0) -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'exp': int(exp), 'n': n, 'aud': 'cog'})}.c2ln"


@pytest.fixture(scope="module")
def open_emu() -> Iterator[Emulator]:
    # Takes any bearer token, so the tokens the providers here make are accepted.
    with Emulator() as emu:
        yield emu


@pytest.fixture
def azure(open_emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    monkeypatch.delenv("AZURE_OPENAI_API_KEY", raising=False)
    open_emu.reset()
    return open_emu


class Provider:
    """A token provider that counts its calls; the first is held until 49 callers wait on it."""

    def __init__(self, lifetime: float | None = 3600.0, hold: bool = False) -> None:
        self.calls: list[str] = []
        self.lifetime = lifetime
        self.manager: TokenManager | None = None
        self.hold = hold

    def __call__(self) -> str:
        self.calls.append(threading.current_thread().name)
        until = time.monotonic() + 20  # a safety net only; the count is what fails
        while (
            self.hold and time.monotonic() < until and (self.manager is None or self.manager.waiting < N - 1)
        ):
            time.sleep(0.002)
        self.hold = False
        n = len(self.calls)
        return f"opaque-token-{n}" if self.lifetime is None else jwt(time.time() + self.lifetime, n)


def _options(emu: Emulator, provider: Any) -> dict[str, Any]:
    return {"base_url": emu.base_url("azure_openai"), "azure_ad_token_provider": provider}


def _sent(emu: Emulator) -> list[str]:
    return [r.headers["authorization"] for r in emu.requests if r.path.endswith("/chat/completions")]


@pytest.mark.parametrize("mode", ["threads", "tasks"])
def test_50_concurrent_calls_make_one_provider_call(azure: Emulator, mode: str) -> None:
    provider = Provider(hold=True)
    provider.manager = BearerTokenAuth(provider)._tokens
    azure.script(*[Script(text="ok") for _ in range(N)])
    options = _options(azure, provider)
    if mode == "threads":
        with llmkit.Client(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
            with ThreadPoolExecutor(N) as pool:
                texts = list(pool.map(lambda _: client.complete(MODEL, "Hi", **options).text, range(N)))
    else:

        async def main() -> list[str]:
            async with llmkit.AsyncClient(max_retries=0, timeout=llmkit.Timeout(total=30)) as client:
                done = await asyncio.gather(*(client.complete(MODEL, "Hi", **options) for _ in range(N)))
            return [c.text for c in done]

        texts = asyncio.run(main())
        assert provider.calls[0] != "MainThread"  # off the event loop
    assert texts == ["ok"] * N
    assert len(provider.calls) == 1
    assert len(set(_sent(azure))) == 1


def test_a_jwt_is_reused_until_its_exp_margin(azure: Emulator) -> None:
    long_lived, short_lived = Provider(3600.0), Provider(PROVIDER_MARGIN - 5)
    azure.script(*[Script(text="ok") for _ in range(4)])
    for provider in (long_lived, short_lived):
        for _ in range(2):
            llmkit.complete(MODEL, "Hi", **_options(azure, provider))
    assert len(long_lived.calls) == 1  # an hour left: cached
    assert len(short_lived.calls) == 2  # inside the margin: asked again


def test_an_opaque_token_is_reused_for_a_short_while(azure: Emulator) -> None:
    provider = Provider(lifetime=None)
    auth = BearerTokenAuth(provider)
    azure.script(*[Script(text="ok") for _ in range(3)])
    for _ in range(2):
        llmkit.complete(MODEL, "Hi", **_options(azure, provider))
    assert len(provider.calls) == 1
    # Once OPAQUE_REUSE - margin has passed it is refreshed.
    auth._tokens.clock = lambda: time.time() + OPAQUE_REUSE - PROVIDER_MARGIN + 1
    try:
        llmkit.complete(MODEL, "Hi", **_options(azure, provider))
    finally:
        auth._tokens.clock = time.time
    assert len(provider.calls) == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_401_refreshes_once_and_resends(azure: Emulator, mode: str) -> None:
    provider = Provider()
    azure.script(Script(error=ScriptedError(401, "Access token has expired")), Script(text="after refresh"))
    options = _options(azure, provider)
    if mode == "sync":
        text = llmkit.complete(MODEL, "Hi", max_retries=0, **options).text
    else:
        text = asyncio.run(llmkit.acomplete(MODEL, "Hi", max_retries=0, **options)).text
    assert text == "after refresh"
    assert len(provider.calls) == 2
    first, second = _sent(azure)
    assert first != second


def test_a_second_401_is_the_callers_error_after_one_refresh(azure: Emulator) -> None:
    provider = Provider()
    azure.script(Script(error=ScriptedError(401, "expired")), Script(error=ScriptedError(401, "still no")))
    with pytest.raises(AuthenticationError):
        llmkit.complete(MODEL, "Hi", max_retries=0, **_options(azure, provider))
    assert len(provider.calls) == 2 and len(_sent(azure)) == 2


@dataclass
class AccessToken:
    token: str
    expires_on: int


def test_a_provider_may_answer_an_access_token(azure: Emulator) -> None:
    calls: list[int] = []

    def provider() -> AccessToken:
        calls.append(1)
        return AccessToken("opaque-but-dated", int(time.time()) + 3600)

    azure.script(Script(text="a"), Script(text="b"))
    for _ in range(2):
        llmkit.complete(MODEL, "Hi", **_options(azure, provider))
    assert len(calls) == 1 and _sent(azure) == ["Bearer opaque-but-dated"] * 2


def test_entra_id_probes_one_default_credential(azure: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    tokens: list[str] = []

    class DefaultAzureCredential:
        def __init__(self) -> None:
            made.append(1)

        def get_token(self, scope: str) -> AccessToken:
            tokens.append(scope)
            return AccessToken(jwt(time.time() + 3600), int(time.time()) + 3600)

    fake = types.ModuleType("azure.identity")
    fake.DefaultAzureCredential = DefaultAzureCredential  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure.identity", fake)
    monkeypatch.setattr(azure_auth, "_DEFAULT_CREDENTIAL", [])
    azure.script(*[Script(text="ok") for _ in range(3)])
    for _ in range(3):
        llmkit.complete(MODEL, "Hi", base_url=azure.base_url("azure_openai"), entra_id=True)
    assert made == [1]
    assert tokens == ["https://cognitiveservices.azure.com/.default"]


def test_jwt_expiry_reads_only_well_formed_tokens() -> None:
    assert jwt_expiry(jwt(1234567890)) == 1234567890
    for token in ("opaque", "a.b", "a.!!!.c", "a." + base64.urlsafe_b64encode(b"[1]").decode() + ".c"):
        assert jwt_expiry(token) is None
