"""Replicate: predictions on hosted models (language models through chat and streaming).

Facts from Replicate's HTTP API reference (https://replicate.com/docs/reference/http) and
replicate-python 1.0.7 (``client.py``: the ``REPLICATE_API_TOKEN`` and ``REPLICATE_BASE_URL``
variables, the API root without ``/v1``).
"""

from __future__ import annotations

from llmkit.dialects.replicate import ReplicateQuirks
from llmkit.providers.spec import Param, ProviderSpec

SPECS = (
    ProviderSpec(
        name="replicate",
        display_name="Replicate",
        dialect="replicate",
        base_url="https://api.replicate.com",
        env_keys=("REPLICATE_API_TOKEN", "REPLICATE_API_KEY"),
        auth="custom",
        auth_factory="llmkit.auth.replicate:replicate_auth",
        params={
            # Not a URL part: the first wait between polls (seconds), doubling up to 5 s; named
            # after replicate-python's variable.
            "poll_interval": Param(
                ("REPLICATE_POLL_INTERVAL",),
                default="0.5",
                doc="seconds before the first poll of an unfinished prediction (doubling up to 5)",
                pattern=r"[0-9]{1,3}(\.[0-9]{1,3})?",
            )
        },
        capabilities=frozenset({"chat", "stream", "images"}),
        quirks=ReplicateQuirks(),
        docs_url="https://replicate.com/docs/reference/http",
        notes=(
            "Model = owner/name (official models, latest version), owner/name:<64-hex version> or "
            "deployments/owner/name. Runs a prediction: Prefer: wait (wait=N seconds, wait=False to "
            "poll at once), then polls urls.get within the call's deadline and cancels past it; "
            "streaming reads urls.stream. Messages are flattened into prompt and system_prompt; "
            "input={...} adds model inputs. auth_scheme='Token' sends the legacy Token header."
        ),
    ),
)
