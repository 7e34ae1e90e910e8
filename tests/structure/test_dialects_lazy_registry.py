"""Lazy per-family registration: the first ``anthropic/...`` call loads the Anthropic family and
dialect only; the index of provider names agrees with the spec modules."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap

import pytest

from llmkit import providers
from llmkit.emulator import Emulator
from llmkit.errors import ConfigurationError
from llmkit.providers import FAMILIES, SPEC_MODULES

OTHER_DIALECTS = ("openai_chat", "gemini", "bedrock", "sagemaker")


def test_the_index_lists_every_spec_and_no_stale_name() -> None:
    for module, names in FAMILIES.items():
        declared = tuple(s.name for s in importlib.import_module(module).SPECS)
        assert declared == names, f"{module}: SPECS {declared} but FAMILIES lists {names}"
    every = [name for names in FAMILIES.values() for name in names]
    assert len(every) == len(set(every)), "a provider listed under two modules"
    assert list(FAMILIES) == SPEC_MODULES


def _run(code: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


LOADED = """
import json, sys
def loaded():
    return sorted(m for m in sys.modules if m.startswith(("llmkit.dialects.", "llmkit.providers.")))
"""


def test_the_first_anthropic_call_loads_only_its_family(emu: Emulator) -> None:
    got = _run(
        LOADED
        + f"""
import llmkit
c = llmkit.complete("anthropic/claude-sonnet-4-5", "hi", api_key={emu.api_key or "sk-ant-any"!r},
                    base_url={emu.base_url("anthropic")!r}, max_retries=0)
print(json.dumps({{"text": c.text, "modules": loaded()}}))
"""
    )
    modules = got["modules"]
    assert isinstance(modules, list) and got["text"]
    assert "llmkit.dialects.anthropic" in modules and "llmkit.providers.anthropic" in modules
    for dialect in OTHER_DIALECTS:
        assert not any(m.startswith(f"llmkit.dialects.{dialect}") for m in modules), (dialect, modules)
    others = [m for m in SPEC_MODULES if m != "llmkit.providers.anthropic"]
    assert not set(others) & set(modules), modules
    assert "llmkit.providers._quirks" not in modules


# A spec module as a fresh interpreter sees it: the dialect packages importing it loads, and those
# its specs' dialects load.
SPEC_MODULE_PROBE = """
import importlib, json, sys
def dialects():
    return sorted({m.split(".")[2] for m in sys.modules
                   if m.startswith("llmkit.dialects.") and not m.split(".")[2].startswith("_")})
module = importlib.import_module(sys.argv[1])
spec_only = dialects()
from llmkit.dialects import get_dialect
for spec in module.SPECS:
    get_dialect(spec.dialect)
print(json.dumps({"spec_only": spec_only, "with_dialects": dialects()}))
"""


def test_a_spec_module_loads_no_dialect_its_specs_do_not_speak() -> None:
    """A spec module holds the specs of the dialects it imports: a first ``gemini/`` call used to
    load the OpenAI and Anthropic dialects, because the Vertex partner specs (and their quirks)
    shared the Gemini specs' module. One interpreter per module, run side by side."""
    procs = {
        module: subprocess.Popen(
            [sys.executable, "-c", SPEC_MODULE_PROBE, module], stdout=subprocess.PIPE, text=True
        )
        for module in SPEC_MODULES
    }
    extra: dict[str, list[str]] = {}
    for module, proc in procs.items():
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, module
        got = json.loads(out)
        if set(got["spec_only"]) - set(got["with_dialects"]):
            extra[module] = sorted(set(got["spec_only"]) - set(got["with_dialects"]))
    assert not extra, extra


def test_the_vertex_specs_and_the_gemini_quirks_name_the_same_hosts() -> None:
    from llmkit.dialects.gemini import VERTEX
    from llmkit.providers._vertex import VERTEX_HOSTS

    assert dict(VERTEX.host_aliases) == dict(VERTEX_HOSTS)
    vertex = [
        s for s in providers.all_specs() if s.name.startswith("vertex_ai") and s.dialect != "vertex_ranking"
    ]
    assert len(vertex) == 5 and all(dict(s.host_aliases) == dict(VERTEX_HOSTS) for s in vertex)


def test_a_route_target_in_another_family_loads_on_demand() -> None:
    got = _run(
        LOADED
        + """
from llmkit.providers import get_spec
spec = get_spec("vertex_ai")
print(json.dumps({"modules": loaded(), "routes": [t for _, t in spec.model_routes],
                  "targets": [get_spec(t).name for _, t in spec.model_routes]}))
"""
    )
    routes, targets = got["routes"], got["targets"]
    assert routes == targets and "vertex_ai_anthropic" in targets
    modules = got["modules"]
    assert isinstance(modules, list) and "llmkit.providers.compatible_cloud" not in modules


def test_an_unknown_name_loads_every_family_before_its_hint() -> None:
    got = _run(
        LOADED
        + """
from llmkit.providers import get_spec
from llmkit.errors import ConfigurationError
try:
    get_spec("sagemker")
except ConfigurationError as exc:
    print(json.dumps({"message": str(exc), "modules": loaded()}))
"""
    )
    assert "Did you mean sagemaker" in str(got["message"])
    modules = got["modules"]
    assert isinstance(modules, list) and set(SPEC_MODULES) <= set(modules)


def test_all_specs_loads_every_family() -> None:
    names = {s.name for s in providers.all_specs()}
    assert names == {n for family in FAMILIES.values() for n in family} | set(providers._extra)


def test_a_spec_the_index_does_not_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import types

    fake = types.ModuleType("llmkit.providers._fake_unlisted")
    fake.SPECS = (dataclasses.replace(providers.get_spec("openai"), name="unlisted_one"),)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setitem(providers.FAMILIES, fake.__name__, ())
    monkeypatch.setattr(providers, "SPEC_MODULES", [*SPEC_MODULES, fake.__name__])
    with pytest.raises(ConfigurationError, match=r"unlisted_one.*registry index"):
        providers.get_spec("no_such_provider")


def test_a_popped_builtin_comes_back() -> None:
    """Tests (and callers) that replace a built-in and pop it again find the original."""
    spec = providers.get_spec("groq")
    providers._registry.pop("groq")
    assert providers.get_spec("groq") is spec


@pytest.mark.parametrize(("name", "home"), [("ollama", "compatible_local"), ("mistral", "compatible_labs")])
def test_an_openai_compatible_family_loads_the_helpers_not_another_family(name: str, home: str) -> None:
    """The compatible_* modules build their specs with ``providers._compatible``, so looking up one
    provider loads its own family's specs and no other family's (issue 17: the first call)."""
    code = f"from llmkit.providers import get_spec\nget_spec({name!r})\nprint(json.dumps({{'m': loaded()}}))"
    modules = _run(LOADED + code)["m"]
    assert isinstance(modules, list)
    families = {m for m in modules if m.startswith("llmkit.providers.compatible_")}
    assert families == {f"llmkit.providers.{home}"}
    assert "llmkit.providers._compatible" in modules
