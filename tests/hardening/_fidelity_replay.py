"""Helpers for the fidelity tests (imported by name: tests/hardening/conftest.py puts this folder
on sys.path).

``replay``: an emulator profile that answers with the bytes the request itself carries (base64 in
``x-replay-body``), sent in ONE chunked write, so a test can put several events (a delta and an
error, say) in one transport read. Stateless, so the emulator's handler cache cannot go stale.
``complete`` / ``stream``: drive the public API sync or async. ``aws_env``: the emulator's fake
AWS credentials in the environment, and no real AWS configuration read.
"""

from __future__ import annotations

import asyncio
import base64
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from llmkit import AsyncClient, Client
from llmkit.emulator import PROFILES, Emulator, EmuRequest, Profile, Reply
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.types import Completion, StreamEvent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROFILE = "fidelity_replay"
_MODULE = "llmkit_tests_fidelity_replay"


def _handle(req: EmuRequest, emu: Emulator, profile: Profile) -> Reply:
    body = base64.b64decode(req.headers["x-replay-body"])
    ctype = req.headers.get("x-replay-type", "application/json")
    status = int(req.headers.get("x-replay-status", "200"))
    return Reply(status, {"content-type": ctype, "x-amzn-requestid": "rid-replay"}, chunks=[body])


def install(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> str:
    """Register the replay profile; returns its base URL."""
    module = types.ModuleType(_MODULE)
    module.handle = _handle  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, _MODULE, module)
    monkeypatch.setitem(PROFILES, PROFILE, Profile(PROFILE, f"{_MODULE}:handle", base_path=""))
    return emu.base_url(PROFILE)


def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")


def serve(body: bytes, content_type: str = "application/json") -> dict[str, str]:
    """The extra_headers that make the replay profile answer ``body``."""
    return {"x-replay-body": base64.b64encode(body).decode(), "x-replay-type": content_type}


def fixture(path: str) -> bytes:
    assert (FIXTURES / f"{path}.source.md").is_file(), f"{path} has no source note"
    return (FIXTURES / path).read_bytes()


def complete(mode: str, model: str, messages: Any = "Hi", **kw: Any) -> Completion:
    if mode == "sync":
        with Client() as client:
            return client.complete(model, messages, **kw)

    async def go() -> Completion:
        async with AsyncClient() as client:
            return await client.complete(model, messages, **kw)

    return asyncio.run(go())


def stream(mode: str, model: str, messages: Any = "Hi", **kw: Any) -> tuple[list[StreamEvent], Completion]:
    """Every event, then the final completion (which may raise, after the events were kept)."""
    events: list[StreamEvent] = []
    if mode == "sync":
        with Client() as client, client.stream(model, messages, **kw) as s:
            for ev in s:
                events.append(ev)
            return events, s.completion

    async def go() -> Completion:
        async with AsyncClient() as client:
            async with client.stream(model, messages, **kw) as s:
                async for ev in s:
                    events.append(ev)
                return s.completion

    return events, asyncio.run(go())
