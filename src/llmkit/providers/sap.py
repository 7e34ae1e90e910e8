"""SAP Generative AI Hub on SAP AI Core, through the orchestration service (``sap/<model>``).

The model is the orchestration model name (``gpt-4o``, ``anthropic--claude-3.5-sonnet``, ...): it
goes in the body, never the URL. Credentials, the resource group and the deployment are the SAP
auth's (``llmkit.auth.sap``); the AI API URL is ``AICORE_BASE_URL`` or the service key's.
"""

from __future__ import annotations

from llmkit.auth.sap import SERVICE_KEY_URL
from llmkit.providers.spec import Param, ProviderSpec

SPECS = (
    ProviderSpec(
        name="sap",
        display_name="SAP Generative AI Hub (AI Core orchestration)",
        dialect="sap_orchestration",
        base_url="{ai_api_url}",
        auth="custom",
        auth_factory="llmkit.auth.sap:sap_auth",
        key_required=False,
        params={
            "ai_api_url": Param(
                ("AICORE_BASE_URL",),
                SERVICE_KEY_URL,
                required=False,
                doc="the AI API URL (serviceurls.AI_API_URL of the service key), with or without /v2",
                kind="url_root",
            ),
        },
        header_options={"object_store_secret_name": "ai-object-store-secret-name"},
        capabilities=frozenset(
            {"chat", "stream", "tools", "vision", "json_schema", "json_object", "embeddings"}
        ),
        docs_url="https://help.sap.com/docs/sap-ai-core/sap-ai-core-service-guide/orchestration",
        notes=(
            "service_key= (a path, JSON text or a dict) or AICORE_SERVICE_KEY, or AICORE_CLIENT_ID, "
            "AICORE_CLIENT_SECRET, AICORE_AUTH_URL and AICORE_BASE_URL; X.509 keys (certificate, key, "
            "certurl; or cert_str=/key_str= or cert_file_path=/key_file_path= with cert_url=) get their "
            "token over mutual TLS; resource_group= "
            "(AICORE_RESOURCE_GROUP, default 'default'). The running orchestration deployment is "
            "discovered (cached 5 minutes) unless deployment_id= is given. filtering=, masking=, "
            "grounding=, translation= pass module configs; placeholder_values= fills {{?name}} templates."
        ),
    ),
)
