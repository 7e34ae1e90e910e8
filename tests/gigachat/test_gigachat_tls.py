"""verify= / GIGACHAT_CA_BUNDLE_FILE reaches both transports per request: an emulator behind TLS
whose certificate a test CA signed (made here with ``cryptography``) is refused, typed, without
the bundle, and answers, OAuth exchange included, with it; sync and async."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit.auth import gigachat as gauth
from llmkit.emulator import Emulator, Script
from llmkit.emulator import gigachat as giga_emu
from llmkit.errors import APIConnectionError, ConfigurationError

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


def _name(cn: str) -> Any:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(obj: Any) -> bytes:
    return bytes(obj.public_bytes(serialization.Encoding.PEM))


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test root CA, and a server certificate for 127.0.0.1 it signed: (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("llmkit test root CA"))
        .issuer_name(_name("llmkit test root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(_pem(ca))
    paths[1].write_bytes(_pem(cert))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture(scope="module")
def tls_emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, str, Path]]:
    ca, cert, key = _certificates(tmp_path_factory.mktemp("tls"))
    emu = Emulator()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    server = emu._server
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    with emu:
        yield emu, emu.url.replace("http://", "https://"), ca


@pytest.fixture
def tls(tls_emu: tuple[Emulator, str, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Emulator, Path]:
    emu, root, ca = tls_emu
    emu.reset()
    monkeypatch.setenv("GIGACHAT_BASE_URL", f"{root}/gigachat/api/v1")
    monkeypatch.setenv("GIGACHAT_AUTH_URL", f"{root}/gigachat/api/v2/oauth")
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", giga_emu.DEFAULT_CREDENTIALS)
    monkeypatch.delenv("GIGACHAT_CA_BUNDLE_FILE", raising=False)
    gauth._MANAGERS.clear()
    return emu, ca


def _call(mode: str, **kw: Any) -> str:
    if mode == "sync":
        with llmkit.Client(max_retries=0) as client:
            return client.complete("gigachat/GigaChat", "hi", **kw).text

    async def main() -> str:
        async with llmkit.AsyncClient(max_retries=0) as client:
            return (await client.complete("gigachat/GigaChat", "hi", **kw)).text

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_without_the_bundle_the_call_fails_typed(tls: tuple[Emulator, Path], mode: str) -> None:
    emu, _ = tls
    with pytest.raises(APIConnectionError, match=r"(?i)certificate") as info:
        _call(mode)
    assert "verify=" in str(info.value) and "GIGACHAT_CA_BUNDLE_FILE" in str(info.value)
    assert not emu.requests  # nothing got past the handshake


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("how", ["keyword", "env"])
def test_with_the_bundle_the_exchange_and_the_call_succeed(
    tls: tuple[Emulator, Path], mode: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu, ca = tls
    emu.script(Script(text="over TLS"))
    kw: dict[str, Any] = {}
    if how == "keyword":
        kw["verify"] = str(ca)
    else:
        monkeypatch.setenv("GIGACHAT_CA_BUNDLE_FILE", str(ca))
    assert _call(mode, **kw) == "over TLS"
    assert [r.path for r in emu.requests] == ["/api/v2/oauth", "/api/v1/chat/completions"]


def test_an_unreadable_bundle_is_a_configuration_error(tls: tuple[Emulator, Path], tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CA bundle"):
        _call("sync", verify=str(tmp_path / "missing.pem"))


def test_a_bundle_cannot_reach_a_callers_own_http_client(tls: tuple[Emulator, Path]) -> None:
    import httpx2

    _, ca = tls
    with httpx2.Client() as own, llmkit.Client(http_client=own, max_retries=0) as client:
        with pytest.raises(ConfigurationError, match="http_client="):
            client.complete("gigachat/GigaChat", "hi", verify=str(ca))
