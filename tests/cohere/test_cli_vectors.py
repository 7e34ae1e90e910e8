"""``llmkit embed`` and ``llmkit rerank`` against the emulator (aimed there through the
environment, as a user would): plain and JSON output, options, stdin, and errors as one line on
stderr with exit status 1 (provider) or 2 (usage), no traceback."""

from __future__ import annotations

import io
import json

import pytest
from tests.conftest import CANARY_KEY

from llmkit.cli import main
from llmkit.emulator import Emulator
from llmkit.emulator.script import Script, ScriptedError


@pytest.fixture
def env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    monkeypatch.setenv("CO_API_KEY", CANARY_KEY)
    monkeypatch.setenv("COHERE_BASE_URL", emu.base_url("cohere"))
    return emu


def test_embed_plain(env: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["embed", "-m", "cohere/embed-v4.0", "hello world", "second"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("8\t[") and lines[0].endswith("hello world")
    assert "2 vectors" in err


def test_embed_json_with_options(env: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["embed", "-m", "cohere/embed-v4.0", "--json", "--dimensions", "256", "-o", "truncate=END", "x"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["vectors"]) == 1 and len(data["vectors"][0]) == 256 and data["provider"] == "cohere"
    body = env.requests[-1].json()
    assert body["truncate"] == "END" and body["output_dimension"] == 256


def test_embed_from_stdin(
    env: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("one\n\ntwo\n"))
    assert main(["embed", "-m", "cohere/embed-v4.0", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["vectors"]) == 2
    assert env.requests[-1].json()["texts"] == ["one", "two"]


def test_rerank_plain(env: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "rerank",
        "-m",
        "cohere/rerank-v3.5",
        "--query",
        "dog barks",
        "cats purr",
        "the dog barks",
        "-n",
        "1",
    ]
    assert main(argv) == 0
    [line] = capsys.readouterr().out.splitlines()
    rank, index, score, doc = line.split("\t")
    assert (rank, index, doc) == ("1", "1", "the dog barks") and 0 < float(score) < 1


def test_rerank_json(env: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rerank", "-m", "cohere/rerank-v3.5", "-q", "cat", "--json", "a dog", "a cat"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["index"] for r in data["results"]] == [1, 0] and data["results"][0]["document"] == "a cat"


def test_provider_error_is_one_line(env: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    env.script(Script(error=ScriptedError(500, "boom")))
    assert main(["rerank", "-m", "cohere/rerank-v3.5", "-q", "q", "--option", "max_retries=0", "a"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("llmkit: error:") and "boom" in err and "Traceback" not in err


def test_usage_errors(
    env: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["embed", "-m", "cohere/embed-v4.0"]) == 2
    assert main(["rerank", "-m", "cohere/rerank-v3.5", "-q", "q"]) == 2
    assert main(["rerank", "-m", "cohere/rerank-v3.5", "-q", "q", "-o", "novalue", "a"]) == 2
    err = capsys.readouterr().err
    assert "nothing to embed" in err and "no documents" in err and "name=value" in err
    assert env.requests == []


def test_missing_key_names_the_variable(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CO_API_KEY", raising=False)
    monkeypatch.delenv("COHERE_API_KEY", raising=False)
    monkeypatch.setenv("COHERE_BASE_URL", emu.base_url("cohere"))
    assert main(["embed", "-m", "cohere/embed-v4.0", "x"]) == 1
    assert "CO_API_KEY" in capsys.readouterr().err
