"""Per-request TLS: a request's own CA bundle and client identity, each context built once.

A provider whose certificate chain is not in the usual trust stores (GigaChat's Russian national
CA) sets ``HttpRequest.ca_bundle`` from an option; one that authenticates with a client
certificate (SAP AI Core's X.509 service keys: mutual TLS at the token URL) sets
``HttpRequest.client_cert`` to a ``ClientIdentity``. The transports then verify and present
accordingly; requests with neither use the default context and pay nothing for this module.
Verification is never switched off here.

Python's ``ssl`` loads a certificate chain from files only. A PEM given as text is therefore
handed to OpenSSL through an anonymous in-memory file (``memfd_create``, Linux) that no other
process can open by name, or, where that does not exist, a 0600 file in a private 0700 directory,
deleted as soon as it is read. Contexts are cached by the identity's digest, never by its text.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from typing import NoReturn

from llmkit.errors import ConfigurationError

__all__ = ["ClientIdentity", "client_identity", "context_for", "default_context"]

_CONTEXTS: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
_LOCK = threading.Lock()
_MAX = 32
_PEM = "-----BEGIN "


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A client certificate (chain) and its private key, each PEM text or a path to a PEM file.

    ``digest`` names the identity in caches (a SHA-256 of the inputs); ``source`` names the
    options it came from, for errors. The key never shows in a repr and the object is not pickled.
    """

    cert: str = field(repr=False)
    key: str = field(repr=False)
    source: str
    digest: str

    def __repr__(self) -> str:
        return f"ClientIdentity(source={self.source!r}, digest={self.digest[:12]}…)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a ClientIdentity holds a private key and is not pickled")

    # Immutable: a copy is the same identity (and copying must not go through __reduce__).
    def __copy__(self) -> ClientIdentity:
        return self

    def __deepcopy__(self, memo: object) -> ClientIdentity:
        return self


def _is_pem(value: str) -> bool:
    return _PEM in value


def client_identity(cert: str, key: str, source: str) -> ClientIdentity:
    """A ``ClientIdentity`` from a certificate and a key given as PEM text or file paths.

    Escaped newlines (``\\n`` written out, as some service keys carry them) are restored, the
    way SAP's SDK does before writing them to files.
    """
    parts = []
    for what, value in (("certificate", cert), ("private key", key)):
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"the client {what} from {source} is empty")
        if _is_pem(value):
            value = value.replace("\\n", "\n")
        elif "\n" in value or "\0" in value:
            raise ConfigurationError(
                f"the client {what} from {source} is neither PEM text (-----BEGIN ...) nor a file path"
            )
        else:
            value = os.path.expanduser(value)
        parts.append(value)
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return ClientIdentity(parts[0], parts[1], source, digest)


def _memory_file(data: bytes) -> int | None:
    """An anonymous in-memory file holding ``data`` (Linux), or None where there is none."""
    create = getattr(os, "memfd_create", None)
    if create is None:
        return None
    try:
        fd: int = create("llmkit-client-identity", getattr(os, "MFD_CLOEXEC", 0))
    except OSError:
        return None
    os.write(fd, data)
    return fd


def _load_pem_text(ctx: ssl.SSLContext, cert: str, key: str) -> None:
    """Loads a certificate and key given as text: one PEM holding both, never left on disk."""
    data = (key.strip() + "\n" + cert.strip() + "\n").encode()
    fd = _memory_file(data)
    if fd is not None and os.path.exists(f"/proc/self/fd/{fd}"):
        try:
            ctx.load_cert_chain(f"/proc/self/fd/{fd}", password=_no_password)
        finally:
            os.close(fd)
        return
    if fd is not None:
        os.close(fd)
    folder = tempfile.mkdtemp(prefix="llmkit-")  # 0700: only this user can list or open it
    path = os.path.join(folder, "identity.pem")
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        ctx.load_cert_chain(path, password=_no_password)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _no_password() -> bytes:
    # Without a callback OpenSSL would prompt on the terminal for an encrypted key.
    return b""


