"""The SAP tests' fixture: the emulator's service key in the environment, empty token and
deployment caches. tests/docs is put on sys.path for ``_pages`` (--import-mode=importlib puts no
test folder there)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmkit.auth import sap as sap_auth
from llmkit.emulator import Emulator
from llmkit.emulator import sap as esap

sys.path.insert(0, str(Path(__file__).parents[1] / "docs"))

MODEL = "sap/gpt-4o"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def sap(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The emulator, its service key in AICORE_SERVICE_KEY, and no cached token or deployment."""
    for var in ("AICORE_CLIENT_ID", "AICORE_CLIENT_SECRET", "AICORE_AUTH_URL", "AICORE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("AICORE_RESOURCE_GROUP", raising=False)
    monkeypatch.delenv("AICORE_DEPLOYMENT_ID", raising=False)
    monkeypatch.setenv("AICORE_SERVICE_KEY", json.dumps(esap.service_key(emu)))
    state = esap.state_for(emu)
    state.expires_in = 43199
    state.issued = state.lookups = 0
    state.deployments = {"default": [esap.deployment(emu, esap.DEPLOYMENT_ID)]}
    _forget()
    yield emu
    _forget()


def _forget() -> None:
    # The default clients keep their resolved Auth (and so its managers) across tests: empty the
    # managers rather than drop them.
    for manager in list(sap_auth._MANAGERS.values()):
        manager._token, manager._expires_at = None, 0.0
