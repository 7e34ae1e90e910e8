"""URL parameters cannot move a request: every ``{param}`` of every spec has a declared kind, and
a value (keyword option or environment variable) that would change the scheme, host, port, user
info, path structure, query or fragment is a ConfigurationError before any network, naming the
parameter and never echoing the value."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import llmkit
from llmkit._urls import KINDS, placeholders
from llmkit.errors import ConfigurationError
from llmkit.providers import all_specs, get_spec
from llmkit.providers.spec import Param, ProviderSpec

SECRET = "sk-SECRET-do-not-echo-1234"


def _templates(spec: ProviderSpec) -> list[str]:
    """Every template of a spec that a param can fill: base URL, regions, query, quirk paths."""
    out = [spec.base_url, *spec.regions.values(), *spec.query.values()]
    if dataclasses.is_dataclass(spec.quirks):
        for f in dataclasses.fields(spec.quirks):
            value = getattr(spec.quirks, f.name)
            if isinstance(value, str):
                out.append(value)
    return out


def _templated() -> list[tuple[str, str, Param]]:
    rows = []
    for spec in all_specs():
        names = {n for t in _templates(spec) for n in placeholders(t)} - {"model"}
        rows += [(spec.name, n, spec.params[n]) for n in sorted(names) if n in spec.params]
    return rows


TEMPLATED = _templated()


# ---------------------------------------------------------------- the registry rule


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_every_placeholder_is_a_declared_param_with_a_kind(spec: ProviderSpec) -> None:
    for template in _templates(spec):
        assert "{" not in re.sub(r"\{[A-Za-z_][A-Za-z0-9_]*\}", "", template), template
        for name in placeholders(template):
            if name == "model":
                continue
            assert name in spec.params, f"{spec.name}: {{{name}}} in {template!r} is not a declared param"
            p = spec.params[name]
            assert p.kind in KINDS or p.pattern, f"{spec.name}.{name} declares no kind or pattern"


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_every_param_has_a_known_kind_and_routes_exist(spec: ProviderSpec) -> None:
    for name, p in spec.params.items():
        assert p.kind in KINDS or p.pattern, f"{spec.name}.{name} declares no kind or pattern"
        if p.default is not None:  # defaults pass their own check
            from llmkit._urls import check_param

            check_param(spec.name, name, p.default, p.kind, p.pattern, "the default")
    for _, target in spec.model_routes:
        assert get_spec(target).name == target


def test_the_templated_params_are_the_expected_ones() -> None:
    got = {(s, n): p.kind for s, n, p in TEMPLATED}
    assert got[("azure_openai", "endpoint")] == "origin"
    assert got[("azure_ai", "endpoint")] == "url_root"
    assert got[("cloudflare", "account_id")] == "hex"
    assert got[("databricks", "host")] == "origin"
    assert got[("modal", "workspace")] == got[("modal", "label")] == "dns_label"
    assert got[("runpod", "endpoint_id")] == "path_segment"
    assert got[("bedrock", "region")] == got[("sagemaker", "region")] == "region"
    for vertex in (
        "vertex_ai",
        "vertex_ai_anthropic",
        "vertex_ai_maas",
        "vertex_ai_mistral",
        "vertex_ai_ai21",
    ):
        assert got[(vertex, "project")] == "gcp_project"
        assert got[(vertex, "location")] == "region"


# ---------------------------------------------------------------- hostile values, end to end

# Values that must never fill a one-segment (region, id, label, project) placeholder.
SEGMENT_HOSTILE = [
    "a/b",
    "us-central1/../../x",
    "a?b=1",
    "a#frag",
    "a@evil.example",
    "a:8443",
    "a b",
    "a\r\nX-Injected: 1",
    "caf\u00e9",
    "..",
    ".",
    "%2e%2e",
    "a%2Fb",
    "a\\b",
    "{project}",
    "https://evil.example",
    "",
]
# Values a dotted host label or a region must not take either.
DOTTED = ["evil.example", "us-east-1.evil.example"]
# Values that must never fill an origin / URL-root placeholder.
ORIGIN_HOSTILE = [
    "evil.example",
    "//evil.example",
    "http://evil.example",
    "ftp://evil.example",
    "javascript:alert(1)",
    f"https://user:{SECRET}@evil.example",
    "https://evil.example?x=1",
    "https://evil.example#f",
    "https://evil.example:99999",
    "https://evil.example:0",
    "https://exa mple.com",
    "https://evil.example\r\nX: 1",
    "https://\u00e9vil.example",
    "https://",
    "https://evil.example/a/../b",
]
ORIGIN_ONLY = ["https://evil.example/path"]


def _hostile(kind: str) -> list[str]:
    if kind in ("origin", "url_root"):
        return ORIGIN_HOSTILE + (ORIGIN_ONLY if kind == "origin" else [])
    if kind == "token":  # query values (api-version): urlencoded, so only the characters matter
        return [v for v in SEGMENT_HOSTILE if v not in (".", "..")]
    return SEGMENT_HOSTILE + ([] if kind == "path_segment" else DOTTED)


CASES = [(s, n, v) for s, n, p in TEMPLATED for v in _hostile(p.kind)]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Any name lookup at all fails the test: the error must come before the network."""
    looked_up: list[Any] = []

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        raise OSError("the network was touched")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield looked_up
    assert looked_up == []


