"""AWS request authentication for Bedrock and SageMaker: SigV4, or a Bedrock API key.

The factories here are the ``auth_factory`` of the ``bedrock`` and ``sagemaker``
provider specs. Credentials come, in order, from the keyword options
``aws_access_key_id`` / ``aws_secret_access_key`` / ``aws_session_token``, from
``aws_profile=`` (botocore), from the ``AWS_*`` environment variables, then from
botocore's full credential chain when the ``llmkit[aws]`` extra is installed.
Bedrock also takes an API key (``api_key=`` or ``AWS_BEARER_TOKEN_BEDROCK``),
sent as ``Authorization: Bearer``; explicit AWS keys win over it.

``SigV4Auth`` signs each attempt as it goes out (the retry loop runs the auth
flow per attempt), so a retried request carries a fresh ``X-Amz-Date``. It is the
last thing to touch the request, and it signs ``request.url`` exactly as the
transports send it (percent-encoding kept, no requoting).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from llmkit._redact import register_secret
from llmkit.auth import aws_credentials as _creds
from llmkit.auth.aws_credentials import (
    ENV_ACCESS_KEY,
    ENV_SECRET_KEY,
    ENV_SESSION_TOKEN,
    AwsCredentials,
    credential_source,
)
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs, Blocking, HeaderAuth, guarded
from llmkit.auth.sigv4 import sign_http_request
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest

__all__ = [
    "ENV",
    "OPTIONS",
    "DefaultCredentials",
    "SigV4Auth",
    "bedrock_auth",
    "sagemaker_auth",
    "sigv4_auth",
    "utcnow",
]

# The keyword options these factories consume (resolution routes them here, not to the body).
OPTIONS = frozenset(
    {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_profile", "aws_credentials"}
)

# SigV4 signing names: the credential scope's service, which is not the host prefix.
SIGNING_NAMES = {"bedrock": "bedrock", "sagemaker": "sagemaker"}


def utcnow() -> datetime:
    """The signing clock (a module function so tests can move it)."""
    return datetime.now(UTC)


def _clock() -> datetime:
    return utcnow()


@dataclass(slots=True)
class SigV4Auth:
    """Sign every outgoing request with AWS Signature Version 4."""

    credentials: Callable[[], AwsCredentials]
    region: str
    service: str
    clock: Callable[[], datetime] = field(default=_clock)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        source = self.credentials
        # A source that may refresh over the network (botocore's chain, a caller's callable)
        # runs off the event loop in async; fixed keys are read inline.
        credentials = (yield Blocking(source)) if getattr(source, "blocking", False) else source()
        # Nothing may change the request after this: the signature covers the URL, the
        # headers present now and the body.
        sign_http_request(request, credentials, self.region, self.service, self.clock())
        return request

    def __repr__(self) -> str:
        return f"SigV4Auth(service={self.service!r}, region={self.region!r}, credentials=...)"


def _option_str(opts: Mapping[str, Any], name: str) -> str | None:
    value = opts.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string")
    return value


def _credentials(provider: str, opts: Mapping[str, Any]) -> Callable[[], AwsCredentials]:
    given = opts.get("aws_credentials")
    access_key = _option_str(opts, "aws_access_key_id")
    secret_key = _option_str(opts, "aws_secret_access_key")
    session_token = _option_str(opts, "aws_session_token")
    profile = _option_str(opts, "aws_profile")
    if given is not None:
        if isinstance(given, AwsCredentials):
            fixed = given
            return lambda: fixed
        if callable(given):
            return _CallerSource(given)
        raise ConfigurationError(
            f"{provider}: aws_credentials must be an AwsCredentials or a callable returning one"
        )
    for secret in (secret_key, session_token):
        register_secret(secret)
    if access_key is None and secret_key is None and session_token is None:
        if profile is not None:
            # botocore's profile lookup may go to the network (SSO, assume-role): at the first
            # request, off the event loop, not while the call is being prepared.
            return _LazySource(lambda: credential_source(profile=profile))
        default = DefaultCredentials()
        default.check()  # fail now, before any request, on what needs no I/O to see
        return default
    return credential_source(access_key, secret_key, session_token, profile=profile)


class _LazySource:
    """A credential source found at its first use (in a worker thread, for async calls)."""

    blocking = True

    def __init__(self, find: Callable[[], Callable[[], AwsCredentials]]) -> None:
        self._find = find
        self._source: Callable[[], AwsCredentials] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> AwsCredentials:
        with self._lock:
            if self._source is None:
                self._source = self._find()
        return self._source()


class _CallerSource:
    """A caller's ``aws_credentials=`` callable: it may do I/O, and its failures end typed."""

    blocking = True

    def __init__(self, provider: Callable[[], Any]) -> None:
        self._provider = provider

    def __call__(self) -> AwsCredentials:
        found = guarded(self._provider, "the aws_credentials callable")
        if not isinstance(found, AwsCredentials):
            raise ConfigurationError(
                f"the aws_credentials callable returned {type(found).__name__}, not AwsCredentials"
            )
        return found


