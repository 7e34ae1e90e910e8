"""Anthropic, and the endpoints that speak its Messages format.

Authentication for ``anthropic``: the documented ``x-api-key`` header by
default. A bearer token (``Authorization: Bearer …``, as the current official
SDK and OAuth-style credentials use) is sent instead when the credential comes
from ``ANTHROPIC_AUTH_TOKEN`` (and ``ANTHROPIC_API_KEY`` is unset), or when the
call says ``anthropic_auth="bearer"``.
"""

from __future__ import annotations

import os

from llmkit.auth.base import Auth, AuthFactory, AuthInputs, HeaderAuth
from llmkit.errors import ConfigurationError
from llmkit.providers.spec import ProviderSpec

API_KEY_ENV = "ANTHROPIC_API_KEY"
AUTH_TOKEN_ENV = "ANTHROPIC_AUTH_TOKEN"

_CLAUDE = frozenset({"chat", "stream", "tools", "vision", "json_schema", "reasoning", "count_tokens"})
_COMPAT = frozenset({"chat", "stream", "tools", "reasoning"})


def _anthropic_auth(inputs: AuthInputs) -> Auth:
    """``x-api-key`` for an API key, ``Authorization: Bearer`` for an auth token."""
    api_key = inputs.key
    if not api_key:
        raise ConfigurationError(
            f"no credentials for {inputs.provider}: set {API_KEY_ENV} (or {AUTH_TOKEN_ENV}), or pass api_key="
        )
    scheme = inputs.options.get("anthropic_auth")
    if scheme is None:
        from_token_env = not os.environ.get(API_KEY_ENV) and api_key == os.environ.get(AUTH_TOKEN_ENV)
        scheme = "bearer" if from_token_env else "x-api-key"
    if scheme == "bearer":
        return HeaderAuth("authorization", api_key, "Bearer ")
    if scheme == "x-api-key":
        return HeaderAuth("x-api-key", api_key)
    raise ConfigurationError(f"anthropic_auth must be 'x-api-key' or 'bearer', not {scheme!r}")


# It reads both key variables to choose the scheme, so a cached resolution watches both.
anthropic_auth = AuthFactory(_anthropic_auth, frozenset({"anthropic_auth"}), (API_KEY_ENV, AUTH_TOKEN_ENV))


SPECS = (
    ProviderSpec(
        name="anthropic",
        display_name="Anthropic",
        dialect="anthropic_messages",
        base_url="https://api.anthropic.com",
        env_keys=(API_KEY_ENV, AUTH_TOKEN_ENV),
        auth="custom",
        auth_factory="llmkit.providers.anthropic:anthropic_auth",
        auth_header="x-api-key",
        auth_prefix="",
        default_headers={"anthropic-version": "2023-06-01"},
        capabilities=_CLAUDE,
        docs_url="https://docs.claude.com/en/api/messages",
        notes=(
            "x-api-key by default; Bearer when the credential is ANTHROPIC_AUTH_TOKEN or with "
            "anthropic_auth='bearer'. Beta features: anthropic_beta=[...]."
        ),
    ),
    ProviderSpec(
        name="minimax_anthropic",
        display_name="MiniMax (Anthropic-compatible)",
        dialect="anthropic_messages",
        base_url="https://api.minimax.io/anthropic",
        regions={"global": "https://api.minimax.io/anthropic", "cn": "https://api.minimaxi.com/anthropic"},
        default_region="global",
        env_keys=("MINIMAX_API_KEY",),
        auth="bearer",
        default_headers={"anthropic-version": "2023-06-01"},
        capabilities=_COMPAT,
        docs_url="https://platform.minimax.io/docs/api-reference/text-anthropic-api",
        notes=(
            "MiniMax-M2.x/M3 models over the Anthropic Messages format; text and tool calls only "
            "(no image or document input, per MiniMax's compatibility table). China: region='cn'."
        ),
    ),
    ProviderSpec(
        name="zai_anthropic",
        display_name="Z.ai GLM (Anthropic-compatible)",
        dialect="anthropic_messages",
        base_url="https://api.z.ai/api/anthropic",
        env_keys=("ZAI_API_KEY",),
        auth="bearer",
        default_headers={"anthropic-version": "2023-06-01"},
        capabilities=_COMPAT,
        docs_url="https://docs.z.ai/scenario-example/develop-tools/claude",
        notes="GLM models (glm-4.6, glm-4.5-air, ...) behind Z.ai's Anthropic-compatible route.",
    ),
)
