"""Native formats with a small surface, second part (issue 14): NLP Cloud's ``chatbot`` and
``generation`` endpoints.

Facts: NLP Cloud's official clients (``nlpcloud`` on PyPI 1.1.47, nlpcloud/nlpcloud-go,
nlpcloud/nlpcloud-js: ``https://api.nlpcloud.io/v1/gpu/{model}/{endpoint}``, ``Authorization:
Token <key>``, ``"stream": true`` and NUL-separated pieces in the Go client's README), its API
reference (docs.nlpcloud.com), LangChain's ``NLPCLOUD_API_KEY`` and LiteLLM's
``NLP_CLOUD_API_KEY``.
"""

from __future__ import annotations

from llmkit.providers.spec import ProviderSpec

SPECS = (
    ProviderSpec(
        name="nlp_cloud",
        display_name="NLP Cloud",
        dialect="nlp_cloud",
        # Generative models run on GPU plans only, under /v1/gpu/ (the clients' gpu=True).
        base_url="https://api.nlpcloud.io/v1/gpu",
        env_keys=("NLPCLOUD_API_KEY", "NLP_CLOUD_API_KEY"),
        auth_prefix="Token ",
        capabilities=frozenset({"chat", "stream"}),
        docs_url="https://docs.nlpcloud.com/#chatbot-and-conversational-ai",
        notes=(
            "Conversations go to /{model}/chatbot (the system message is its context, earlier "
            "turns its history); endpoint='generation' sends one raw prompt to /{model}/generation "
            "with max_tokens (max_length), temperature, stop (end_sequence) and its own options, "
            "and reads token counts. No finish reason, tools or structured output."
        ),
    ),
)
