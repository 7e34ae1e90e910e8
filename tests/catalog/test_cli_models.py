"""``llmkit models``: a readable table, JSON for tools, filters, and a typed refusal."""

from __future__ import annotations

import json

import pytest

import llmkit
from llmkit.cli import main


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--provider", "gemini", "--supports", "tools,vision"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["model", "context"]
    row = next(line for line in out if line.startswith("gemini/gemini-2.5-pro "))
    assert row.split()[1:6] == ["1,048,576", "65,536", "1.25", "0.125", "10"]
    assert "litellm-1.110.2" in out[-1]


def test_json_is_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--provider", "openai", "--supports", "reasoning", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["snapshot"]["id"] == "litellm-1.110.2"
    names = {m["name"] for m in data["models"]}
    assert "openai/o3" in names and "openai/gpt-4o" not in names
    o3 = next(m for m in data["models"] if m["name"] == "openai/o3")
    assert o3["prices"]["standard"]["input"] == "2" and o3["prices"]["service_tiers"]["flex"]["input"] == "1"
    assert o3["reasoning"] is True and o3["context_window"] == 200000
    assert len(names) == len(llmkit.catalog.models("openai", ("reasoning",)))


def test_unknown_provider(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--provider", "nope"]) == 2
    assert "no models for provider 'nope'" in capsys.readouterr().err
