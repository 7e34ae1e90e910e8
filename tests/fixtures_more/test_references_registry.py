"""Every registered provider names what its wire format is held against
(``llmkit.providers._references.REFERENCES``), and every fixture named there exists, has its
``.source.md`` and is read by the tests the entry lists."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path

import pytest

from llmkit.providers import _references, all_specs
from llmkit.providers._references import FAMILY_ROWS, KINDS, REFERENCES, Reference

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
REGISTERED = sorted(s.name for s in all_specs())
HOW = (
    "add an entry to ROWS in its family's module under src/llmkit/providers/_references/, e.g. "
    '"{name}": (Reference("recorded", "owner/repo@commit:path", fixtures=("{name}/file.json",), '
    'tests=("tests/<slice>/test_x.py",)),) for a fixture under tests/fixtures/{name}/ with a '
    '.source.md; _sdk("<package> (PyPI)", "tests/<slice>/test_sdk.py") for SDK parity; or, when '
    'nothing exists, _gap("{name}", "what was searched (date)") with a '
    'tests/fixtures/{name}/NO_FIXTURE.source.md, or _none("what was searched")'
)


@cache
def _text(test: str) -> str:
    return (ROOT / test).read_text(encoding="utf-8")


def _named_in(fixture: str, tests: tuple[str, ...]) -> bool:
    """A test names the file, or builds its name from its stem or the stem's tail (Imagen's
    ``imagen-<case>.json`` are read as ``f"imagen-{case}.json"``)."""
    name = Path(fixture).name
    stem = name.split(".", 1)[0]
    tail = stem.split("-", 1)[-1]
    return any(name in _text(t) or stem in _text(t) or tail in _text(t) for t in tests)


@pytest.mark.parametrize("name", REGISTERED)
def test_every_registered_provider_names_its_reference(name: str) -> None:
    assert name in REFERENCES, f"provider {name!r} has no reference: " + HOW.format(name=name)
    refs = REFERENCES[name]
    assert refs and all(isinstance(r, Reference) and r.kind in KINDS for r in refs), name
    kinds = [r.kind for r in refs]
    if "none" in kinds:
        assert kinds == ["none"], f"{name}: 'none' is the only entry when nothing was found"
        assert len(refs[0].searched) > 40, f"{name}: say what was searched (and when)"
    else:
        for ref in refs:
            assert ref.where and ref.tests, f"{name}: a {ref.kind} reference names its source and tests"
            assert not ref.searched, f"{name}: searched= is for kind 'none'"


def test_no_reference_for_an_unregistered_provider() -> None:
    assert sorted(set(REFERENCES) - set(REGISTERED)) == []


def test_each_provider_has_its_row_in_one_module_and_every_module_is_merged() -> None:
    """REFERENCES merges the family modules' ROWS: a provider in two would lose one row silently,
    and a module left out of FAMILY_ROWS would be missing from the registry."""
    modules = [
        importlib.import_module(f"{_references.__name__}.{m.name}")
        for m in pkgutil.iter_modules(_references.__path__)
    ]
    with_rows = [m.ROWS for m in modules if hasattr(m, "ROWS")]
    assert sorted(map(id, with_rows)) == sorted(map(id, FAMILY_ROWS))
    names = [name for rows in FAMILY_ROWS for name in rows]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    assert len(names) == len(REFERENCES)


@pytest.mark.parametrize("name", REGISTERED)
def test_named_fixtures_exist_and_are_read_by_the_listed_tests(name: str) -> None:
    for ref in REFERENCES.get(name, ()):
        for test in ref.tests:
            assert (ROOT / test).is_file(), f"{name}: {test} does not exist"
        for fixture in ref.fixtures:
            path = FIXTURES / fixture
            assert path.is_file(), f"{name}: tests/fixtures/{fixture} does not exist"
            if ref.kind == "none":
                assert path.name == "NO_FIXTURE.source.md", f"{name}: a gap names its search note"
                assert "earched" in path.read_text(encoding="utf-8")
                continue
            assert path.with_name(path.name + ".source.md").is_file(), f"{fixture} has no .source.md"
            assert _named_in(fixture, ref.tests), f"{name}: no test in {ref.tests} reads {fixture}"


def test_every_fixture_file_is_claimed_by_a_reference() -> None:
    """A fixture nobody's reference names is a reference the docs do not show."""
    claimed = {f for refs in REFERENCES.values() for r in refs for f in r.fixtures}
    files = {
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.rglob("*")
        if p.is_file()
        and not p.name.endswith(".source.md")
        # tests/fixtures/router/ holds LiteLLM's config files, not a provider's wire format
        and not str(p.relative_to(FIXTURES)).startswith("router/")
    }
    assert sorted(files - claimed) == []
