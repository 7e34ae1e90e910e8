"""Our sync connections' default trust (``_tls.default_context``) is httpx2's
(``httpx2.create_ssl_context()``, httpcore2's ``default_ssl_context``), rebuilt so that a first
sync call never imports httpx2: the two are held side by side in every branch httpcore2 takes, and
a first https call in a fresh interpreter verifies against SSL_CERT_FILE with httpx2 unloaded."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

import llmkit
from llmkit._tls import default_context
from llmkit.emulator import Emulator
from llmkit.errors import APIConnectionError

from .conftest import Pki

ENV = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def _shape(ctx: ssl.SSLContext) -> tuple[Any, ...]:
    return (
        type(ctx),
        ctx.protocol,
        ctx.verify_mode,
        ctx.check_hostname,
        ctx.options,
        ctx.minimum_version,
        ctx.maximum_version,
        ctx.verify_flags,
        ctx.cert_store_stats(),
        ctx.get_ca_certs(),
    )


_REAL = ssl.get_default_verify_paths()
NOWHERE = ("/nonexistent.pem", "/nonexistent")


def _paths(cafile: str, capath: str) -> ssl.DefaultVerifyPaths:
    real = _REAL
    return ssl.DefaultVerifyPaths(
        real.cafile, real.capath, real.openssl_cafile_env, cafile, real.openssl_capath_env, capath
    )


@pytest.mark.parametrize(
    "case", ["file", "dir", "system", "no compiled-in paths", "a dir of unhashed names", "nothing at all"]
)
def test_default_context_is_httpx2s(
    case: str, pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ENV:
        monkeypatch.delenv(var, raising=False)
    if case == "file":
        monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    elif case == "dir":
        monkeypatch.setenv("SSL_CERT_DIR", str(pki.folder))
    elif case == "no compiled-in paths":
        monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: _paths(*NOWHERE))
    elif case == "a dir of unhashed names":
        (tmp_path / "not-a-hash.pem").write_text(pki.ca_file.read_text())
        monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: _paths(NOWHERE[0], str(tmp_path)))
    elif case == "nothing at all":
        monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: _paths(*NOWHERE))
        real_isfile = os.path.isfile
        monkeypatch.setattr(os.path, "isfile", lambda p: not str(p).startswith("/etc/") and real_isfile(p))
    ours, theirs = default_context(), httpx2.create_ssl_context()
    assert _shape(ours) == _shape(theirs)
    assert ours.verify_mode == ssl.CERT_REQUIRED and ours.check_hostname
    if case == "file":
        assert len(ours.get_ca_certs()) == 1
    if case == "nothing at all":
        assert ours.cert_store_stats()["x509_ca"] == 0


@pytest.fixture(scope="module")
def tls_url(pki: Pki) -> Iterator[tuple[Emulator, str]]:
    """The emulator behind TLS, with the test CA's certificate for 127.0.0.1."""
    emu = Emulator()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(pki.server_cert, pki.server_key)
    emu._server.socket = server_ctx.wrap_socket(emu._server.socket, server_side=True)
    with emu:
        yield emu, emu.base_url("openai").replace("http://", "https://")


PROBE = r"""
import json, sys
import llmkit
reply = llmkit.complete("openai/gpt-4o-mini", "hi", api_key="sk-x", base_url=sys.argv[1], max_retries=0)
assert reply.text
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("httpx2", "httpcore2", "asyncio"))))
"""


def test_a_first_https_call_verifies_without_importing_httpx2(
    tls_url: tuple[Emulator, str], pki: Pki
) -> None:
    _, url = tls_url
    env = {k: v for k, v in os.environ.items() if k not in ENV} | {"SSL_CERT_FILE": str(pki.ca_file)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, url], capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == []


def test_without_the_ca_the_default_trust_refuses_the_server(
    tls_url: tuple[Emulator, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, url = tls_url
    for var in ENV:
        monkeypatch.delenv(var, raising=False)
    with llmkit.Client(api_key="sk-x", base_url=url, max_retries=0) as client:
        with pytest.raises(APIConnectionError, match=r"(?i)certificate"):
            client.complete("openai/gpt-4o-mini", "hi")
