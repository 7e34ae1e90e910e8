"""Databricks rate-limit error codes are RateLimitError whatever the HTTP status, as the official
databricks-sdk maps them (``databricks.sdk.errors.platform.ERROR_CODE_MAPPING``: the code wins
over the status); held over loopback against the emulator's Databricks error shape."""

from __future__ import annotations

import pytest

import llmkit
from llmkit import errors
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError
from llmkit.providers import get_spec

KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the emulator's key (tests/conftest.py)


def test_llmkit_knows_every_code_the_sdk_calls_too_many_requests() -> None:
    platform = pytest.importorskip("databricks.sdk.errors.platform")
    sdk_codes = {
        code for code, cls in platform.ERROR_CODE_MAPPING.items() if issubclass(cls, platform.TooManyRequests)
    }
    assert sdk_codes == {"REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}
    assert sdk_codes <= get_spec("databricks").quirks.rate_limit_codes  # type: ignore[union-attr]


@pytest.mark.parametrize("status", [400, 429])
@pytest.mark.parametrize("code", ["REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"])
def test_rate_limit_code_under_any_status(emu: Emulator, status: int, code: str) -> None:
    emu.script(Script(error=ScriptedError(status, "Exceeded workspace rate limit", code=code)))
    with llmkit.Client(max_retries=0) as c, pytest.raises(errors.RateLimitError) as info:
        c.complete("databricks/databricks-meta-llama", "Hi", api_key=KEY, base_url=emu.base_url("databricks"))
    assert info.value.error_code == code and info.value.status_code == status
    assert info.value.retryable is not False


def test_a_400_rate_limit_code_is_retried(emu: Emulator) -> None:
    emu.script(
        Script(error=ScriptedError(400, "Exceeded workspace rate limit", code="REQUEST_LIMIT_EXCEEDED")),
        Script(text="ok"),
    )
    with llmkit.Client(max_retries=1) as c:
        done = c.complete(
            "databricks/databricks-meta-llama", "Hi", api_key=KEY, base_url=emu.base_url("databricks")
        )
    assert done.text == "ok" and len(emu.requests) == 2
