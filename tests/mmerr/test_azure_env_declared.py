"""The Azure auth factories declare what azure-identity's DefaultAzureCredential reads for
``entra_id=True`` (Microsoft's EnvironmentCredential reference: AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH/_PASSWORD; workload identity's
AZURE_FEDERATED_TOKEN_FILE; AZURE_AUTHORITY_HOST), so provider pages list them."""

from __future__ import annotations

from llmkit._docgen import provider_rows
from llmkit.auth.azure import ENV, inference_auth, openai_auth


def test_both_factories_declare_the_entra_variables() -> None:
    assert {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"} <= set(ENV)
    assert openai_auth.env == ENV and inference_auth.env == ENV


def test_the_listing_shows_them_after_the_key() -> None:
    rows = {r["name"]: r for r in provider_rows()}
    for name in ("azure_openai", "azure_ai"):
        assert rows[name]["auth_env"] == list(ENV)
        assert not set(rows[name]["env"]) & set(ENV)
