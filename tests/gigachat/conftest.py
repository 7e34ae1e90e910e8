"""GigaChat tests: the emulator's GigaChat profile through the environment, a clean token cache
per test, and the shared helpers (``_walk``, ``_pages``) importable by name."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmkit.auth import gigachat as gauth
from llmkit.emulator import Emulator
from llmkit.emulator import gigachat as giga_emu

_TESTS = Path(__file__).resolve().parents[1]
for _folder in ("hardening", "docs"):
    if str(_TESTS / _folder) not in sys.path:
        sys.path.insert(0, str(_TESTS / _folder))


@pytest.fixture
def giga(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The emulator, with GIGACHAT_* pointing at it and no cached GigaChat token."""
    for name in ("GIGACHAT_SCOPE", "GIGACHAT_CA_BUNDLE_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIGACHAT_BASE_URL", emu.base_url("gigachat"))
    monkeypatch.setenv("GIGACHAT_AUTH_URL", giga_emu.auth_url(emu))
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", giga_emu.DEFAULT_CREDENTIALS)
    _forget_tokens()
    store = giga_emu.store_for(emu)
    store.lifetime = 1800.0
    yield emu
    _forget_tokens()
    store.lifetime = 1800.0


def _forget_tokens() -> None:
    # A client's cached resolution keeps its Auth and so its manager: empty the managers rather
    # than dropping them from the registry.
    for manager in gauth._MANAGERS.values():
        token = manager._token
        if token is not None:
            manager.invalidate(token)
