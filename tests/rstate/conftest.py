"""A real redis-server for the Redis cache and state tests.

CI (.ci/run) installs and starts one on 127.0.0.1:6390 and names it in LLMKIT_TEST_REDIS_URL.
Elsewhere the fixture uses that server if it answers, else starts a private one (no persistence,
loopback, a free port) for the session; the tests skip only where no redis-server binary exists.
Each test gets its own key prefix, so workers sharing one server never see each other's keys.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

redis = pytest.importorskip("redis")

CI_URL = "redis://127.0.0.1:6390/0"


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _private_server() -> Iterator[str]:
    """A redis-server of this process's own, on a free loopback port, for as long as the block."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI has no redis-server: .ci/run installs it (apt-get install redis-server)")
        pytest.skip("no redis-server binary here (apt-get install redis-server); CI runs these tests")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            if _answers(url):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the private redis-server did not answer")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("LLMKIT_TEST_REDIS_URL", CI_URL)
    if _answers(url):
        yield url
        return
    with _private_server() as url:
        yield url


@pytest.fixture(scope="session")
def private_redis_url() -> Iterator[str]:
    """A server no other test worker uses, for tests that change the whole server (SCRIPT FLUSH):
    a flush on the shared server can land between another worker's SCRIPT LOAD and its EVALSHA,
    failing that worker's test twice over (seen: test_state_pick under xdist)."""
    with _private_server() as url:
        yield url


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test's own."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def rdb(redis_url: str) -> Iterator[object]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def private_rdb(private_redis_url: str) -> Iterator[object]:
    client = redis.Redis.from_url(private_redis_url)
    yield client
    client.close()
