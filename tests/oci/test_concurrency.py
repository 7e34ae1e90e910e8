"""Instance principals under concurrency: 50 threads on a Client and 50 tasks on an AsyncClient
make exactly one oci SDK signer (its token exchange), and the async ones sign off the event loop.
And the import stays light: resolving the spec loads neither cryptography nor the oci SDK."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import llmkit
from llmkit.emulator import Emulator
from llmkit.emulator.oci import TENANCY, USER
from llmkit.emulator.oci_auth import OciTestCredentials

oci = pytest.importorskip("oci")
MODEL = "oci/meta.llama-3.3-70b-instruct"
N = 50


@pytest.fixture
def principal(
    oci_env: dict[str, str], oci_creds: OciTestCredentials, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    made: list[str] = []

    def slow_federation() -> Any:
        # Stands in for the metadata-service exchange: slow, so concurrent callers overlap it.
        made.append(threading.current_thread().name)
        time.sleep(0.2)
        return oci.signer.Signer(TENANCY, USER, oci_creds.fingerprint, oci_creds.key_file)

    monkeypatch.setattr(oci.auth.signers, "InstancePrincipalsSecurityTokenSigner", slow_federation)
    monkeypatch.setattr("llmkit.auth.oci._principals", {})
    monkeypatch.setenv("OCI_CLI_AUTH", "instance_principal")
    monkeypatch.setenv("OCI_REGION", "us-chicago-1")
    return made


def test_fifty_threads_one_signer(emu: Emulator, principal: list[str]) -> None:
    with llmkit.Client() as client, ThreadPoolExecutor(N) as pool:
        texts = list(pool.map(lambda _: client.complete(MODEL, "hi").text, range(N)))
    assert len(texts) == N and all(texts)
    assert len(principal) == 1


def test_fifty_tasks_one_signer_off_the_loop(emu: Emulator, principal: list[str]) -> None:
    async def main() -> list[str]:
        async with llmkit.AsyncClient() as client:
            done = await asyncio.gather(*(client.complete(MODEL, "hi") for _ in range(N)))
            return [c.text for c in done]

    assert len(asyncio.run(main())) == N
    assert len(principal) == 1 and principal[0] != "MainThread"


def test_import_stays_light() -> None:
    code = (
        "import sys, llmkit; from llmkit.providers import get_spec; get_spec('oci');"
        "print(sorted(m for m in ('cryptography', 'oci', 'llmkit.auth.oci') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
