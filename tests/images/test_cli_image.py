"""``llmkit image``: files written (OUT-1.png, OUT-2.png for several), URL answers fetched, errors
as one line, and the progress indicator a pending job drives through ``on_progress``."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CANARY_KEY

import llmkit
from llmkit import cli
from llmkit.emulator import Emulator, _images
from llmkit.emulator.script import Script
from llmkit.images import GeneratedImage, Images, report_progress

PIL = pytest.importorskip("PIL.Image")


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)


def test_one_image(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fox.webp"
    argv = ["image", "-m", "openai/gpt-image-1", "a", "fox", "-o", str(out), "--output-format", "webp"]
    assert cli.main([*argv, "--base-url", emu.base_url("openai")]) == 0
    assert PIL.open(out).format == "WEBP"
    assert capsys.readouterr().out.strip() == str(out)
    assert emu.requests[-1].json()["prompt"] == "a fox"


def test_several_images_are_numbered(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.png"
    code = cli.main(["image", "-m", "openai/dall-e-2", "x", "-o", str(out), "--n", "2", "--size", "256x256",
                     "--base-url", emu.base_url("openai")])  # fmt: skip
    assert code == 0
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["out-1.png", "out-2.png"]
    assert capsys.readouterr().out.split() == [str(tmp_path / "out-1.png"), str(tmp_path / "out-2.png")]


def test_revised_prompt_on_stderr(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(
        [
            "image",
            "-m",
            "openai/dall-e-3",
            "x",
            "-o",
            str(tmp_path / "a.png"),
            "--base-url",
            emu.base_url("openai"),
        ]
    )
    assert "revised prompt: A detailed rendering of: x" in capsys.readouterr().err


def test_errors_are_one_line(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["image", "-m", "openai/dall-e-3", "x", "--n", "2", "-o", str(tmp_path / "a.png")])
    err = capsys.readouterr().err
    assert code == 1 and "does not take n" in err and "Traceback" not in err
    emu.script(Script(finish_reason="content_filter"))
    code = cli.main(
        [
            "image",
            "-m",
            "openai/gpt-image-1",
            "x",
            "-o",
            str(tmp_path / "b.png"),
            "--base-url",
            emu.base_url("openai"),
        ]
    )
    assert code == 1 and "safety system" in capsys.readouterr().err
    assert not (tmp_path / "b.png").exists()


def test_image_paths() -> None:
    assert cli.image_paths("a/out.png", 1) == [Path("a/out.png")]
    assert cli.image_paths("out.jpeg", 3) == [Path("out-1.jpeg"), Path("out-2.jpeg"), Path("out-3.jpeg")]


def test_progress_indicator_is_driven_by_a_pending_job(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake(model: str, prompt: str, **kw: Any) -> Images:
        # What the images flow does while a prediction is pending (tests/images/test_flow.py).
        for status in ("starting", "processing", "processing", "processing"):
            report_progress(status)
        return Images([GeneratedImage(_images.PNG, "image/png", seed=42)], "m", "p")

    monkeypatch.setattr(llmkit, "generate_image", fake)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the indicator is for a terminal
    assert cli.main(["image", "-m", "p/m", "x", "-o", str(tmp_path / "a.png")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("[starting] \n[processing] ..\n")
    assert "seed 42" in err


def test_progress_prints_nothing_when_nothing_is_pending() -> None:
    p = cli.Progress(io.StringIO())
    p.done()
    assert p.stream.getvalue() == ""
