"""The key-pair JWT is a short-lived credential on the token manager: made once and reused, made
again before it expires, one signing for 50 threads (or 50 tasks) that meet an expired one, and
one remake and resend after a 401."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import llmkit
from llmkit.auth import snowflake as sf_auth
from llmkit.auth.snowflake_jwt import JWT_LIFETIME
from llmkit.auth.tokens import REFRESH_MARGIN
from llmkit.emulator import Emulator, Script, ScriptedError
from llmkit.errors import AuthenticationError

from .conftest import ACCOUNT, USER, SnowflakeUser

N = 50
MSGS = [{"role": "user", "content": "hi"}]
pytestmark = pytest.mark.usefixtures("sf_env")


def _auth(user: SnowflakeUser) -> sf_auth.KeyPairAuth:
    return sf_auth._AUTHS[(ACCOUNT.upper(), USER.upper(), user.fingerprint, JWT_LIFETIME)]


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Each JWT signing, counted (wrapping the module's build_jwt)."""
    calls: list[float] = []
    real = sf_auth.build_jwt

    def counting(*args: Any, **kwargs: Any) -> str:
        calls.append(time.time())
        return real(*args, **kwargs)

    monkeypatch.setattr(sf_auth, "build_jwt", counting)
    yield calls


def _expire(user: SnowflakeUser) -> None:
    """Leave an expired JWT in the manager, as a client idle past its lifetime would have."""
    manager = _auth(user)._tokens
    manager.settle("eyJ.expired.jwt", time.time() - 5, None)


def test_jwt_is_reused_then_remade_before_expiry(
    emu: Emulator, sf_user: SnowflakeUser, signed: list[float]
) -> None:
    with llmkit.Client() as client:
        client.complete("snowflake/mistral-large2", MSGS, **sf_user.options)
        _expire(sf_user)  # a clean start for the count
        signed.clear()
        for _ in range(3):
            client.complete("snowflake/mistral-large2", MSGS, **sf_user.options)
        assert len(signed) == 1
        tokens = {r.headers["authorization"] for r in emu.requests[1:]}
        assert len(tokens) == 1
        # Inside the refresh margin: made anew, although the old one has not expired yet.
        manager = _auth(sf_user)._tokens
        manager.settle(next(iter(tokens))[7:], time.time() + REFRESH_MARGIN - 10, None)
        client.complete("snowflake/mistral-large2", MSGS, **sf_user.options)
        assert len(signed) == 2


def test_fifty_threads_on_an_expired_jwt_sign_once(
    emu: Emulator, sf_user: SnowflakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    llmkit.complete("snowflake/mistral-large2", MSGS, **sf_user.options)  # builds the Auth
    auth = _auth(sf_user)
    _expire(sf_user)
    real = sf_auth.build_jwt
    signings: list[int] = []

    def gated(*args: Any, **kwargs: Any) -> str:
        # Sign only once the other 49 callers are waiting on this refresh, so the test proves
        # they joined it rather than arrived after it.
        deadline = time.monotonic() + 20
        while auth._tokens.waiting < N - 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        signings.append(auth._tokens.waiting)
        return real(*args, **kwargs)

    monkeypatch.setattr(sf_auth, "build_jwt", gated)
    emu.reset()
    start = threading.Barrier(N)
    with llmkit.Client() as client:

        def call(_: int) -> str:
            start.wait()
            return client.complete("snowflake/mistral-large2", MSGS, **sf_user.options).text

        with ThreadPoolExecutor(N) as pool:
            texts = list(pool.map(call, range(N)))
    assert len(texts) == N and all(texts)
    assert signings == [N - 1]
    assert len({r.headers["authorization"] for r in emu.requests}) == 1


def test_fifty_tasks_on_an_expired_jwt_sign_once(
    emu: Emulator, sf_user: SnowflakeUser, signed: list[float]
) -> None:
    llmkit.complete("snowflake/mistral-large2", MSGS, **sf_user.options)
    _expire(sf_user)
    signed.clear()
    emu.reset()

    async def run() -> list[str]:
        async with llmkit.AsyncClient() as client:
            done = await asyncio.gather(
                *(client.complete("snowflake/mistral-large2", MSGS, **sf_user.options) for _ in range(N))
            )
            return [d.text for d in done]

    assert len(asyncio.run(run())) == N
    assert len(signed) == 1
    assert len({r.headers["authorization"] for r in emu.requests}) == 1


def test_a_401_remakes_the_jwt_and_resends_once(
    emu: Emulator, sf_user: SnowflakeUser, signed: list[float]
) -> None:
    llmkit.complete("snowflake/mistral-large2", MSGS, **sf_user.options)
    signed.clear()
    emu.reset()
    emu.script(Script(error=ScriptedError(401, "JWT token is invalid.", code="390144")), Script(text="again"))
    done = llmkit.complete("snowflake/mistral-large2", MSGS, max_retries=0, **sf_user.options)
    assert done.text == "again"
    assert len(emu.requests) == 2 and len(signed) == 1
    # A PAT is not remade: its 401 is final.
    emu.reset()
    from llmkit.emulator import snowflake as emu_snowflake

    emu_snowflake.register_token(emu, "pat-once-only", "PROGRAMMATIC_ACCESS_TOKEN")
    emu.script(Script(error=ScriptedError(401, "expired", code="390318")))
    with pytest.raises(AuthenticationError):
        llmkit.complete(
            "snowflake/mistral-large2", MSGS, base_url=emu.base_url("snowflake"), token="pat-once-only"
        )
    assert len(emu.requests) == 1
