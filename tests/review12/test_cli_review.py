"""Review of issue 12, CLI: the progress indicator shows only on a terminal."""

from __future__ import annotations

import io

from llmkit import cli


def test_progress_is_silent_when_stderr_is_not_a_terminal() -> None:
    p = cli.Progress(io.StringIO())
    p("starting")
    p("processing")
    p.done()
    assert p.stream.getvalue() == ""


def test_progress_shows_on_a_terminal() -> None:
    p = cli.Progress(io.StringIO(), enabled=True)
    p("starting")
    p("starting")
    p.done()
    assert p.stream.getvalue() == "[starting] .\n"
