"""The key-pair JWT and its account rules, held to PyJWT (decode, verify), cryptography's DER
encoding (the fingerprint) and the connector's rules (snowflake-connector-python@50e7fc5:
src/snowflake/connector/auth/keypair.py; Snowflake's sample, copied at apache/airflow@12755a01:
providers/snowflake/src/airflow/providers/snowflake/utils/sql_api_generate_jwt.py)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from llmkit.auth.snowflake_jwt import JWT_LIFETIME, build_jwt, jwt_account, load_key_pair
from llmkit.errors import ConfigurationError

NOW = 1_765_000_000

# (account as configured, as the JWT names it): the connector's rule, case by case.
ACCOUNTS = [
    ("myorg-myacct", "MYORG-MYACCT"),  # org-account: the hyphen stays
    ("MyOrg-My_Acct", "MYORG-MY_ACCT"),  # underscores stay (only URLs turn them to hyphens)
    ("xy12345", "XY12345"),
    ("xy12345.us-east-1.aws", "XY12345"),  # a locator with region and cloud: cut at the first "."
    ("xy12345.us-east-1", "XY12345"),
    ("xy12345-abc.global", "XY12345"),  # .global: cut at the first "-" (not the connector's rfind rule)
    ("myorg-acct-two.global", "MYORG"),
]


def _connector_rule(account: str) -> str:
    """keypair.py ``prepare``, transcribed: the reference these cases are held to."""
    if ".global" in account:  # noqa: SIM108  (kept in the connector's own shape)
        account = account.partition("-")[0]
    else:
        account = account.partition(".")[0]
    return account.upper()


@pytest.mark.parametrize(("given", "expected"), ACCOUNTS)
def test_account_normalisation_follows_the_connector(given: str, expected: str) -> None:
    assert jwt_account(given) == expected == _connector_rule(given)


def _rsa_pem(key: rsa.RSAPrivateKey, password: bytes | None = None) -> bytes:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_fingerprint_is_sha256_of_the_public_key_der(rsa_key: rsa.RSAPrivateKey) -> None:
    der = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    assert load_key_pair(_rsa_pem(rsa_key), None, "test").fingerprint == expected


def test_jwt_verifies_with_pyjwt_and_carries_the_documented_claims(rsa_key: rsa.RSAPrivateKey) -> None:
    pair = load_key_pair(_rsa_pem(rsa_key), None, "test")
    token = build_jwt(pair, "myorg-myaccount", "MyUser", NOW)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT"}
    claims = jwt.decode(
        token,
        rsa_key.public_key(),
        algorithms=["RS256"],
        options={"verify_exp": False, "require": ["iss", "sub", "iat", "exp"]},
    )
    # The docs' example form: MYORGANIZATION-MYACCOUNT.MYUSER.SHA256:<fingerprint>.
    assert claims == {
        "iss": f"MYORG-MYACCOUNT.MYUSER.{pair.fingerprint}",
        "sub": "MYORG-MYACCOUNT.MYUSER",
        "iat": NOW,
        "exp": NOW + JWT_LIFETIME,
    }
    assert JWT_LIFETIME <= 3600  # Snowflake refuses a JWT that lives longer than an hour


def test_wrong_key_fails_pyjwt_verification(rsa_key: rsa.RSAPrivateKey) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = build_jwt(load_key_pair(_rsa_pem(other), None, "t"), "a", "u", NOW)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"], options={"verify_exp": False})


@pytest.mark.parametrize(("curve", "alg"), [(ec.SECP256R1(), "ES256"), (ec.SECP384R1(), "ES384")])
def test_ec_keys_sign_as_the_connector_does(curve: ec.EllipticCurve, alg: str) -> None:
    key = ec.generate_private_key(curve)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = build_jwt(load_key_pair(pem, None, "t"), "acct", "u", NOW)
    assert jwt.get_unverified_header(token)["alg"] == alg
    claims = jwt.decode(token, key.public_key(), algorithms=[alg], options={"verify_exp": False})
    assert claims["sub"] == "ACCT.U"


def test_encrypted_key_with_passphrase_and_der(rsa_key: rsa.RSAPrivateKey) -> None:
    plain = load_key_pair(_rsa_pem(rsa_key), None, "t")
    encrypted = load_key_pair(_rsa_pem(rsa_key, b"s3cret-pass"), "s3cret-pass", "t")
    der = rsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert plain.fingerprint == encrypted.fingerprint == load_key_pair(der, b"pw", "t").fingerprint


def test_key_errors_name_the_fix_without_the_secret(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _rsa_pem(rsa_key, b"s3cret-pass")
    with pytest.raises(
        ConfigurationError, match=r"private_key_passphrase=.*SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"
    ):
        load_key_pair(pem, None, "private_key_path=")
    with pytest.raises(ConfigurationError, match="passphrase is wrong") as info:
        load_key_pair(pem, "not-the-pass", "private_key_path=")
    assert "not-the-pass" not in str(info.value) and info.value.__cause__ is None
    with pytest.raises(ConfigurationError, match="not encrypted"):
        load_key_pair(_rsa_pem(rsa_key), "extra", "private_key=")
    with pytest.raises(ConfigurationError, match="not a PEM or DER"):
        load_key_pair(b"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n", None, "x")


def test_key_pair_repr_shows_no_key(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    pair = load_key_pair(_rsa_pem(rsa_key), None, "t")
    assert "BEGIN" not in repr(pair) and pair.fingerprint in repr(pair)


# ---------------------------------------------------------------- the connector itself


@pytest.mark.parametrize(("given", "expected"), ACCOUNTS)
def test_claims_match_the_connectors_own_jwt(rsa_key: rsa.RSAPrivateKey, given: str, expected: str) -> None:
    from snowflake.connector.auth import keypair  # the test extra pins a 3.x connector

    theirs = keypair.AuthByKeyPair(private_key=rsa_key, lifetime_in_seconds=JWT_LIFETIME)
    token = theirs.prepare(account=given, user="jsmith")
    ref = jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"], options={"verify_exp": False})
    ours = jwt.decode(
        build_jwt(load_key_pair(_rsa_pem(rsa_key), None, "t"), given, "jsmith", NOW),
        rsa_key.public_key(),
        algorithms=["RS256"],
        options={"verify_exp": False},
    )
    assert (ours["iss"], ours["sub"]) == (ref["iss"], ref["sub"])
    assert ours["sub"].startswith(expected + ".")
    assert ours["exp"] - ours["iat"] == ref["exp"] - ref["iat"] == JWT_LIFETIME
    assert keypair.AuthByKeyPair.calculate_public_key_fingerprint(rsa_key) == ours["iss"].rsplit(".", 1)[1]
