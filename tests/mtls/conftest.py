"""The mTLS tests' fixtures: a test PKI made with ``cryptography`` (a root CA, a server certificate
for 127.0.0.1, a client certificate whose CN is the SAP emulator's client id, and a client
certificate from a second, untrusted CA), and a loopback HTTPS server that REQUIRES a client
certificate signed by the root CA.

The server answers ``POST /oauth/token`` the way XSUAA's certificate endpoint does (client
credentials, the client id in the form and no secret; the id must match the certificate's CN) and
registers each token it issues with the SAP emulator's state, so the emulator's AI API accepts it:
the token comes over mutual TLS, the chat over plain loopback, as on SAP BTP. ``GET /whoami``
answers the presented certificate's CN (for the transport tests).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from llmkit.auth import sap as sap_auth
from llmkit.emulator import Emulator
from llmkit.emulator import sap as esap

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402

sys.path.insert(0, str(Path(__file__).parents[1] / "docs"))

_DAY = datetime.timedelta(days=1)


def _name(cn: str) -> Any:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str) -> tuple[Any, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    ca: tuple[Any, Any], cn: str, usage: Any, san: Any = None, rsa_key: bool = False
) -> tuple[Any, Any]:
    key: Any = rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca[0].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), False)
    )
    if san is not None:
        builder = builder.add_extension(san, False)
    return builder.sign(ca[1], hashes.SHA256()), key


def cert_pem(cert: Any) -> str:
    return bytes(cert.public_bytes(serialization.Encoding.PEM)).decode()


def key_pem(key: Any) -> str:
    raw = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return bytes(raw).decode()


@dataclass
class Pki:
    folder: Path
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: str  # PEM text, CN = the SAP emulator's client id
    client_key: str
    client_cert_file: Path
    client_key_file: Path
    rogue_cert: str  # signed by a CA the server does not trust
    rogue_key: str


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("mtls")
    root = _ca("llmkit mtls test root CA")
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    server = _leaf(root, "127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH, san)
    client = _leaf(root, esap.CLIENT_ID, ExtendedKeyUsageOID.CLIENT_AUTH, rsa_key=True)
    rogue = _leaf(_ca("someone else's CA"), esap.CLIENT_ID, ExtendedKeyUsageOID.CLIENT_AUTH)
    files = {
        "ca.pem": cert_pem(root[0]),
        "server.pem": cert_pem(server[0]),
        "server.key": key_pem(server[1]),
        "client.pem": cert_pem(client[0]),
        "client.key": key_pem(client[1]),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return Pki(
        folder,
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server.key",
        files["client.pem"],
        files["client.key"],
        folder / "client.pem",
        folder / "client.key",
        cert_pem(rogue[0]),
        key_pem(rogue[1]),
    )


@dataclass
class MtlsServer:
    url: str
    emu: Emulator
    token_requests: list[dict[str, str]] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _peer_cn(handler: BaseHTTPRequestHandler) -> str:
    cert = handler.connection.getpeercert()  # type: ignore[attr-defined]
    for rdn in (cert or {}).get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return ""


def _handler(state: MtlsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            cn = _peer_cn(self)
            with state.lock:
                state.peers.append(cn)
            self._reply(200, {"cn": cn})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            cn = _peer_cn(self)
            with state.lock:
                state.token_requests.append(form)
                state.peers.append(cn)
            if self.path.rstrip("/") != "/oauth/token" or form.get("grant_type") != "client_credentials":
                return self._reply(400, {"error": "invalid_request"})
            if "client_secret" in form or form.get("client_id") != cn:
                return self._reply(401, {"error": "unauthorized", "error_description": "Bad credentials"})
            token = "eyJmtls." + secrets.token_urlsafe(24)
            sap = esap.state_for(state.emu)
            with sap.lock:
                sap.tokens[token] = time.time() + sap.expires_in
                sap.issued += 1
            self._reply(200, {"access_token": token, "token_type": "bearer", "expires_in": sap.expires_in})

    return Handler


@pytest.fixture(scope="session")
def mtls_server(pki: Pki, emulator: Emulator) -> Iterator[MtlsServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    ctx.load_verify_locations(pki.ca_file)
    ctx.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no handshake
    state = MtlsServer("", emulator)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"https://127.0.0.1:{server.server_address[1]}"
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="mtls-test-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def mtls(mtls_server: MtlsServer, pki: Pki, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> MtlsServer:
    """The server with empty logs, SAP's caches empty, no AICORE_* variables, and the test root CA
    as the default trust store (SSL_CERT_FILE, which OpenSSL's default paths read)."""
    for var in (*sap_auth.ENV, "AICORE_SERVICE_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    with mtls_server.lock:
        mtls_server.token_requests.clear()
        mtls_server.peers.clear()
    for manager in list(sap_auth._MANAGERS.values()):
        manager._token, manager._expires_at = None, 0.0
    return mtls_server


def x509_service_key(mtls: MtlsServer, pki: Pki) -> dict[str, Any]:
    """An X.509 service key as SAP BTP issues it: certificate and key, certurl, no clientsecret."""
    return {
        "clientid": esap.CLIENT_ID,
        "credential-type": "x509",
        "certificate": pki.client_cert,
        "key": pki.client_key,
        "certurl": mtls.url,
        "url": "https://xsuaa-for-secrets.invalid",
        "identityzone": "emulator",
        "serviceurls": {"AI_API_URL": f"{mtls.emu.url}/sap"},
    }
