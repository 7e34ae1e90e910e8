"""The resolution step's structural promises.

``_resolve.resolve`` is a pipeline of small functions returning a frozen ``Resolved`` whose options
are read-only; the caller's options are partitioned once (an auth factory is handed only its
declared options, read-only, in an ``AuthInputs``); ``auth/`` imports nothing from
``llmkit.providers``; host aliasing is written once (``_urls.alias_host``); and a cached resolution
goes stale when any environment variable it read changes (a param's, not only the key's).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest

import llmkit
from llmkit import _resolve
from llmkit._resolve import Resolved, auth_factory, partition, resolve
from llmkit._urls import alias_host
from llmkit.auth.base import AuthFactory
from llmkit.auth.google import AccessTokenAuth
from llmkit.errors import ConfigurationError
from llmkit.providers import all_specs, get_spec

SRC = Path(llmkit.__file__).parent


def _resolve_vertex(**options: Any) -> Resolved:
    return resolve(
        "vertex_ai/gemini-2.5-pro",
        api_key=None,
        base_url=None,
        extra_headers=None,
        options={"project": "my-project-1", **options},
        default_keys={},
        default_headers={},
    )


def test_resolved_is_frozen_and_its_options_read_only() -> None:
    r = _resolve_vertex(access_token="ya29.given", labels={"a": "b"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.auth = r.auth  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.options["x"] = 1  # type: ignore[index]
    # The auth factory's option went to the auth, the URL param to the URL, the rest to the body.
    assert isinstance(r.auth, AccessTokenAuth)
    assert dict(r.options) == {"labels": {"a": "b"}}
    assert "/projects/my-project-1/" in r.ctx.base_url


def test_each_step_of_resolution_is_short() -> None:
    tree = ast.parse((SRC / "_resolve.py").read_text())
    lengths = {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    assert "resolve" in lengths and "partition" in lengths
    too_long = {name: n for name, n in lengths.items() if n > 30}
    assert not too_long, too_long


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            found.update(
                a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            )
    return found


def test_auth_imports_nothing_from_providers() -> None:
    # Auth is a layer below providers (and dialects): also no TYPE_CHECKING or lazy imports up.
    for path in sorted((SRC / "auth").glob("*.py")):
        upward = {
            m for m in _imports(path) if m.startswith(("llmkit.providers", "llmkit.dialects", "llmkit.api"))
        }
        assert not upward, f"{path.name} imports {sorted(upward)}"


def test_every_custom_auth_spec_names_an_auth_factory() -> None:
    custom = [spec for spec in all_specs() if spec.auth == "custom"]
    assert custom
    for spec in custom:
        factory = auth_factory(spec)
        assert isinstance(factory, AuthFactory), spec.name
        # What it consumes is declared, and no option is claimed by two destinations.
        assert not factory.options & spec.body_options.keys(), spec.name
        assert not factory.options & spec.header_options.keys(), spec.name


def test_a_factory_is_handed_only_its_options_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def build(inputs: Any) -> Any:
        seen.append(inputs)
        with pytest.raises(TypeError):
            inputs.options["access_token"] = "changed"
        return AccessTokenAuth("ya29.fake")

    spec = get_spec("vertex_ai")
    fake = AuthFactory(build, frozenset({"access_token"}))
    monkeypatch.setitem(_resolve._FACTORIES, spec.auth_factory or "", fake)
    r = _resolve_vertex(access_token="ya29.given", labels={"k": "v"})
    (inputs,) = seen
    assert dict(inputs.options) == {"access_token": "ya29.given"}
    assert inputs.provider == "vertex_ai" and inputs.key is None
    assert dict(inputs.params) == {"project": "my-project-1", "location": "us-central1"}
    assert dict(r.options) == {"labels": {"k": "v"}}
    assert "ya29" not in repr(inputs)


def test_an_option_nobody_claims_is_the_same_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="does not take option"):
        _resolve_vertex(not_an_option=1)
    spec = get_spec("vertex_ai")
    parts = partition(spec, auth_factory(spec), {"region": "europe-west4", "scopes": ["s"], "x": 1})
    # ``region`` is Vertex AI's alias of ``location`` (a param), ``scopes`` the auth's, ``x`` the body's.
    assert (dict(parts.params), dict(parts.auth), dict(parts.body)) == (
        {"region": "europe-west4"},
        {"scopes": ["s"]},
        {"x": 1},
    )


def test_host_aliasing_is_written_once() -> None:
    aliases = {"global-aiplatform.googleapis.com": "aiplatform.googleapis.com"}
    assert alias_host("https://global-aiplatform.googleapis.com:8443/v1/x", aliases) == (
        "https://aiplatform.googleapis.com:8443/v1/x"
    )
    assert alias_host("https://us-central1-aiplatform.googleapis.com/v1", aliases).startswith(
        "https://us-central1"
    )
    # Nowhere else rebuilds a URL around a replaced host.
    users = [p for p in SRC.rglob("*.py") if "emulator" not in p.parts and "urlunsplit(" in p.read_text()]
    assert [p.name for p in users] == ["_urls.py"]
    for path in ("dialects/gemini/_request.py", "dialects/anthropic/quirks.py", "_resolve.py"):
        assert "alias_host(" in (SRC / path).read_text(), path


def test_a_cached_resolution_watches_every_env_var_it_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://first.openai.azure.com")
    monkeypatch.delenv("AZURE_OPENAI_BASE_URL", raising=False)
    client = llmkit.Client(api_key="azure-key-for-tests-0000")
    first = client._settings.resolve("azure_openai/dep", None, None, None, {})
    assert client._settings.resolve("azure_openai/dep", None, None, None, {}) is first  # cached
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://second.openai.azure.com")
    assert not first.still_valid()
    second = client._settings.resolve("azure_openai/dep", None, None, None, {})
    assert second.ctx.base_url == "https://second.openai.azure.com/openai"
    monkeypatch.setenv("AZURE_OPENAI_BASE_URL", "https://third.openai.azure.com/openai")
    assert client._settings.resolve("azure_openai/dep", None, None, None, {}).ctx.base_url.startswith(
        "https://third."
    )


def test_vertex_project_from_the_environment_is_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("VERTEX_AI_BASE_URL", "GOOGLE_CLOUD_LOCATION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "project-one")
    client = llmkit.Client(api_key="ya29.vertex-token-for-tests")
    first = client._settings.resolve("vertex_ai/gemini-2.5-pro", None, None, None, {})
    assert "/projects/project-one/" in first.ctx.base_url
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "project-two")
    again = client._settings.resolve("vertex_ai/gemini-2.5-pro", None, None, None, {})
    assert "/projects/project-two/" in again.ctx.base_url


def test_a_key_variable_set_later_in_priority_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    # Anthropic reads ANTHROPIC_API_KEY, then ANTHROPIC_AUTH_TOKEN: a resolution made from the
    # token goes stale when the API key appears (it would win), not only when the token changes.
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "oauth-token-for-tests-0000")
    client = llmkit.Client()
    first = client._settings.resolve("anthropic/claude-sonnet-4-5", None, None, None, {})
    assert first.still_valid()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-for-tests-0000")
    assert not first.still_valid()


@pytest.mark.parametrize("fast", [True, False])
def test_still_valid_sees_a_variable_appear_change_and_go(
    monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    # ``fast``: os.environ's own store read directly; else the public get (other Pythons).
    monkeypatch.setattr(_resolve, "_FAST", fast and _resolve._FAST)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    client = llmkit.Client(api_key="sk-still-valid-0000000000")
    first = client._settings.resolve("openai/gpt-4o-mini", None, None, None, {})
    assert first.env_names == ("OPENAI_BASE_URL",) and first.still_valid()
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert not first.still_valid()
    second = client._settings.resolve("openai/gpt-4o-mini", None, None, None, {})
    assert second.ctx.base_url == "http://127.0.0.1:9/v1" and second.still_valid()
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:10/v1")
    assert not second.still_valid()
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert first.still_valid() and not second.still_valid()
