"""GitHub Copilot: OpenAI Chat Completions at the endpoint the Copilot token names, with the
editor headers, behind the device-flow login and the Copilot token exchange
(``llmkit.auth.copilot``; ``llmkit login copilot`` once per machine)."""

from __future__ import annotations

from llmkit.auth.copilot import API_SLOT, EDITOR_HEADERS
from llmkit.providers.spec import ProviderSpec

SPECS = (
    ProviderSpec(
        name="github_copilot",
        display_name="GitHub Copilot",
        dialect="openai_chat",
        base_url=API_SLOT,  # replaced by the exchange's endpoints.api (checked: under githubcopilot.com)
        env_keys=(),
        auth="custom",
        auth_factory="llmkit.auth.copilot:copilot_auth",
        key_required=False,
        default_headers={**EDITOR_HEADERS, "copilot-integration-id": "vscode-chat"},
        capabilities=frozenset({"chat", "stream", "tools", "vision", "json_schema", "json_object"}),
        docs_url="https://docs.github.com/en/copilot",
        notes=(
            "Log in once with `llmkit login copilot` (GitHub's device flow; the GitHub token is saved "
            "0600 under GITHUB_COPILOT_TOKEN_DIR or ~/.config/llmkit/github_copilot), or pass github_token= "
            "/ set COPILOT_GITHUB_TOKEN. Each call trades it for a ~30 min Copilot token (cached, refreshed "
            "early); chat goes to the endpoint that token names. github_api_url= / GITHUB_COPILOT_API_URL "
            "for another GitHub API root. Copilot's chat API is not a published, supported API."
        ),
    ),
)
