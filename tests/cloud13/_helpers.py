"""What the cloud13 tests share: one call in either mode, and AWS test credentials."""

from __future__ import annotations

import pytest
from tests._client_run import run  # noqa: F401  (re-exported for this folder's tests)

from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The emulator's test credentials in the environment; no real AWS configuration is read."""
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
