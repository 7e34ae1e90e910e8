"""Shared fixtures: a run-time RSA key pair registered with the emulator, as a Snowflake user."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from llmkit.emulator import Emulator
from llmkit.emulator import snowflake as emu_snowflake

ACCOUNT = "myorg-my_account"
USER = "jsmith"
PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class SnowflakeUser:
    key: rsa.RSAPrivateKey
    path: Path  # an encrypted PKCS#8 PEM
    plain_pem: str
    fingerprint: str
    options: dict[str, str]  # the keyword options that reach the emulator as this user


def make_key(tmp: Path, name: str = "rsa_key.p8") -> tuple[rsa.RSAPrivateKey, Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    path = tmp / name
    path.write_bytes(encrypted)
    plain = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key, path, plain


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="session")
def sf_user(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> SnowflakeUser:
    key, path, plain = make_key(tmp_path_factory.mktemp("snowflake"))
    fingerprint = emu_snowflake.register_user(emulator, "MYORG-MY_ACCOUNT.JSMITH", public_pem(key))
    options = {
        "base_url": emulator.base_url("snowflake"),
        "account": ACCOUNT,
        "user": USER,
        "private_key_path": str(path),
        "private_key_passphrase": PASSPHRASE,
    }
    return SnowflakeUser(key, path, plain, fingerprint, options)


@pytest.fixture
def sf_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No Snowflake variables from the developer's shell leak into a test."""
    for name in (
        "SNOWFLAKE_ACCOUNT",
        "SNOWFLAKE_USER",
        "SNOWFLAKE_PRIVATE_KEY_PATH",
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
        "SNOWFLAKE_AUTHENTICATOR",
        "SNOWFLAKE_PAT",
        "SNOWFLAKE_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