def _kw(spec: ProviderSpec, name: str) -> dict[str, Any]:
    """Valid values for the spec's other params, and a token so no credential chain runs."""
    valid = {
        "origin": "https://ok.example",
        "url_root": "https://ok.example/api",
        "hex": "0123456789abcdef0123456789abcdef",
        "gcp_project": "my-project",
        "region": "us-east-1",
    }
    kw: dict[str, Any] = {k: valid.get(p.kind, "ok-value") for k, p in spec.params.items() if k != name}
    kw.update(api_key="k" * 12, max_retries=0)
    if spec.auth_factory and "google" in spec.auth_factory:
        kw["access_token"] = "ya29.fake-token"
    if spec.auth_factory and "aws" in spec.auth_factory:
        kw.update(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="fake-secret")
    return kw


def _check(exc: ConfigurationError, name: str, value: str) -> None:
    text = str(exc)
    assert name in text
    assert SECRET not in text and "evil" not in text and "\r" not in text


@pytest.mark.parametrize(("provider", "name", "value"), CASES)
def test_hostile_option_is_refused_sync(
    provider: str, name: str, value: str, no_network: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = get_spec(provider)
    for p in spec.params.values():
        for env in p.env:
            monkeypatch.delenv(env, raising=False)
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete(f"{provider}/some-model", "hi", **{**_kw(spec, name), name: value})
    _check(info.value, name, value)


@pytest.mark.parametrize(("provider", "name", "value"), CASES[::3])
def test_hostile_option_is_refused_async(provider: str, name: str, value: str, no_network: list[Any]) -> None:
    spec = get_spec(provider)

    async def go() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete(f"{provider}/some-model", "hi", **{**_kw(spec, name), name: value})

    with pytest.raises(ConfigurationError) as info:
        asyncio.run(go())
    _check(info.value, name, value)


ENV_CASES = [(s, n, v) for s, n, v in CASES if get_spec(s).params[n].env and v]


@pytest.mark.parametrize(("provider", "name", "value"), ENV_CASES)
def test_hostile_environment_variable_is_refused(
    provider: str, name: str, value: str, no_network: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = get_spec(provider)
    env = spec.params[name].env[0]
    for p in spec.params.values():
        for e in p.env:
            monkeypatch.delenv(e, raising=False)
    if "\x00" in value:
        pytest.skip("an environment variable cannot hold NUL")
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete(f"{provider}/some-model", "hi", **_kw(spec, name))
    _check(info.value, name, value)
    assert env in str(info.value)


def test_valid_values_fill_the_template() -> None:
    from llmkit._resolve import resolve

    def url(model: str, **options: Any) -> str:
        r = resolve(
            model, api_key="k" * 12, base_url=None, extra_headers=None, options=options,
            default_keys={}, default_headers={},
        )  # fmt: skip
        return r.ctx.base_url

    assert (
        url("azure_openai/d", endpoint="https://res.openai.azure.com/")
        == "https://res.openai.azure.com/openai"
    )
    assert url("databricks/e", host="https://adb-1.azuredatabricks.net") == (
        "https://adb-1.azuredatabricks.net/serving-endpoints"
    )
    assert url("modal/m", workspace="acme", label="app-serve") == "https://acme--app-serve.modal.run/v1"
    assert url("bedrock/m", region="eu-west-3") == "https://bedrock-runtime.eu-west-3.amazonaws.com"
    # A project number names the same project as its id.
    assert "/projects/123456789012/" in url("vertex_ai/gemini-2.5-pro", project="123456789012")
    # Loopback may use plain http for an origin parameter; nothing else may.
    assert url("databricks/e", host="http://127.0.0.1:8080") == "http://127.0.0.1:8080/serving-endpoints"


@pytest.mark.parametrize(
    "project", ["abcde", "a" * 31, "1abcdef", "my-project-", "My-Project", "example.com:my-project"]
)
def test_google_project_rules(project: str) -> None:
    with pytest.raises(ConfigurationError, match="project"):
        llmkit.complete("vertex_ai/gemini-2.5-pro", "hi", project=project, access_token="ya29.x")


def test_a_registered_spec_inherits_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A spec added at run time: its own pattern, or the strict one-segment default."""
    from llmkit._resolve import resolve
    from llmkit.providers import _extra, _load

    spec = ProviderSpec(
        name="acme_gateway",
        dialect="openai_chat",
        base_url="https://{tenant}.gw.example/{team}/v1",
        params={"tenant": Param(pattern=r"[a-z]{3,10}"), "team": Param()},
    )
    monkeypatch.setitem(_extra, spec.name, spec)
    monkeypatch.setitem(_load(), spec.name, spec)

    def url(**options: Any) -> str:
        r = resolve(
            "acme_gateway/m", api_key="k" * 12, base_url=None, extra_headers=None, options=options,
            default_keys={}, default_headers={},
        )  # fmt: skip
        return r.ctx.base_url

    assert url(tenant="acme", team="core-1") == "https://acme.gw.example/core-1/v1"
    for bad in ({"tenant": "evil.example#", "team": "a"}, {"tenant": "acme", "team": "../x"}):
        with pytest.raises(ConfigurationError):
            url(**bad)
    with pytest.raises(ConfigurationError, match="unknown Param kind"):
        Param(kind="anything-goes")
    with pytest.raises(ConfigurationError, match="not a regular expression"):
        Param(pattern="(")


def test_underscore_hosts_are_accepted_in_base_url() -> None:
    from llmkit._resolve import resolve

    r = resolve(
        "ollama/llama3", api_key=None, base_url="http://my_ollama:11434/v1", extra_headers=None, options={},
        default_keys={}, default_headers={},
    )  # fmt: skip
    assert r.ctx.base_url == "http://my_ollama:11434/v1"
