"""Stability AI: the v2beta Stable Image API (generation, edits, upscales). Images only.

Facts from Stability's API reference (https://platform.stability.ai/docs/api-reference); the key
variable is ``STABILITY_API_KEY`` (the REST docs' and litellm's; stability-sdk read
``STABILITY_KEY``, also accepted)."""

from __future__ import annotations

from llmkit.providers.spec import Param, ProviderSpec

SPECS = (
    ProviderSpec(
        name="stability",
        display_name="Stability AI",
        dialect="stability",
        base_url="https://api.stability.ai",
        env_keys=("STABILITY_API_KEY", "STABILITY_KEY"),
        header_options={
            "client_id": "stability-client-id",
            "client_user_id": "stability-client-user-id",
            "client_version": "stability-client-version",
        },
        params={
            # Not a URL part: seconds between polls of an async result (creative upscale).
            "poll_interval": Param(
                ("STABILITY_POLL_INTERVAL",),
                default="2",
                doc="seconds between polls of an async result (the creative upscale)",
                pattern=r"[0-9]{1,3}(\.[0-9]{1,3})?",
            )
        },
        capabilities=frozenset({"images"}),
        docs_url="https://platform.stability.ai/docs/api-reference",
        notes=(
            "Images only (generate_image). Models: ultra, core, sd3 / sd3.5-large / sd3.5-large-turbo / "
            "sd3.5-medium, and the edit and upscale routes erase, inpaint, outpaint, search-and-replace, "
            "upscale-fast, upscale-conservative, upscale-creative (async: polled). Multipart form body; "
            "response_format='json' for base64 JSON instead of raw bytes."
        ),
    ),
)
