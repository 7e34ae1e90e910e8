"""docs/guides/*.md and docs/index.md: every python example runs against the emulator, aimed
there by environment variables only (each guide's, set here), the scripted answers queued in
the order the examples ask."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from _pages import DOCS, run_page
from tests.conftest import CANARY_KEY

from llmkit.emulator import Emulator, Script
from llmkit.emulator import gigachat as giga_emu
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY
from llmkit.emulator.gemini import VERTEX_PROJECT

GUIDES = sorted(p.name for p in (DOCS / "guides").glob("*.md"))
CITY = {"city": "Lisbon", "population": 545923}


def _openai(emu: Emulator, _: Path) -> dict[str, str]:
    return {"OPENAI_API_KEY": CANARY_KEY, "OPENAI_BASE_URL": emu.base_url("openai")}


def _aws(emu: Emulator, _: Path) -> dict[str, str]:
    return {
        "BEDROCK_BASE_URL": emu.base_url("bedrock"),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": "us-east-1",
    }


def _google(emu: Emulator, key_file: Path) -> dict[str, str]:
    return {
        "VERTEX_AI_BASE_URL": emu.base_url("vertex_ai"),
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "GOOGLE_CLOUD_PROJECT": VERTEX_PROJECT,
    }


def _azure(emu: Emulator, _: Path) -> dict[str, str]:
    return {
        "AZURE_OPENAI_BASE_URL": emu.base_url("azure_openai"),
        "AZURE_OPENAI_API_KEY": CANARY_KEY,
        "MY_ENTRA_TOKEN": CANARY_KEY,
    }


def _enterprise(emu: Emulator, _: Path) -> dict[str, str]:
    return {
        "WATSONX_APIKEY": CANARY_KEY,
        "WATSONX_URL": emu.base_url("watsonx"),
        "WATSONX_IAM_URL": f"{emu.url}/watsonx_iam",
        "WATSONX_PROJECT_ID": "0b2c9f1e-7d3a-4c55-9e1f-2a6b8c0d4e11",
        "GIGACHAT_BASE_URL": emu.base_url("gigachat"),
        "GIGACHAT_AUTH_URL": giga_emu.auth_url(emu),
        "GIGACHAT_CREDENTIALS": giga_emu.DEFAULT_CREDENTIALS,
    }


def _none(emu: Emulator, _: Path) -> dict[str, str]:
    return {}  # the page starts its own emulator


# page -> (its environment, the answers its examples get, in order)
PAGES: Mapping[str, tuple[Callable[[Emulator, Path], dict[str, str]], tuple[Script, ...]]] = {
    "index.md": (_openai, ()),
    "guides/getting-started.md": (_openai, ()),
    "guides/streaming.md": (_openai, ()),
    "guides/tools.md": (_openai, ()),
    "guides/structured-output.md": (_openai, (Script(json=CITY), Script(json=CITY))),
    "guides/errors-and-retries.md": (_openai, ()),
    "guides/migrating-from-litellm.md": (_openai, ()),
    "guides/testing-with-the-emulator.md": (_none, ()),
    "guides/credentials-aws.md": (_aws, ()),
    "guides/credentials-google.md": (_google, ()),
    "guides/credentials-azure.md": (_azure, ()),
    "guides/credentials-enterprise.md": (_enterprise, ()),
}


@pytest.fixture(scope="module")
def google_key(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from llmkit.emulator import google_oauth

    path = tmp_path_factory.mktemp("gcp-guide") / "service-account.json"
    path.write_text(json.dumps(google_oauth.new_service_account(emulator, "docs-guide")), encoding="utf-8")
    return path


def test_every_guide_is_run() -> None:
    assert {f"guides/{g}" for g in GUIDES} <= set(PAGES), "a guide without an entry in PAGES"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_examples_run(
    page: str, emu: Emulator, monkeypatch: pytest.MonkeyPatch, google_key: Path
) -> None:
    env, scripts = PAGES[page]
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "GIGACHAT_SCOPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    for name, value in env(emu, google_key).items():
        monkeypatch.setenv(name, value)
    emu.script(*scripts)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        run_page(page)
    assert out.getvalue(), f"{page} printed nothing"
    assert emu.pending_scripts() == 0, f"{page} left scripted answers unused"
