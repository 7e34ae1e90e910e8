"""Every provider's generated page (docs/providers/<name>.md): each example it shows runs against
the emulator, aimed there by environment variables only (the page's ``<NAME>_BASE_URL``, its key
variable holding the canary key, and the credential variables of its auth scheme).

One test per (provider, capability). What the emulator cannot serve is a visible skip whose
reason is in ``SKIPS``, the one place that lists them; a stale entry fails.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import CANARY_KEY, REPO

from llmkit._docgen.examples import Example, examples
from llmkit._docgen.facts import base_url_env
from llmkit._docgen.notes import all_notes
from llmkit._docgen.page import models_of
from llmkit.emulator import Emulator, Script, ScriptedCall
from llmkit.providers import all_specs, get_spec
from llmkit.providers.spec import ProviderSpec

PAGES = REPO / "docs" / "providers"
NOTES = all_notes(REPO / "docs" / "notes")

# (provider, capability or "*") -> why its generated example does not run here. Each of these
# providers' hand-written notes page runs against the emulator in its own tests folder.
SKIPS: Mapping[tuple[str, str], str] = {}

# The scripted answers each capability's example gets, and what its namespace must then hold.
SCRIPTS: Mapping[str, tuple[Script, ...]] = {
    "chat": (Script(text="Hello"),),
    "stream": (Script(text="1 2 3 4 5"),),
    "tools": (Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lisbon"})]), Script(text="Sunny")),
    "vision": (Script(text="a pixel"),),
    "json_schema": (Script(json={"city": "Lisbon", "population": 545923}),),
    "reasoning": (Script(text="42", reasoning="Six times seven."),),
}
CHECKS: Mapping[str, Callable[[dict[str, Any]], bool]] = {
    "chat": lambda ns: ns["reply"].text == "Hello",
    "stream": lambda ns: ns["stream"].completion.text == "1 2 3 4 5",
    "tools": lambda ns: ns["reply"].text == "Sunny" and ns["messages"][-1]["role"] == "tool",
    "vision": lambda ns: ns["reply"].text == "a pixel",
    "json_schema": lambda ns: ns["reply"].parsed == {"city": "Lisbon", "population": 545923},
    "reasoning": lambda ns: ns["reply"].text == "42",
    "embeddings": lambda ns: len(ns["result"].vectors) == 2,
    "images": lambda ns: len(ns["out"].images) >= 1,
    "rerank": lambda ns: len(ns["ranking"].results) == 2,
    "count_tokens": lambda ns: ns["count"].input_tokens > 0,
}

# Credentials of the machine running the tests that must not be picked up.
AMBIENT = (
    "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "GOOGLE_APPLICATION_CREDENTIALS",
    "OCI_PROFILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH", "OCI_REGION", "OCI_CLI_REGION",
    "SNOWFLAKE_USER", "SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_AUTHENTICATOR", "AICORE_CLIENT_ID",
)  # fmt: skip
SNOWFLAKE_PAT = "pat-docs-generated-0001"
# A value for a required URL parameter with no default, by its kind.
SAMPLES = {"region": "us-east-1", "gcp_project": "emu-project", "hex": "0123abcd", "token": "emu"}


def _examples(spec: ProviderSpec) -> list[Example]:
    notes = NOTES.get(spec.name, [])
    return examples(spec.name, spec.capabilities, models_of(spec, notes))


CASES = [(s.name, ex.capability) for s in all_specs() for ex in _examples(s)]


@pytest.fixture(scope="session")
def cloud_files(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Credentials made once per session, the emulator set to accept them: a Google
    service-account key file, an OCI config file with its signing key, a Snowflake PAT."""
    from llmkit.emulator import google_oauth
    from llmkit.emulator import snowflake as emu_snowflake
    from llmkit.emulator.oci import new_api_key

    folder = tmp_path_factory.mktemp("docs-pages")
    google = folder / "service-account.json"
    google.write_text(json.dumps(google_oauth.new_service_account(emulator, "docs-pages")), encoding="utf-8")
    emu_snowflake.register_token(emulator, SNOWFLAKE_PAT, "PROGRAMMATIC_ACCESS_TOKEN")
    return {"google": str(google), "oci": new_api_key(folder / "oci").config_file}


