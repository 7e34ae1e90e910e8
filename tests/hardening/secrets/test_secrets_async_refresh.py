"""Async calls never block the event loop on a credential refresh: google-auth, azure-identity,
botocore and callers' token callables run in a worker thread.

A loop-lag probe: a fake credential source whose refresh sleeps 0.5 s (as a blocking HTTP
refresh would) while a concurrent task ticks every 10 ms; the worst tick lag must stay small."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from _secrets_helpers import FAKE_ACCESS_KEY, Answer, Hostile, Seen, gemini_ok, openai_ok

import llmkit
from llmkit import Timeout
from llmkit.auth.aws import DefaultCredentials
from llmkit.auth.aws_credentials import AwsCredentials
from llmkit.errors import APITimeoutError

MakeServer = Callable[[Callable[[Seen], Answer]], Hostile]
REFRESH = 0.5
MAX_LAG = 0.1

BEDROCK_OK = {
    "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
}


def ok_answer(r: Seen) -> Answer:
    if "/vertex/" in r.path:
        return Answer(200, gemini_ok())
    if "/model/" in r.path:
        return Answer(200, BEDROCK_OK)
    return Answer(200, openai_ok())


def ok_server(hostile: MakeServer) -> Hostile:
    return hostile(ok_answer)


@pytest.fixture(scope="module", autouse=True)
def _warm() -> Any:
    """One call per provider first, so first-use imports and spec loading are not measured."""
    server = Hostile(lambda r: ok_answer(r))
    base = f"{server.url}/vertex/v1/projects/test-proj/locations/us-central1"
    creds = AwsCredentials(FAKE_ACCESS_KEY, "fake-secret-key-for-tests-0000000000000")
    calls = [
        ("vertex_ai/gemini-2.5-pro", {"base_url": base, "project": "proj-1a", "access_token": "ya29.warm"}),
        ("azure_openai/dep", {"base_url": server.url + "/openai", "azure_ad_token": "eyJ.warm.up"}),
        ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
         {"base_url": server.url, "region": "us-east-1", "aws_credentials": creds}),
    ]  # fmt: skip

    async def main() -> None:
        async with llmkit.AsyncClient(max_retries=0) as client:
            for model, kw in calls:
                await client.complete(model, "hi", **kw)

    try:
        asyncio.run(main())
        import google.auth.transport.requests  # noqa: F401
    except ImportError:
        pass
    finally:
        server.close()


def slow(value: Any) -> Callable[[], Any]:
    def refresh() -> Any:
        time.sleep(REFRESH)  # a blocking refresh: what google-auth / azure-identity / botocore do
        return value

    return refresh


async def worst_lag(call: Any) -> tuple[float, Any]:
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            started = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - started - 0.01)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.05)  # the ticker is running before the call starts
    try:
        result = await call
    finally:
        done.set()
        await ticker
    return max(lags), result


def probe(model: str, **kw: Any) -> Any:
    """Make the call under the lag probe. On a loaded machine a tick can be late for reasons of
    its own, so up to three calls are made (each refreshes again): a refresh on the loop stalls
    it for the whole REFRESH every time, and so can never pass."""
    lags: list[float] = []

    async def main() -> tuple[float, Any]:
        async with llmkit.AsyncClient(max_retries=0) as client:
            return await worst_lag(client.complete(model, "hi", **kw))

    for _ in range(3):
        lag, completion = asyncio.run(main())
        lags.append(lag)
        if lag < MAX_LAG:
            return completion
    raise AssertionError(
        f"the event loop stalled during credential refreshes: {[round(x, 3) for x in lags]} s"
    )


def test_vertex_token_callable_runs_off_the_loop(hostile: MakeServer) -> None:
    server = ok_server(hostile)
    base = f"{server.url}/vertex/v1/projects/test-proj/locations/us-central1"
    c = probe(
        "vertex_ai/gemini-2.5-pro",
        base_url=base,
        project="proj-1a",
        access_token=slow("ya29.fake-slow-token"),
    )
    assert c.text == "ok" and server.seen[-1].headers["authorization"] == "Bearer ya29.fake-slow-token"


def test_google_auth_refresh_runs_off_the_loop(hostile: MakeServer) -> None:
    pytest.importorskip("google.auth.transport.requests")

    class FakeGoogleCredentials:
        """Duck-typed google-auth credentials whose refresh blocks."""

        token: str | None = None
        quota_project_id = None

        refreshes = 0

        @property
        def valid(self) -> bool:
            return False  # always due, so every probed call refreshes

        def refresh(self, request: Any) -> None:
            time.sleep(REFRESH)
            self.refreshes += 1
            self.token = "ya29.fake-google-auth-token"

    server = ok_server(hostile)
    base = f"{server.url}/vertex/v1/projects/test-proj/locations/us-central1"
    creds = FakeGoogleCredentials()
    c = probe("vertex_ai/gemini-2.5-pro", base_url=base, project="test-proj", credentials=creds)
    assert c.text == "ok" and creds.refreshes >= 1


def test_azure_token_provider_runs_off_the_loop(hostile: MakeServer) -> None:
    server = ok_server(hostile)
    c = probe(
        "azure_openai/dep", base_url=server.url + "/openai", azure_ad_token_provider=slow("eyJ.fake.entra")
    )
    assert c.text == "ok" and server.seen[-1].headers["authorization"] == "Bearer eyJ.fake.entra"


def test_azure_credential_object_runs_off_the_loop(hostile: MakeServer) -> None:
    class Token:
        token = "eyJ.fake.credential"

    class Credential:
        def get_token(self, scope: str) -> Token:
            time.sleep(REFRESH)
            return Token()

    server = ok_server(hostile)
    c = probe("azure_openai/dep", base_url=server.url + "/openai", azure_credential=Credential())
    assert c.text == "ok"


def test_aws_credentials_callable_runs_off_the_loop(hostile: MakeServer) -> None:
    server = ok_server(hostile)
    creds = AwsCredentials(FAKE_ACCESS_KEY, "fake-secret-key-for-tests-0000000000000")
    c = probe(
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        base_url=server.url, region="us-east-1", aws_credentials=slow(creds),
    )  # fmt: skip
    assert c.text == "ok" and server.seen[-1].headers["authorization"].startswith("AWS4-HMAC-SHA256")


def test_botocore_chain_is_marked_blocking(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's chain (STS, SSO, IMDS) is run off the loop; the environment is read inline."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    default = DefaultCredentials.__new__(DefaultCredentials)
    DefaultCredentials.__init__(default)
    assert default.blocking
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key-for-tests-0000000000000")
    assert not default.blocking


def test_a_refresh_slower_than_the_deadline_times_out(hostile: MakeServer) -> None:
    server = ok_server(hostile)

    async def main() -> None:
        async with llmkit.AsyncClient(max_retries=0) as client:
            await client.complete(
                "azure_openai/dep", "hi", base_url=server.url + "/openai",
                azure_ad_token_provider=slow("eyJ.too.late"), timeout=Timeout(total=0.2),
            )  # fmt: skip

    with pytest.raises(APITimeoutError, match="refreshing credentials"):
        asyncio.run(main())
    assert server.seen == []


class _SlowBotocore:
    """Stands in for ``botocore.session``: finding and refreshing credentials block, as STS,
    SSO or the instance metadata service would."""

    class Frozen:
        access_key = FAKE_ACCESS_KEY
        secret_key = "fake-secret-key-for-tests-0000000000000"
        token = None

    class Credentials:
        def get_frozen_credentials(self) -> Any:
            time.sleep(REFRESH)
            return _SlowBotocore.Frozen()

    class Session:
        def __init__(self, profile: str | None = None) -> None:
            self.profile = profile

        def get_credentials(self) -> Any:
            time.sleep(REFRESH)
            return _SlowBotocore.Credentials()


@pytest.mark.parametrize("profile", [None, "slow-profile"])
def test_botocore_chain_runs_off_the_loop(
    hostile: MakeServer, monkeypatch: pytest.MonkeyPatch, profile: str | None
) -> None:
    from llmkit.auth import aws_credentials

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(aws_credentials, "_import_botocore_session", lambda: _SlowBotocore)
    server = ok_server(hostile)
    kw: dict[str, Any] = {"base_url": server.url, "region": "us-east-1"}
    if profile:
        kw["aws_profile"] = profile
    c = probe("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", **kw)
    assert c.text == "ok" and FAKE_ACCESS_KEY in server.seen[-1].headers["authorization"]
