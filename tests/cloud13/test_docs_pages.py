"""The cloud13 notes pages' examples run against the emulator, aimed there through environment
variables only (base URLs, keys, AWS and Google credentials)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cloud13._helpers import CANARY_KEY, aws_env
from tests.conftest import REPO
from tests.docs._pages import run_page

from llmkit.emulator import Emulator, google_oauth

NOTES = REPO / "docs" / "notes"


def test_bedrock_rerank_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch)
    monkeypatch.setenv("BEDROCK_RERANK_BASE_URL", emu.base_url("bedrock_rerank"))
    run_page(NOTES / "bedrock_rerank.md")
    assert [r.path for r in emu.requests] == ["/rerank", "/rerank"]


def test_vertex_ranking_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = tmp_path / "sa.json"
    key.write_text(json.dumps(google_oauth.new_service_account(emu, "ranker")))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test-proj")
    monkeypatch.setenv("VERTEX_AI_RANKING_BASE_URL", emu.base_url("vertex_ai_ranking"))
    run_page(NOTES / "vertex_ai_ranking.md")
    assert emu.requests[-1].path.endswith(":rank")


def test_nim_rerank_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", CANARY_KEY)
    monkeypatch.setenv("NVIDIA_NIM_RERANK_BASE_URL", emu.base_url("nvidia_nim_rerank"))
    run_page(NOTES / "nvidia_nim_rerank.md")


def test_azure_cohere_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_AI_COHERE_API_KEY", CANARY_KEY)
    monkeypatch.setenv("AZURE_AI_COHERE_ENDPOINT", emu.base_url("azure_ai_cohere"))
    run_page(NOTES / "azure_ai_cohere.md")
    assert [r.path for r in emu.requests] == ["/v2/rerank", "/v2/embed"]


def test_bedrock_cohere_page(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_env(monkeypatch)
    monkeypatch.setenv("BEDROCK_COHERE_BASE_URL", emu.base_url("bedrock_cohere"))
    ns = run_page(NOTES / "bedrock_cohere.md")
    assert ns["reply"].text and emu.requests[-1].json()["documents"][0]["title"] == "France"
