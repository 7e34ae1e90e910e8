"""OCI test credentials: a key made and registered with the emulator, and a config file naming it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmkit.emulator import Emulator
from llmkit.emulator.oci import COMPARTMENT, new_api_key
from llmkit.emulator.oci_auth import OciTestCredentials


@pytest.fixture(scope="session")
def oci_creds(tmp_path_factory: pytest.TempPathFactory) -> OciTestCredentials:
    return new_api_key(tmp_path_factory.mktemp("oci"))


@pytest.fixture
def oci_env(
    oci_creds: OciTestCredentials, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The emulator reached through the environment only, as the docs page is."""
    for name in ("OCI_PROFILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH", "OCI_REGION", "OCI_CLI_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OCI_CONFIG_FILE", oci_creds.config_file)
    monkeypatch.setenv("OCI_BASE_URL", emu.base_url("oci"))
    monkeypatch.setenv("OCI_COMPARTMENT_ID", COMPARTMENT)
    yield {"config_file": oci_creds.config_file}
