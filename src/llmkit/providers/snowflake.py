"""Snowflake Cortex REST API (``snowflake/<model>``), one spec over the ``snowflake_cortex`` dialect.

The host is the account's, ``https://{account}.snowflakecomputing.com`` (``account=`` or
``SNOWFLAKE_ACCOUNT``; ``base_url=`` replaces it). The dialect picks the route per call: OpenAI
Chat Completions by default, Anthropic Messages for ``claude-*`` models, Cortex's own
``inference:complete`` with ``cortex_api="native"``; embeddings through ``inference:embed``.
Credentials (``llmkit.auth.snowflake``): a key-pair JWT signed here, a programmatic access token
or an OAuth token.
"""

from __future__ import annotations

from llmkit.auth.snowflake import ACCOUNT_ENV, PAT_ENV
from llmkit.providers.spec import Param, ProviderSpec

# An account identifier as it fills the host: ``myorg-myacct`` (organization-account) or ``xy12345``
# (a locator): one DNS label, so nothing but the account's own host under snowflakecomputing.com
# is reachable from it. Underscores are allowed (the dialect spells them as hyphens in the host;
# the JWT keeps them). A locator with a region (``xy12345.us-east-1.aws``) goes in ``base_url=``,
# with ``account="xy12345"`` for the JWT.
ACCOUNT_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"

SPECS = (
    ProviderSpec(
        name="snowflake",
        display_name="Snowflake Cortex",
        dialect="snowflake_cortex",
        base_url="https://{account}.snowflakecomputing.com",
        params={
            "account": Param(
                (ACCOUNT_ENV,),
                doc="the account identifier, e.g. myorg-myaccount",
                pattern=ACCOUNT_PATTERN,
            )
        },
        env_keys=(PAT_ENV,),
        key_required=False,
        auth="custom",
        auth_factory="llmkit.auth.snowflake:snowflake_auth",
        capabilities=frozenset({"chat", "stream", "tools", "vision", "json_schema", "embeddings"}),
        docs_url="https://docs.snowflake.com/en/user-guide/snowflake-cortex/cortex-rest-api",
        notes=(
            "Key-pair JWT (user=, private_key_path=), programmatic access token (token=/SNOWFLAKE_PAT) "
            "or OAuth (authenticator='oauth'). cortex_api='native' for inference:complete; claude-* "
            "models use the Messages route."
        ),
    ),
)
