"""Tests that read the project's shared folder (published specs) find it through one fixture:
``$LLMKIT_SHARED`` overrides ``../shared``, and a missing folder fails every such test with the
same clear line (never a skip, never a bare FileNotFoundError or a collection error)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
# One test from each module that reads the shared folder.
READERS = [
    "tests/gemini/test_vertex_partners.py::test_hosts_agree_with_the_discovery_document",
    "tests/gemini/test_gemini_specs.py::test_validator_catches_mistakes",
    "tests/gemini/test_google_fixtures.py::test_recorded_bodies_match_published_definitions",
    "tests/fleet/test_published_specs.py::test_ollama_document_covers_only_the_native_api",
    "tests/conformance/test_openai_spec.py::test_validator_accepts_nullable_fields",
]


def _pytest(shared: str, tests: list[str] = READERS) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LLMKIT_SHARED": shared}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *tests],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_a_missing_shared_folder_fails_every_reader_with_one_message(tmp_path: Path) -> None:
    missing = tmp_path / "no-shared-here"
    proc = _pytest(str(missing))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"{len(READERS)} errors" in out, out[-2000:]
    assert "skipped" not in out and "FileNotFoundError" not in out and "Traceback" not in out
    assert out.count("set LLMKIT_SHARED=/path/to/shared") >= len(READERS), out[-2000:]
    assert str(missing / "specs") in out


def test_the_variable_points_the_readers_elsewhere(
    shared_spec: Callable[[str], Path], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "a-copy-of-shared"  # not ../shared: only the variable can lead there
    elsewhere.symlink_to(shared_spec("openai/openapi.yaml").parents[2], target_is_directory=True)
    proc = _pytest(str(elsewhere), READERS[:1])  # one light reader: the point is the variable
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-2000:]
    assert "1 passed" in proc.stdout


def test_no_test_builds_its_own_path_to_the_shared_folder() -> None:
    """The rule lives in tests/conftest.py only; everything else takes the shared_spec fixture."""
    own_path = re.compile(r"""/\s*["']shared["']|["']shared["']\s*/|skipif\([^)]*shared""", re.I)
    offenders = [
        str(p.relative_to(REPO))
        for p in TESTS.rglob("*.py")
        if p.name != "conftest.py" and p != Path(__file__).resolve() and own_path.search(p.read_text())
    ]
    assert not offenders, f"read the shared folder through the shared_spec fixture: {offenders}"
