"""No Snowflake secret (the JWT, a PAT or OAuth token, the private key, its passphrase) in any
error, its causes, pickle or repr, even when the server echoes what it was sent."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import llmkit
from llmkit.auth import snowflake as sf_auth
from llmkit.emulator import Emulator, add_profile
from llmkit.emulator import snowflake as emu_snowflake
from llmkit.emulator.profiles import PROFILES, Profile
from llmkit.emulator.server import EmuRequest, Reply, json_reply
from llmkit.errors import AuthenticationError, ConfigurationError

from .conftest import PASSPHRASE, SnowflakeUser, make_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hardening"))
from _walk import assert_no_secret  # tests/hardening's walker

ECHO = Profile("snowflake_echo", f"{__name__}:echo", base_path="", auth_headers=(), credentials="none")
MSGS = [{"role": "user", "content": "hi"}]
pytestmark = pytest.mark.usefixtures("sf_env")


def echo(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    """A hostile Snowflake: refuses with everything it was sent quoted back."""
    sent = req.headers.get("authorization", "")
    body = {"code": "390144", "message": f"JWT token is invalid: {sent} {sent[7:]}", "request_id": sent[7:]}
    return json_reply(401, body, {"X-Snowflake-Request-ID": sent[7:]})


@pytest.fixture
def echo_url(emu: Emulator) -> Iterator[str]:
    add_profile(ECHO)
    yield emu.base_url("snowflake_echo")
    PROFILES.pop(ECHO.name, None)


def test_an_echoed_jwt_is_masked(emu: Emulator, sf_user: SnowflakeUser, echo_url: str) -> None:
    opts = {**sf_user.options, "base_url": echo_url}
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete("snowflake/mistral-large2", MSGS, **opts)
    sent = emu.requests[-1].headers["authorization"][7:]
    assert sent.startswith("eyJ")
    key_lines = [ln for ln in sf_user.path.read_text().splitlines() if not ln.startswith("-----")]
    assert_no_secret(info.value, sent, PASSPHRASE, *key_lines)


@pytest.mark.parametrize("kind", ["programmatic_access_token", "oauth"])
def test_an_echoed_token_is_masked(emu: Emulator, echo_url: str, kind: str) -> None:
    token = f"tok-{kind}-9f8e7d6c5b4a"
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete("snowflake/mistral-large2", MSGS, base_url=echo_url, token=token, authenticator=kind)
    assert_no_secret(info.value, token)


def test_key_and_passphrase_errors_quote_neither(tmp_path: Path) -> None:
    _, path, plain = make_key(tmp_path)
    opts = {"account": "acct", "user": "u", "private_key_path": str(path)}
    for wrong in ("not-the-passphrase-123", None):
        with pytest.raises(ConfigurationError) as info:
            llmkit.complete("snowflake/m", MSGS, private_key_passphrase=wrong, **opts)
        assert_no_secret(info.value, *(s for s in (wrong, PASSPHRASE) if s))
    broken = plain.replace("A", "B", 40)
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("snowflake/m", MSGS, account="acct", user="u", private_key=broken)
    assert_no_secret(info.value, broken, *[ln for ln in broken.splitlines() if len(ln) > 20])


def test_reprs_show_no_secret(emu: Emulator, sf_user: SnowflakeUser) -> None:
    llmkit.complete("snowflake/mistral-large2", MSGS, **sf_user.options)
    jwt = emu.requests[-1].headers["authorization"][7:]
    auth = next(a for a in sf_auth._AUTHS.values() if a.key.fingerprint == sf_user.fingerprint)
    pat = sf_auth.TokenAuth("pat-repr-check-123456", sf_auth.PAT)
    for obj in (auth, auth.key, auth._tokens, pat):
        text = repr(obj)
        assert jwt not in text and "BEGIN" not in text and "pat-repr-check-123456" not in text
    emu_snowflake.register_token(emu, "pat-repr-check-123456", sf_auth.PAT)