def _load_identity(ctx: ssl.SSLContext, identity: ClientIdentity) -> None:
    cert_text, key_text = _is_pem(identity.cert), _is_pem(identity.key)
    reason = None
    try:
        if cert_text or key_text:
            cert = identity.cert if cert_text else _read(identity.cert, identity, "certificate")
            key = identity.key if key_text else _read(identity.key, identity, "private key")
            _load_pem_text(ctx, cert, key)
        else:
            ctx.load_cert_chain(identity.cert, identity.key, password=_no_password)
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = type(exc).__name__
    if reason is not None:
        # Raised outside the except block: no __context__ back to OpenSSL's exception.
        raise ConfigurationError(
            f"the client certificate and private key from {identity.source} cannot be used ({reason}): "
            "give a PEM certificate and its matching unencrypted PEM private key (text or file paths)"
        )


def _read(path: str, identity: ClientIdentity, what: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = type(exc).__name__
    raise ConfigurationError(f"cannot read the client {what} file named by {identity.source} ({reason})")


def context_for(path: str | None, identity: ClientIdentity | None = None) -> ssl.SSLContext:
    """A verifying client context that trusts ``path``'s CA certificates (PEM; the default trust
    store when None) and presents ``identity`` when given, made once per (path, identity)."""
    cache_key = (path, None if identity is None else identity.digest)
    ctx = _CONTEXTS.get(cache_key)
    if ctx is not None:
        return ctx
    try:
        ctx = ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError, ValueError) as exc:
        reason = type(exc).__name__
        raise ConfigurationError(
            f"the CA bundle {path!r} cannot be used ({reason}): pass the path of a PEM file "
            "holding the certificate authority's certificate(s)"
        ) from None
    if identity is not None:
        _load_identity(ctx, identity)
    with _LOCK:
        if len(_CONTEXTS) >= _MAX:
            _CONTEXTS.clear()
        return _CONTEXTS.setdefault(cache_key, ctx)


# Where truststore (and so httpcore2) looks on Linux when OpenSSL's compiled-in paths hold nothing.
_CA_FILE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)
# OpenSSL's name for a certificate in a CA directory: its subject hash, a dot, a counter.
_HASHED_NAME = re.compile(r"[0-9a-fA-F]{8}\.\d")


def default_context() -> ssl.SSLContext:
    """The trust a request without a CA bundle of its own gets on our sync connections: what
    ``httpx2.create_ssl_context()`` (httpcore2's ``default_ssl_context``) builds, without importing
    httpx2 (~55 ms of a first call that never otherwise uses it).

    SSL_CERT_FILE, else SSL_CERT_DIR; on macOS and Windows the system store through truststore;
    elsewhere OpenSSL's compiled-in CA file and directory (not ``set_default_verify_paths``, which
    would read the variables again), else the first CA file of the usual Linux places.
    tests/mtls/test_default_tls.py holds the two side by side.
    """
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    import platform  # here: importing it costs ~10 ms, and only a first https request needs it

    if platform.system() in ("Windows", "Darwin"):  # pragma: no cover - not this CI's platform
        import truststore  # httpcore2's own dependency, so installed with httpx2

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    paths = ssl.get_default_verify_paths()
    found_file = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    found_dir = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    if found_dir and not found_file and not _has_hashed_certs(found_dir):
        found_dir = None
    if not found_file and not found_dir:
        found_file = next(filter(os.path.isfile, _CA_FILE_CANDIDATES), None)
    if found_file or found_dir:
        ctx.load_verify_locations(found_file, found_dir)
    return ctx


def _has_hashed_certs(directory: str) -> bool:
    """Whether ``directory`` holds a certificate under OpenSSL's hashed name (``1a2b3c4d.0``)."""
    return any(_HASHED_NAME.fullmatch(name) for name in os.listdir(directory))
