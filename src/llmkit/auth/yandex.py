"""Yandex Cloud credentials for the Foundation Models API.

Two schemes, as the SDK (``yandex_ai_studio_sdk._auth``) sends them: a service account's API key
as ``Authorization: Api-Key <key>`` (``api_key=`` / ``YC_API_KEY``), or an IAM token as
``Authorization: Bearer <token>`` (``iam_token=`` / ``YC_IAM_TOKEN``; IAM tokens live at most
12 hours and are minted outside llmkit, e.g. ``yc iam create-token``). An ``iam_token=`` passed
to the call wins; then the API key (keyword or variable); then ``YC_IAM_TOKEN``.
"""

from __future__ import annotations

import os

from llmkit._redact import register_secret
from llmkit.auth.base import Auth, AuthFactory, AuthInputs, HeaderAuth
from llmkit.errors import ConfigurationError

__all__ = ["yandex_auth"]

OPTIONS = frozenset({"iam_token"})
ENV = ("YC_IAM_TOKEN",)


def _token(value: object, source: str) -> str:
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise ConfigurationError(f"yandex: {source} must be a non-empty IAM token string")
    register_secret(value)
    return value.strip()


def _build(inputs: AuthInputs) -> Auth:
    given = inputs.options.get("iam_token")
    if given is not None:
        return HeaderAuth("authorization", _token(given, "iam_token="), "Bearer ")
    if inputs.key:
        return HeaderAuth("authorization", inputs.key, "Api-Key ")
    env = os.environ.get("YC_IAM_TOKEN")
    if env:
        return HeaderAuth("authorization", _token(env, "YC_IAM_TOKEN"), "Bearer ")
    raise ConfigurationError(
        f"no credentials for {inputs.provider}: pass api_key= or set YC_API_KEY (a service account's "
        "API key), or pass iam_token= / set YC_IAM_TOKEN (an IAM token)"
    )


# ``ProviderSpec.auth_factory`` for yandex.
yandex_auth = AuthFactory(_build, OPTIONS, ENV)
