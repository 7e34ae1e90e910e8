"""AWS credentials and region: explicit, from the environment, or from botocore's chain.

botocore is an optional extra (``llmkit[aws]``), imported only when the
explicit arguments and the environment variables give nothing.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmkit._redact import mask, register_secret
from llmkit.auth.base import guarded
from llmkit.errors import ConfigurationError

__all__ = [
    "ENV_ACCESS_KEY",
    "ENV_REGIONS",
    "ENV_SECRET_KEY",
    "ENV_SESSION_TOKEN",
    "AwsCredentials",
    "credential_source",
    "resolve_credentials",
    "resolve_region",
]

ENV_ACCESS_KEY = "AWS_ACCESS_KEY_ID"
ENV_SECRET_KEY = "AWS_SECRET_ACCESS_KEY"
ENV_SESSION_TOKEN = "AWS_SESSION_TOKEN"
ENV_REGIONS = ("AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass(frozen=True, slots=True, repr=False)
class AwsCredentials:
    """One set of AWS credentials. Its ``repr`` never shows them."""

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __post_init__(self) -> None:
        register_secret(self.secret_key)
        register_secret(self.session_token)

    def __repr__(self) -> str:
        return (
            f"AwsCredentials(access_key={mask(self.access_key)}, secret_key={mask(self.secret_key)}, "
            f"session_token={mask(self.session_token)})"
        )


def _missing_credentials_error(extra: str = "") -> ConfigurationError:
    return ConfigurationError(
        "No AWS credentials found. Pass access_key/secret_key, or set the environment variables "
        f"{ENV_ACCESS_KEY} and {ENV_SECRET_KEY} (plus {ENV_SESSION_TOKEN} for temporary credentials), "
        "or install botocore (pip install 'llmkit[aws]') to use the AWS shared config, SSO, "
        f"web identity and instance-role credentials.{extra}"
    )


def credential_source(
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    use_botocore: bool = True,
) -> Callable[[], AwsCredentials]:
    """Find credentials and return a function giving the current ones.

    Order: explicit arguments; ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
    (/ ``AWS_SESSION_TOKEN``); then, if botocore is installed, its full chain
    (shared files, SSO, assume-role, web identity, container and instance
    roles). Botocore's refreshable credentials are re-frozen on every call, so
    botocore refreshes them before they expire. A ``profile`` skips the
    environment variables and goes straight to botocore, as the AWS CLI does.

    Raises ``ConfigurationError`` when nothing is found.
    """
    if access_key is not None or secret_key is not None:
        if not access_key or not secret_key:
            raise ConfigurationError("AWS credentials need both access_key and secret_key.")
        fixed = AwsCredentials(access_key, secret_key, session_token or None)
        return lambda: fixed
    if session_token:
        raise ConfigurationError("An AWS session_token was given without access_key and secret_key.")

    env = os.environ if environ is None else environ
    if profile is None:
        env_key = env.get(ENV_ACCESS_KEY) or None
        env_secret = env.get(ENV_SECRET_KEY) or None
        if env_key and env_secret:
            from_env = AwsCredentials(env_key, env_secret, env.get(ENV_SESSION_TOKEN) or None)
            return lambda: from_env
        if env_key or env_secret:
            have, lack = (ENV_ACCESS_KEY, ENV_SECRET_KEY) if env_key else (ENV_SECRET_KEY, ENV_ACCESS_KEY)
            raise ConfigurationError(f"{have} is set but {lack} is not; set both.")

    if use_botocore:
        source = _botocore_source(profile)
        if source is not None:
            return source
    elif profile is not None:
        raise ConfigurationError("An AWS profile needs botocore (pip install 'llmkit[aws]').")
    raise _missing_credentials_error()


def resolve_credentials(
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    use_botocore: bool = True,
) -> AwsCredentials:
    """The current credentials, found as :func:`credential_source` describes."""
    return credential_source(
        access_key, secret_key, session_token, profile=profile, environ=environ, use_botocore=use_botocore
    )()


def _import_botocore_session() -> Any:
    # Imported by name so that llmkit neither loads botocore nor needs its type stubs.
    return importlib.import_module("botocore.session")


def _botocore_source(profile: str | None) -> Callable[[], AwsCredentials] | None:
    try:
        session_module = _import_botocore_session()
    except ImportError:
        if profile is not None:
            raise ConfigurationError(
                f"AWS profile {profile!r} needs botocore (pip install 'llmkit[aws]')."
            ) from None
        return None
    failure = ""
    try:
        found: Any = session_module.Session(profile=profile).get_credentials()
    except Exception as exc:  # botocore raises many kinds (ProfileNotFound, partial creds, ...)
        failure = f"botocore could not load AWS credentials: {exc}"
    if failure:
        # Not chained: botocore's exception may hold the credential it choked on.
        raise ConfigurationError(failure)
    if found is None:
        return None
    current = BotocoreSource(found)
    current()  # fail now, not at the first request, if they cannot be frozen
    return current


class BotocoreSource:
    """botocore's credentials, re-frozen per request so botocore can refresh them. A refresh
    is blocking HTTP (STS, SSO, the instance metadata service): ``blocking`` tells the auth
    flow to run this off the event loop."""

    blocking = True

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    def __call__(self) -> AwsCredentials:
        found = self._credentials
        freeze = getattr(found, "get_frozen_credentials", None)
        frozen: Any = guarded(freeze, "refreshing AWS credentials (botocore)") if freeze else found
        if not frozen.access_key or not frozen.secret_key:
            raise _missing_credentials_error(" (botocore returned incomplete credentials)")
        return AwsCredentials(str(frozen.access_key), str(frozen.secret_key), frozen.token or None)

    def __repr__(self) -> str:
        return "BotocoreSource(...)"


def resolve_region(
    region: str | None = None,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    use_botocore: bool = True,
) -> str:
    """The region: explicit, then ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then botocore's config."""
    if region:
        return region
    env = os.environ if environ is None else environ
    for name in ENV_REGIONS:
        value = env.get(name)
        if value:
            return value
    if use_botocore:
        try:
            session_module = _import_botocore_session()
        except ImportError:
            pass
        else:
            try:
                configured: Any = session_module.Session(profile=profile).get_config_variable("region")
            except Exception as exc:
                raise ConfigurationError(f"botocore could not read the AWS region: {exc}") from exc
            if configured:
                return str(configured)
    raise ConfigurationError(
        "No AWS region configured. Pass region=..., or set AWS_REGION (or AWS_DEFAULT_REGION)."
    )
