"""The emulator checks a key-pair JWT the way Snowflake does: RS256 against the user's registered
public key, iss naming that key's fingerprint, sub the normalised ACCOUNT.USER, exp in the future
and at most an hour after iat; PATs and OAuth tokens by their registered type."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import jwt
import pytest

from llmkit.auth.snowflake_jwt import build_jwt, load_key_pair
from llmkit.emulator import Emulator
from llmkit.emulator import snowflake as emu_snowflake

from .conftest import SnowflakeUser

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def _post(emu: Emulator, token: str, kind: str | None = "KEYPAIR_JWT") -> httpx2.Response:
    headers = {"authorization": f"Bearer {token}"}
    if kind:
        headers["x-snowflake-authorization-token-type"] = kind
    url = emu.base_url("snowflake") + "/api/v2/cortex/v1/chat/completions"
    return httpx2.post(url, json=BODY, headers=headers)


def _pair(user: SnowflakeUser) -> Any:
    return load_key_pair(user.plain_pem.encode(), None, "test")


def test_a_good_jwt_passes_with_or_without_the_type_header(emu: Emulator, sf_user: SnowflakeUser) -> None:
    token = build_jwt(_pair(sf_user), "myorg-my_account", "jsmith", time.time())
    assert _post(emu, token).status_code == 200
    assert _post(emu, token, kind=None).status_code == 200  # Snowflake infers the type when absent


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("expired", "expired"),
        ("too_long", "lifetime"),
        ("other_user", "fingerprint"),
        ("bad_signature", "signature"),
        ("hs256", "algorithm"),
    ],
)
def test_bad_jwts_are_refused_in_snowflakes_shape(
    emu: Emulator, sf_user: SnowflakeUser, case: str, message: str
) -> None:
    now = time.time()
    pair = _pair(sf_user)
    if case == "expired":
        token = build_jwt(pair, "myorg-my_account", "jsmith", now - 3600, lifetime=3500)
    elif case == "too_long":
        token = build_jwt(pair, "myorg-my_account", "jsmith", now, lifetime=7200)
    elif case == "other_user":
        token = build_jwt(pair, "myorg-my_account", "someone", now)
    elif case == "bad_signature":
        good = build_jwt(pair, "myorg-my_account", "jsmith", now)
        token = good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB")
    else:
        claims = jwt.decode(
            build_jwt(pair, "myorg-my_account", "jsmith", now), options={"verify_signature": False}
        )
        token = jwt.encode(claims, "a-shared-secret-of-32-bytes-long!!", algorithm="HS256")
    resp = _post(emu, token)
    assert resp.status_code == 401
    body = resp.json()
    assert body["code"] == "390144" and message in body["message"] and body["request_id"]
    assert resp.headers["x-snowflake-request-id"] == body["request_id"]


def test_tokens_by_type_and_expiry(emu: Emulator) -> None:
    emu_snowflake.register_token(emu, "oauth-short-lived", "OAUTH", expires_in=-1)  # already expired
    assert _post(emu, "oauth-short-lived", "OAUTH").json()["code"] == "390318"
    emu_snowflake.register_token(emu, "pat-typed", "PROGRAMMATIC_ACCESS_TOKEN")
    assert _post(emu, "pat-typed", "PROGRAMMATIC_ACCESS_TOKEN").status_code == 200
    assert _post(emu, "pat-typed", "OAUTH").status_code == 401
    assert _post(emu, "pat-typed", "SOMETHING").status_code == 400
