"""Replicate's key header: ``Authorization: Bearer <token>``, or the legacy ``Token <token>``
scheme (what older clients and litellm send) with ``auth_scheme="Token"`` or
``REPLICATE_AUTH_SCHEME=Token``."""

from __future__ import annotations

import os

from llmkit.auth.base import Auth, AuthFactory, AuthInputs, HeaderAuth
from llmkit.errors import ConfigurationError

_ENV = "REPLICATE_AUTH_SCHEME"
_SCHEMES = {"bearer": "Bearer ", "token": "Token "}


def _build(inputs: AuthInputs) -> Auth:
    if inputs.key is None:
        names = " or ".join(inputs.env_keys)
        raise ConfigurationError(f"no API token for {inputs.provider}: pass api_key= or set {names}")
    scheme = inputs.options.get("auth_scheme")
    if scheme is None:
        scheme = os.environ.get(_ENV) or "Bearer"
    prefix = _SCHEMES.get(scheme.lower()) if isinstance(scheme, str) else None
    if prefix is None:
        raise ConfigurationError(
            f"{inputs.provider}: auth_scheme= (or {_ENV}) must be 'Bearer' or 'Token', not {scheme!r}"
        )
    return HeaderAuth("authorization", inputs.key, prefix)


replicate_auth = AuthFactory(_build, frozenset({"auth_scheme"}), (_ENV,))
