"""One ``base_url`` rule for every provider: it replaces the spec's (templated) base URL as a whole,
is the API root the dialect's paths follow, has its own ``{param}`` placeholders filled and
validated, and makes the params it no longer needs unnecessary. The URL itself must be an absolute
http(s) URL with a host and no user info, query or fragment."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import pytest

import llmkit
from llmkit.emulator import Emulator, Script, add_profile
from llmkit.emulator import gemini as emu_gemini
from llmkit.errors import ConfigurationError
from llmkit.providers import get_spec

add_profile(emu_gemini.VERTEX)
add_profile(emu_gemini.VERTEX_MAAS)

CANARY_KEY = "sk-CANARY-7f3a9c2e41d84b6f"  # the session emulator's key (tests/conftest.py)
SECRET = "sk-SECRET-in-a-url-5678"
VERTEX_ENV = (
    "GOOGLE_CLOUD_PROJECT",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "GOOGLE_CLOUD_LOCATION",
    "CLOUD_ML_REGION",
)


AMBIENT = (
    *("vertex_ai", "vertex_ai_anthropic", "vertex_ai_maas", "vertex_ai_mistral", "vertex_ai_ai21"),
    *("azure_openai", "azure_ai", "cloudflare", "databricks", "runpod", "modal", "datarobot"),
)


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AMBIENT:
        spec = get_spec(name)
        monkeypatch.delenv(f"{name.upper()}_BASE_URL", raising=False)
        for p in spec.params.values():
            for env in p.env:
                monkeypatch.delenv(env, raising=False)


def _both(model: str, **kw: Any) -> None:
    """One call through Client and one through AsyncClient."""
    llmkit.complete(model, "hi", max_retries=0, **kw)

    async def go() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete(model, "hi", max_retries=0, **kw)

    asyncio.run(go())


# ---------------------------------------------------------------- Vertex AI: one root for all

VERTEX_FAMILY = [
    # model, version, path after the root
    ("vertex_ai/gemini-2.5-pro", "v1", "/publishers/google/models/gemini-2.5-pro:generateContent"),
    (
        "vertex_ai_anthropic/claude-sonnet-4-5@20250929",
        "v1",
        "/publishers/anthropic/models/claude-sonnet-4-5%4020250929:rawPredict",
    ),
    (
        "vertex_ai_mistral/mistral-small-2503",
        "v1",
        "/publishers/mistralai/models/mistral-small-2503:rawPredict",
    ),
    (
        "vertex_ai_ai21/jamba-1.5-mini@001",
        "v1beta1",
        "/publishers/ai21/models/jamba-1.5-mini%40001:rawPredict",
    ),
]


@pytest.mark.parametrize(("model", "version", "path"), VERTEX_FAMILY)
def test_vertex_base_url_is_the_api_root_and_no_project_is_demanded(
    emu: Emulator, model: str, version: str, path: str
) -> None:
    root = f"/vertex_ai/{version}/projects/test-proj/locations/us-central1"
    emu.script(Script(text="one"), Script(text="two"))
    _both(model, base_url=emu.url + root, access_token=CANARY_KEY)  # no project=: the URL names it
    assert [r.full_path for r in emu.requests] == [root + path] * 2


def test_vertex_maas_base_url_is_the_same_root(emu: Emulator) -> None:
    root = "/vertex_ai_maas/v1/projects/test-proj/locations/us-central1"
    emu.script(Script(text="one"), Script(text="two"))
    _both("vertex_ai_maas/meta/llama-3.3-70b-instruct-maas", base_url=emu.url + root, access_token=CANARY_KEY)
    assert [r.full_path for r in emu.requests] == [root + "/endpoints/openapi/chat/completions"] * 2
    assert emu.requests[-1].json()["model"] == "meta/llama-3.3-70b-instruct-maas"


@pytest.mark.parametrize(("model", "version", "path"), VERTEX_FAMILY)
def test_placeholders_left_in_base_url_are_filled_and_checked(
    emu: Emulator, model: str, version: str, path: str
) -> None:
    template = emu.url + f"/vertex_ai/{version}/projects/{{project}}/locations/{{location}}"
    emu.script(Script(text="one"), Script(text="two"))
    _both(model, base_url=template, project="test-proj", location="us-central1", access_token=CANARY_KEY)
    root = f"/vertex_ai/{version}/projects/test-proj/locations/us-central1"
    assert [r.full_path for r in emu.requests] == [root + path] * 2
    with pytest.raises(ConfigurationError, match="project"):
        llmkit.complete(model, "hi", base_url=template, project="evil/../../x", access_token=CANARY_KEY)
    with pytest.raises(ConfigurationError, match="project"):
        llmkit.complete(model, "hi", base_url=template, access_token=CANARY_KEY)


@pytest.mark.parametrize("model", [m for m, _, _ in VERTEX_FAMILY])
def test_vertex_without_base_url_demands_the_project(model: str) -> None:
    with pytest.raises(ConfigurationError, match=r"needs project=.*GOOGLE_CLOUD_PROJECT.*base_url="):
        llmkit.complete(model, "hi", access_token=CANARY_KEY)


@pytest.mark.parametrize(
    "provider", ["vertex_ai", "vertex_ai_anthropic", "vertex_ai_maas", "vertex_ai_mistral"]
)
@pytest.mark.parametrize(
    ("location", "host"),
    [("global", "aiplatform.googleapis.com"), ("us", "aiplatform.us.rep.googleapis.com")],
)
def test_region_and_location_mean_the_same_for_every_vertex_spec(
    provider: str, location: str, host: str
) -> None:
    from llmkit._resolve import resolve

    urls = set()
    for option in ("location", "region"):
        r = resolve(
            f"{provider}/m", api_key=None, base_url=None, extra_headers=None,
            options={"project": "my-project", option: location, "access_token": "ya29.x"},
            default_keys={}, default_headers={},
        )  # fmt: skip
        urls.add(r.ctx.base_url)
    assert urls == {f"https://{host}/v1/projects/my-project/locations/{location}"}
    with pytest.raises(ConfigurationError, match="not both"):
        llmkit.complete(
            f"{provider}/m", "hi", project="my-project", location="us", region="eu", access_token="t"
        )


# ---------------------------------------------------------------- the other templated specs

# provider, model, the options its template needs, the path after the root.
TEMPLATED = [
    (
        "azure_openai",
        "dep-1",
        {"endpoint": "https://res.openai.azure.com"},
        "/deployments/dep-1/chat/completions",
    ),
    ("azure_ai", "Phi-4", {"endpoint": "https://res.services.ai.azure.com/models"}, "/chat/completions"),
    (
        "cloudflare",
        "@cf/meta/llama-3.1-8b-instruct",
        {"account_id": "0123456789abcdef0123456789abcdef"},
        "/chat/completions",
    ),
    ("databricks", "my-endpoint", {"host": "https://adb-1.azuredatabricks.net"}, "/chat/completions"),
    ("runpod", "my-model", {"endpoint_id": "abc123xyz"}, "/chat/completions"),
    ("modal", "my-model", {"workspace": "acme", "label": "app-serve"}, "/chat/completions"),
]


@pytest.mark.parametrize(("provider", "model", "needs", "path"), TEMPLATED, ids=[t[0] for t in TEMPLATED])
def test_base_url_makes_template_params_unnecessary(
    emu: Emulator, provider: str, model: str, needs: dict[str, str], path: str
) -> None:
    base = emu.base_url(provider)
    emu.script(Script(text="one"), Script(text="two"))
    _both(f"{provider}/{model}", base_url=base, api_key=CANARY_KEY)
    paths = [r.full_path.split("?")[0] for r in emu.requests]
    assert paths == [base.split(emu.url, 1)[1] + path] * 2


@pytest.mark.parametrize(("provider", "model", "needs", "path"), TEMPLATED, ids=[t[0] for t in TEMPLATED])
def test_without_base_url_the_template_params_are_demanded(
    provider: str, model: str, needs: dict[str, str], path: str
) -> None:
    from llmkit._resolve import resolve

    for missing in needs:
        given = {k: v for k, v in needs.items() if k != missing}
        with pytest.raises(ConfigurationError, match=rf"needs {missing}=.*or pass base_url="):
            llmkit.complete(f"{provider}/{model}", "hi", api_key=CANARY_KEY, **given)
    r = resolve(
        f"{provider}/{model}", api_key=CANARY_KEY, base_url=None, extra_headers=None, options=dict(needs),
        default_keys={}, default_headers={},
    )  # fmt: skip
    assert r.ctx.base_url.startswith("https://") and "{" not in r.ctx.base_url


def test_datarobot_deployment_id_only_for_the_deployment_region() -> None:
    from llmkit._resolve import resolve

    def url(**options: Any) -> str:
        return resolve(
            "datarobot/m", api_key=CANARY_KEY, base_url=None, extra_headers=None, options=options,
            default_keys={}, default_headers={},
        ).ctx.base_url  # fmt: skip

    assert url() == "https://app.datarobot.com/api/v2/genai/llmgw"
    with pytest.raises(ConfigurationError, match="needs deployment_id="):
        url(region="deployment")
    assert url(region="deployment", deployment_id="5c939e08962d741e34f609f0").endswith(
        "/deployments/5c939e08962d741e34f609f0"
    )


def test_base_url_environment_variable_follows_the_same_rule(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url("cloudflare"))
    emu.script(Script(text="from env"))
    assert llmkit.complete("cloudflare/@cf/x", "hi", api_key=CANARY_KEY).text == "from env"
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", f"https://u:{SECRET}@evil.example/v1")
    # A fresh client: the shared one caches the resolution made under the first value.
    with llmkit.Client() as client, pytest.raises(ConfigurationError, match="CLOUDFLARE_BASE_URL") as info:
        client.complete("cloudflare/@cf/x", "hi", api_key=CANARY_KEY)
    assert SECRET not in str(info.value)


# ---------------------------------------------------------------- what a base_url may be

BAD_BASE_URLS = [
    ("api.example.com/v1", "no scheme"),
    ("localhost:8080/v1", "no scheme"),
    ("ftp://api.example.com", "https"),
    ("https://", "no host"),
    (f"https://user:{SECRET}@api.example.com/v1", "user info"),
    (f"https://{SECRET}@api.example.com/v1", "user info"),
    ("https://api.example.com/v1?key=1", "query"),
    ("https://api.example.com/v1#x", "fragment"),
    ("https://api.example.com:99999/v1", "port"),
    ("https://api.example.com/v 1", "spaces"),
    ("https://api.example.com/v1\r\nX: 1", "control"),
    ("https://api.example.com/{x.__class__}", "brace"),
    ("https://api.example.com/{0}", "brace"),
    ("https://api.example.com/{unknown}", "not a parameter"),
    ("https://api.example.com/a/../b", "'..'"),
]


@pytest.mark.parametrize(("url", "why"), BAD_BASE_URLS)
def test_bad_base_urls_are_configuration_errors(url: str, why: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        llmkit.complete("openai/gpt-4o-mini", "hi", api_key=CANARY_KEY, base_url=url)
    assert why in str(info.value)
    assert SECRET not in str(info.value)
    assert "base_url" in str(info.value)

    async def go() -> None:
        async with llmkit.AsyncClient() as client:
            await client.complete("openai/gpt-4o-mini", "hi", api_key=CANARY_KEY, base_url=url)

    with pytest.raises(ConfigurationError):
        asyncio.run(go())


def test_good_base_urls_are_kept_as_given(emu: Emulator) -> None:
    from llmkit._resolve import resolve

    for url in ("http://192.168.1.20:11434/v1", "https://[::1]:8443/v1/", "https://api.example.com/a%2Fb"):
        r = resolve(
            "openai/m", api_key="k" * 12, base_url=url, extra_headers=None, options={},
            default_keys={}, default_headers={},
        )  # fmt: skip
        assert r.ctx.base_url == url.rstrip("/")
    emu.script(Script(text="ok"))
    assert llmkit.complete("openai/gpt-4o-mini", "hi", api_key=CANARY_KEY, base_url=emu.base_url() + "/").text
    assert emu.requests[-1].full_path == "/openai/v1/chat/completions"


def test_percent_in_model_stays_encoded_on_the_emulator(emu: Emulator) -> None:
    name = "dep/with?odd#chars"
    emu.script(Script(text="ok"))
    llmkit.complete(f"azure_openai/{name}", "hi", api_key=CANARY_KEY, base_url=emu.base_url("azure_openai"))
    assert (
        emu.requests[-1].full_path.split("?")[0]
        == f"/azure_openai/openai/deployments/{quote(name, safe='')}/chat/completions"
    )


def test_a_body_that_needs_an_unset_param_says_so(emu: Emulator) -> None:
    """Vertex AI batch embeddings name the model resource (with the project) in the body."""
    base = emu.url + "/vertex_ai/v1/projects/test-proj/locations/us-central1"
    with pytest.raises(ConfigurationError, match="needs project="):
        # text-embedding-005: gemini-embedding-001 takes one text per request, so no batch body.
        llmkit.embed("vertex_ai/text-embedding-005", ["a", "b"], base_url=base, access_token=CANARY_KEY)
    assert emu.requests == []
