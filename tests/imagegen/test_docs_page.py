"""docs/notes/images-google-bedrock.md: its python examples run against the emulator, aimed
there through environment variables only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _pages import run_page

from llmkit.emulator import Emulator, google_oauth
from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"


def test_page_examples_run(emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(google_oauth.new_service_account(emu, "docs-images")))
    env = {
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "GOOGLE_CLOUD_PROJECT": "test-proj",
        "VERTEX_AI_BASE_URL": f"{emu.url}/vertex_ai/v1/projects/test-proj/locations/us-central1",
        "GEMINI_BASE_URL": f"{emu.url}/gemini/v1beta",
        "GEMINI_API_KEY": CANARY_KEY,
        "BEDROCK_BASE_URL": emu.base_url("bedrock"),
        "TOGETHER_AI_BASE_URL": emu.base_url("together_ai"),
        "TOGETHER_API_KEY": CANARY_KEY,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    ns = run_page("notes/images-google-bedrock.md")
    assert (tmp_path / "lighthouse-1.png").read_bytes() == ns["images"][1].data
    assert ns["edited"].images[0].data
    assert {r.profile for r in emu.requests} >= {"vertex_ai", "gemini", "bedrock", "together_ai"}
