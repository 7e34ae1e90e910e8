"""The ``Reference`` record and its kinds, and what the rows share: the helpers that build common
entries and the test modules many rows name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "Reference", "RefKind"]

RefKind = Literal["sdk", "recorded", "docs_sample", "spec", "none"]
# The kinds, strongest first (the order the generated page lists them in).
KINDS: tuple[RefKind, ...] = ("recorded", "docs_sample", "sdk", "spec", "none")


@dataclass(frozen=True, slots=True)
class Reference:
    """One thing a provider's wire format is held against.

    ``where``: the package (``groq`` on PyPI), repo@commit:path or URL the reference comes from.
    ``fixtures``: files under ``tests/fixtures/`` that carry it (each with a ``.source.md``), or for
    ``none`` the note recording the search. ``tests``: the test modules that hold llmkit to it.
    ``searched``: for ``none``, what was searched and when."""

    kind: RefKind
    where: str = ""
    fixtures: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    searched: str = ""


def _fx(folder: str, *names: str) -> tuple[str, ...]:
    return tuple(f"{folder}/{n}" for n in names)


def _gap(name: str, searched: str) -> tuple[Reference, ...]:
    """No reference found; the search is recorded in tests/fixtures/<name>/NO_FIXTURE.source.md."""
    return (Reference("none", fixtures=(f"{name}/NO_FIXTURE.source.md",), searched=searched),)


def _sdk(package: str, *tests: str) -> Reference:
    return Reference("sdk", package, tests=tests)


# The openai SDK and OpenAI's published OpenAPI document hold the OpenAI wire format itself
# (every openai_chat row's translation); a row is listed with them only when nothing of its own
# was found, and then its kind is "none": they say nothing about that provider's own answers.
_OPENAI_SDK = _sdk("openai (PyPI)", "tests/conformance/test_openai_sdk.py")
_OPENAI_SPEC = Reference(
    "spec", "openai/openai-openapi@f85dbe22:openapi.yaml (../shared/specs/openai)",
    tests=("tests/conformance/test_openai_spec.py",),
)  # fmt: skip
_FLEET_SDK = "tests/hardening/test_emulator_fleet_sdks.py"
_FIXTURES = "tests/fleet/test_fixtures.py"
_PUBLISHED = "tests/fleet/test_published_specs.py"


_CASSETTES = "tests/fixtures_more/test_cassettes.py"
_SDK_PARITY = "tests/fixtures_more/test_sdk_parity.py"
_REFS_A = "tests/refs_a/test_references.py"
_REFS_B_SDK = "tests/refs_b/test_sdk_parity.py"
_REFS_B_RECORDED = "tests/refs_b/test_recorded.py"
_REFS_C = "tests/refs_c/"

_REFS_D = "tests/refs_d/test_docs_samples.py"

_REFS_E_RECORDED = "tests/refs_e/test_recorded.py"

_REFS_F = "tests/refs_f/test_references.py"


def _none(extra: str = "") -> tuple[Reference, ...]:
    """A row with no reference of its own found: ``extra`` is what was searched for its host
    beyond the cassette collections every such row was checked against."""
    what = f"{extra}; " if extra else ""
    return (
        Reference(
            "none",
            searched=f"{what}the recorded cassettes of pydantic/pydantic-ai@4fda3898 (every host they "
            "record) and charmbracelet/fantasy (all history): no call to this provider's host "
            "(2026-12-02). Its wire format is held to its format's references and the emulator's "
            "profile only.",
        ),
    )


_REFS_H = "tests/refs_h/test_references.py"  # refs_h (issue 14): bodies vendors printed
_REFS_G = "tests/refs_g/test_references.py"  # refs_g (issue 14)
_REFS_I = "tests/refs_i/test_references.py"  # refs_i: first used by "upstage" (hosts.py)