class DefaultCredentials:
    """The default chain, re-read per request: the ``AWS_*`` variables as they are now (a resolved
    call may be cached by the client, so a changed environment must still be seen), else
    botocore's chain, found once and then asked each time so that it can refresh."""

    __slots__ = ("_chain", "_env", "_env_credentials")

    def __init__(self) -> None:
        self._chain: Callable[[], AwsCredentials] | None = None
        self._env: tuple[str, str, str] | None = None
        self._env_credentials: AwsCredentials | None = None

    def check(self) -> None:
        """Raise now what can be seen without I/O: half-set variables, or no source at all."""
        if os.environ.get(ENV_ACCESS_KEY) or os.environ.get(ENV_SECRET_KEY):
            self()  # the environment only: instant
            return
        try:
            _creds._import_botocore_session()
        except ImportError:
            raise _creds._missing_credentials_error() from None

    @property
    def blocking(self) -> bool:
        # Reading the environment is instant; botocore's chain may go to the network.
        return not (os.environ.get(ENV_ACCESS_KEY) or os.environ.get(ENV_SECRET_KEY))

    def __call__(self) -> AwsCredentials:
        key = os.environ.get(ENV_ACCESS_KEY) or ""
        secret = os.environ.get(ENV_SECRET_KEY) or ""
        if key or secret:
            token = os.environ.get(ENV_SESSION_TOKEN) or ""
            if (key, secret, token) != self._env or self._env_credentials is None:
                # credential_source checks that both are set.
                self._env_credentials = credential_source(use_botocore=False)()
                self._env = (key, secret, token)
            return self._env_credentials
        if self._chain is None:
            # botocore's chain is looked up once (in a worker thread, for async calls), then
            # asked each time so that it can refresh.
            self._chain = credential_source()
        return self._chain()


def _signing_name(inputs: AuthInputs, default: str) -> str:
    return inputs.params.get("signing_name") or SIGNING_NAMES.get(inputs.provider, default)


def _region(inputs: AuthInputs) -> str:
    region = inputs.params.get("region")
    if not region:
        raise ConfigurationError(
            f"{inputs.provider} needs region= (e.g. us-east-1), or set AWS_REGION / AWS_DEFAULT_REGION"
        )
    return region


def sigv4_auth(inputs: AuthInputs, *, service: str | None = None) -> SigV4Auth:
    """SigV4 for any AWS service: the signing name from ``params['signing_name']`` or the spec."""
    name = service or _signing_name(inputs, inputs.provider)
    return SigV4Auth(_credentials(inputs.provider, inputs.options), _region(inputs), name)


def _explicit_aws_keys(opts: Mapping[str, Any]) -> bool:
    return any(opts.get(name) is not None for name in OPTIONS)


def _bedrock(inputs: AuthInputs) -> Auth:
    """Bedrock: explicit AWS keys, else a Bedrock API key as a bearer token, else the credential chain."""
    if inputs.key and not _explicit_aws_keys(inputs.options):
        register_secret(inputs.key)
        return HeaderAuth("authorization", inputs.key, "Bearer ")
    return sigv4_auth(inputs, service=_signing_name(inputs, "bedrock"))


def _sagemaker(inputs: AuthInputs) -> Auth:
    """SageMaker Runtime: SigV4 only (signing name ``sagemaker``); an ``api_key`` is not used."""
    return sigv4_auth(inputs, service=_signing_name(inputs, "sagemaker"))


# The variables the credential chain reads: the key pair and session token (``DefaultCredentials``
# re-reads them per request), and the profile botocore's chain picks (``llmkit[aws]``). Declared so
# the provider pages and ``llmkit providers`` list them, and so a cached resolution is redone when
# one changes (a new ``AWS_PROFILE`` would otherwise keep the chain found for the old one). The
# region variables are the specs' ``region`` param, not read here; botocore reads further ones of
# its own (its config and credentials file paths, container and web-identity settings).
ENV = (ENV_ACCESS_KEY, ENV_SECRET_KEY, ENV_SESSION_TOKEN, "AWS_PROFILE")

# The ``auth_factory`` of the ``bedrock`` and ``sagemaker`` specs.
bedrock_auth = AuthFactory(_bedrock, OPTIONS, ENV)
sagemaker_auth = AuthFactory(_sagemaker, OPTIONS, ENV)
