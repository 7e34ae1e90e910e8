"""What the cloud13 tests share: one call in either mode, and AWS test credentials."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import llmkit
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)


def run(mode: str, op: str, *args: Any, **kw: Any) -> Any:
    """``Client.<op>`` (sync) or ``AsyncClient.<op>`` (async)."""
    if mode == "sync":
        with llmkit.Client() as client:
            return getattr(client, op)(*args, **kw)

    async def main() -> Any:
        async with llmkit.AsyncClient() as client:
            return await getattr(client, op)(*args, **kw)

    return asyncio.run(main())


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
