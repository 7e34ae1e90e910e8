"""Petals (issue 14): models split across a swarm of volunteer GPUs, reached through
chat.petals.dev's HTTP API.

Facts: petals-infra/chat.petals.dev ``README.md`` and ``http_api.py`` (main @9e2faf0, 2024-03-17):
``POST /api/v1/generate`` with form values, ``{"ok", "outputs" | "traceback"}`` answers, no key;
the public endpoint ``https://chat.petals.dev/api/...`` is offered "for research and development"
("we may pause or stop it any time"), a self-hosted backend for production.
"""

from __future__ import annotations

from llmkit.providers.spec import ProviderSpec

SPECS = (
    ProviderSpec(
        name="petals",
        display_name="Petals (chat.petals.dev HTTP API)",
        dialect="petals",
        # The README's own endpoint; PETALS_BASE_URL (or base_url=) points at a self-hosted backend.
        base_url="https://chat.petals.dev/api/v1",
        auth="none",
        key_required=False,
        capabilities=frozenset({"chat", "stream"}),
        docs_url="https://github.com/petals-infra/chat.petals.dev#http-api-apiv1",
        notes=(
            "Form-encoded POST /generate with one prompt: conversations are written in "
            "chat.petals.dev's own template (prompt_format='raw' sends one user message as is). "
            "stream is one event holding the whole answer (the real stream is a WebSocket API). "
            "No key, token counts, tools or structured output; an ok:false answer is a typed error."
        ),
    ),
)
