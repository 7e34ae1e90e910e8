"""A 401 whose ``errors[].code`` is not a string (found by tests/review11's fuzzing: a list there
raised a bare TypeError out of the expired-token check) is read as "not an expired token"."""

from __future__ import annotations

import json

import pytest

from llmkit.auth.watsonx import _expired


@pytest.mark.parametrize("code", [[], {}, 3, None, ["authentication_token_expired"]])
def test_a_code_that_is_not_a_string_is_not_an_expiry(code: object) -> None:
    body = json.dumps({"errors": [{"code": code, "message": "x"}], "status_code": 401}).encode()
    assert _expired(body) is False


def test_the_documented_code_still_is() -> None:
    body = json.dumps({"errors": [{"code": "authentication_token_expired"}]}).encode()
    assert _expired(body) is True
