"""Vertex AI MaaS on the emulator: its profile's base URL is the location root every Vertex AI
row shares (no doubled ``/endpoints/openapi``), and it takes the tokens the emulator's Google OAuth
endpoint issues for a service account, as the other Vertex rows do, besides ``access_token=``."""

from __future__ import annotations

from typing import Any

import pytest
from _natives3_helpers import run
from tests.conftest import CANARY_KEY

from llmkit.emulator import Emulator, Script, google_oauth
from llmkit.errors import AuthenticationError, NotFoundError

ROOT = "/vertex_ai_maas/v1/projects/test-proj/locations/us-central1"
MODEL = "vertex_ai_maas/meta/llama-3.3-70b-instruct-maas"


@pytest.fixture(scope="module")
def service_account(emulator: Emulator) -> dict[str, Any]:
    return google_oauth.new_service_account(emulator, "natives3-maas")


def test_the_profiles_base_url_is_the_location_root(emu: Emulator) -> None:
    assert emu.base_url("vertex_ai_maas") == emu.url + ROOT


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_service_account_token_reaches_it(
    mode: str, emu: Emulator, service_account: dict[str, Any]
) -> None:
    emu.script(Script(text="llama here"), Script(text="streamed"))
    kw = {"base_url": emu.base_url("vertex_ai_maas"), "credentials": service_account, "max_retries": 0}
    assert run(mode, "complete", MODEL, "hi", project="test-proj", **kw).text == "llama here"
    _events, c = run(mode, "stream", MODEL, "hi", project="test-proj", **kw)
    assert c.text == "streamed"
    calls = [r for r in emu.requests if r.profile == "vertex_ai_maas"]
    assert [r.full_path for r in calls] == [ROOT + "/endpoints/openapi/chat/completions"] * 2
    token = calls[0].headers["authorization"].removeprefix("Bearer ")
    assert google_oauth.token_is_live(emu, token) and token != CANARY_KEY


def test_a_token_it_did_not_issue_is_refused(emu: Emulator) -> None:
    kw = {"base_url": emu.base_url("vertex_ai_maas"), "access_token": "ya29.forged", "max_retries": 0}
    with pytest.raises(AuthenticationError, match="invalid authentication credentials"):
        run("sync", "complete", MODEL, "hi", **kw)


def test_the_doubled_path_is_not_served(emu: Emulator) -> None:
    doubled = emu.base_url("vertex_ai_maas") + "/endpoints/openapi"
    with pytest.raises(NotFoundError):
        run("sync", "complete", MODEL, "hi", base_url=doubled, access_token=CANARY_KEY, max_retries=0)
