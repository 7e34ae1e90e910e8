"""``llmkit._tls`` client identities: PEM text or paths, a digest (never the key) in caches and
reprs, no pickling, key text never left on disk, every failure a ConfigurationError without the key."""

from __future__ import annotations

import copy
import os
import pickle
import ssl
import tempfile
from pathlib import Path

import pytest

from llmkit import _tls
from llmkit._tls import client_identity, context_for
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest

from .conftest import Pki


def _secret_line(pki: Pki) -> str:
    return pki.client_key.splitlines()[1]  # a line of the base64 key body


def test_text_and_paths_make_distinct_identities_without_the_key_in_view(pki: Pki) -> None:
    text = client_identity(pki.client_cert, pki.client_key, "cert_str= and key_str=")
    paths = client_identity(str(pki.client_cert_file), str(pki.client_key_file), "files")
    assert text.digest != paths.digest and len(text.digest) == 64
    line = _secret_line(pki)
    request = HttpRequest("POST", "https://x.test/oauth/token", client_cert=text)
    for view in (repr(text), str(text), repr(request)):
        assert line not in view and "PRIVATE" not in view
    assert text.digest[:12] in repr(text)
    assert copy.deepcopy(text) is text
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(text)


def test_escaped_newlines_are_restored_as_sap_sdk_does(pki: Pki) -> None:
    escaped = client_identity(
        pki.client_cert.replace("\n", "\\n"), pki.client_key.replace("\n", "\\n"), "key"
    )
    assert escaped.digest == client_identity(pki.client_cert, pki.client_key, "key").digest
    ctx = context_for(None, escaped)
    assert isinstance(ctx, ssl.SSLContext)


def test_a_context_is_built_once_per_identity_and_ca(pki: Pki) -> None:
    identity = client_identity(pki.client_cert, pki.client_key, "s")
    assert context_for(str(pki.ca_file), identity) is context_for(str(pki.ca_file), identity)
    assert context_for(str(pki.ca_file), identity) is not context_for(str(pki.ca_file))
    assert all(identity.key not in str(k) for k in _tls._CONTEXTS)


def test_key_text_never_lands_in_the_temp_folder(
    pki: Pki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A temp folder of this test's own: parallel tests create files in the shared one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(os.listdir(tempfile.gettempdir()))
    context_for(None, client_identity(pki.client_cert, pki.client_key + "\n", "memfd"))
    # Without memfd_create: a 0600 file in a 0700 folder, gone once read.
    seen: list[tuple[int, int]] = []
    real = ssl.SSLContext.load_cert_chain

    def spy(self: ssl.SSLContext, certfile: str, *args: object, **kw: object) -> None:
        seen.append((os.stat(os.path.dirname(certfile)).st_mode & 0o777, os.stat(certfile).st_mode & 0o777))
        real(self, certfile, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.delattr(os, "memfd_create", raising=False)
    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    context_for(None, client_identity(pki.client_cert, pki.client_key + "\n\n", "fallback"))
    assert seen == [(0o700, 0o600)]
    assert set(os.listdir(tempfile.gettempdir())) == before


@pytest.mark.parametrize(
    "cert,key,what",
    [
        ("CERT", "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", "cannot be used"),
        ("", "k", "empty"),
        ("-----BEGIN CERTIFICATE-----", "line1\nline2", "neither PEM text"),
    ],
)
def test_unusable_material_is_a_configuration_error(pki: Pki, cert: str, key: str, what: str) -> None:
    cert = pki.client_cert if cert == "CERT" else cert
    with pytest.raises(ConfigurationError, match=what) as info:
        context_for(None, client_identity(cert, key, "cert_str= and key_str="))
    assert "not base64" not in str(info.value) and info.value.__context__ is None


def test_a_key_that_does_not_match_the_certificate_is_refused(pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="matching") as info:
        context_for(None, client_identity(pki.client_cert, pki.rogue_key, "the service key"))
    assert _secret_line(pki) not in str(info.value)
    assert pki.rogue_key.splitlines()[1] not in repr(info.value)


def test_a_missing_key_file_names_the_source(tmp_path: Path, pki: Pki) -> None:
    with pytest.raises(ConfigurationError, match="AICORE_KEY_FILE_PATH"):
        context_for(
            None, client_identity(pki.client_cert, str(tmp_path / "nope.key"), "AICORE_KEY_FILE_PATH")
        )


def test_an_encrypted_key_is_refused_without_a_prompt(pki: Pki) -> None:
    # OpenSSL would ask on the terminal without a password callback; llmkit answers b"" and fails typed.
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pki.client_key.encode(), None)
    locked = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass-phrase"),
    ).decode()
    with pytest.raises(ConfigurationError, match="unencrypted"):
        context_for(None, client_identity(pki.client_cert, locked, "key_str="))