def _credentials(spec: ProviderSpec, emu: Emulator, files: Mapping[str, str]) -> dict[str, str]:
    """The variables of the spec's auth scheme, aimed at the emulator."""
    module = (spec.auth_factory or "").partition(":")[0]
    if module == "llmkit.auth.google":
        from llmkit.emulator.gemini import VERTEX_PROJECT

        project = next(iter(spec.params["project"].env))
        return {"GOOGLE_APPLICATION_CREDENTIALS": files["google"], project: VERTEX_PROJECT}
    if module == "llmkit.auth.oci":
        from llmkit.emulator.oci import COMPARTMENT

        return {"OCI_CONFIG_FILE": files["oci"], "OCI_COMPARTMENT_ID": COMPARTMENT}
    if module == "llmkit.auth.sap":
        from llmkit.emulator import sap

        return {"AICORE_SERVICE_KEY": json.dumps(sap.service_key(emu))}
    if module == "llmkit.auth.snowflake":
        return {"SNOWFLAKE_PAT": SNOWFLAKE_PAT, "SNOWFLAKE_ACCOUNT": "myorg-my_account"}
    if module == "llmkit.auth.aws":
        from llmkit.emulator.bedrock import ACCESS_KEY, SECRET_KEY

        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": "us-east-1",
        }
    if module == "llmkit.auth.gigachat":
        from llmkit.emulator import gigachat

        return {
            "GIGACHAT_CREDENTIALS": gigachat.DEFAULT_CREDENTIALS,
            "GIGACHAT_AUTH_URL": gigachat.auth_url(emu),
        }
    if module == "llmkit.auth.yandex":
        return {"YC_FOLDER_ID": "b1gdocsfolder00000"}
    if module == "llmkit.auth.copilot":
        # A saved-login stand-in, and GitHub's token exchange served by the emulator.
        return {"COPILOT_GITHUB_TOKEN": CANARY_KEY, "GITHUB_COPILOT_API_URL": emu.base_url("github_oauth")}
    if module == "llmkit.auth.watsonx":
        return {"WATSONX_IAM_URL": f"{emu.url}/watsonx_iam", "WATSONX_PROJECT_ID": "emu-project"}
    return {}


def environment(spec: ProviderSpec, emu: Emulator, files: Mapping[str, str]) -> dict[str, str]:
    env = {base_url_env(spec): emu.base_url(spec.name)}
    if spec.env_keys:
        env[spec.env_keys[0]] = CANARY_KEY
    for p in spec.params.values():
        if p.required and p.default is None and p.env and p.kind in SAMPLES:
            env[p.env[0]] = SAMPLES[p.kind]
    env.update(_credentials(spec, emu, files))
    return env


@pytest.fixture
def aimed(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, cloud_files: dict[str, str]
) -> Iterator[Callable[[ProviderSpec], None]]:
    def aim(spec: ProviderSpec) -> None:
        for name in (*spec.env_keys, *AMBIENT):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name, value in environment(spec, emu, cloud_files).items():
            monkeypatch.setenv(name, value)

    yield aim


@pytest.mark.parametrize(("name", "capability"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_the_example_runs(
    name: str, capability: str, emu: Emulator, aimed: Callable[[ProviderSpec], None]
) -> None:
    reason = SKIPS.get((name, capability)) or SKIPS.get((name, "*"))
    if reason:
        pytest.skip(reason)
    spec = get_spec(name)
    example = next(ex for ex in _examples(spec) if ex.capability == capability)
    page = (PAGES / f"{name}.md").read_text(encoding="utf-8")
    assert f"```python\n{example.code}```" in page, f"docs/providers/{name}.md is stale: run `llmkit docs`"
    aimed(spec)
    emu.script(*SCRIPTS.get(capability, ()))
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(example.code, f"docs/providers/{name}.md[{capability}]", "exec"), namespace)
    assert CHECKS[capability](namespace), f"{name} {capability}: unexpected result"
    assert any(r.profile == name for r in emu.requests), "the example did not reach the emulator"


def test_every_skip_names_a_provider_and_capability_that_exist() -> None:
    known = {(n, c) for n, c in CASES} | {(n, "*") for n, _ in CASES}
    assert set(SKIPS) <= known, sorted(set(SKIPS) - known)


def test_every_provider_has_a_page() -> None:
    names = {s.name for s in all_specs()}
    # references.md lists every provider's reference (llmkit.providers._references); no provider has its name
    assert {p.stem for p in PAGES.glob("*.md")} == names | {"references"}
    assert all(isinstance(p, Path) for p in PAGES.glob("*.md"))
