"""Oracle OCI Generative AI (``oci/<model-id>``), signed with the OCI HTTP Signature.

Facts from oracle/oci-python-sdk@474b72d (``generative_ai_inference_client.py``: the host
``inference.generativeai.{region}.oci.oraclecloud.com`` in the oc1 realm, the ``/20231130``
base path; ``config.py``: the ``~/.oci/config`` profiles). Other realms (government clouds,
``oraclecloud.eu``, ...) are reached with ``base_url=``.
"""

from __future__ import annotations

from llmkit.providers.spec import Param, ProviderSpec

# The SDK's OCID rule (config.py PATTERNS): it fills the body, not the URL, but is checked alike.
_OCID = r"([0-9a-zA-Z_-]+[.:])([0-9a-zA-Z_-]*[.:]){3,}([0-9a-zA-Z_-]+)"

SPECS = (
    ProviderSpec(
        name="oci",
        display_name="Oracle OCI Generative AI",
        dialect="oci",
        base_url="https://inference.generativeai.{region}.oci.oraclecloud.com",
        key_required=False,
        auth="custom",
        auth_factory="llmkit.auth.oci:oci_auth",
        params={
            "region": Param(
                ("OCI_REGION", "OCI_CLI_REGION"),
                doc="the OCI region, e.g. us-chicago-1 (else the ~/.oci/config profile's region)",
                kind="region",
            ),
            "compartment_id": Param(
                ("OCI_COMPARTMENT_ID",),
                required=False,
                doc="the compartment OCID the calls are billed to",
                pattern=_OCID,
            ),
        },
        capabilities=frozenset({"chat", "stream", "tools", "vision", "json_schema", "embeddings"}),
        docs_url="https://docs.oracle.com/en-us/iaas/api/#/en/generative-ai-inference/20231130/",
        notes=(
            "Model = an OCI model id (meta.llama-3.3-70b-instruct, cohere.command-a-03-2025, ...) or model "
            "OCID (ON_DEMAND), or an endpoint OCID (DEDICATED); serving_mode= overrides. api_format= "
            "GENERIC, COHERE or COHEREV2 (default: COHERE for cohere.* models). "
            "compartment_id= or OCI_COMPARTMENT_ID. "
            "Auth: the ~/.oci/config profile (OCI_CONFIG_FILE, profile= / OCI_PROFILE / OCI_CLI_PROFILE), "
            "or tenancy=, user=, fingerprint=, key_file=, pass_phrase=; session tokens; instance and "
            "resource principals (auth_type=, llmkit[oci]). Signing needs cryptography (llmkit[oci])."
        ),
    ),
)
