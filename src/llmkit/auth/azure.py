"""Azure credentials: a static key (``api-key`` header) or a Microsoft Entra ID bearer token.

Entra ID comes from any callable that returns a token string (``azure_ad_token_provider=``,
the same contract as ``azure.identity.get_bearer_token_provider``), from a fixed token
(``azure_ad_token=``), from an ``azure-identity`` credential object (``azure_credential=``), or,
with ``entra_id=True``, from one process-wide ``DefaultAzureCredential`` (install the
``llmkit[azure]`` extra; it is imported only then).

Every source but the fixed token is on ``llmkit.auth.tokens``: cached, refreshed once for all
concurrent callers, and forgotten after a 401 so the retry loop's one resend gets a new one.
A credential's ``AccessToken`` says when it expires. A token provider's string does not, so
its lifetime is read from the token itself when it is a JWT with an ``exp`` claim (Entra's
access tokens are: 60-90 minutes), refreshed ``PROVIDER_MARGIN`` before that; an opaque string
is reused for ``OPAQUE_REUSE`` seconds at most. The openai SDK calls the provider before every
request instead; caching here saves an event-loop-to-thread hop per async request and a call
into the credential's lock, and a 401 still brings a fresh token at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmkit._headers import put
from llmkit._redact import mask, register_secret
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs, Blocking, HeaderAuth, guarded
from llmkit.auth.tokens import TokenFlow, TokenManager, shared_manager
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

# Token audience for Azure OpenAI and for Foundry (services.ai.azure.com) model endpoints.
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"

TokenProvider = Callable[[], str]

# The keyword options these factories consume (resolution routes them here, not to the body).
OPTIONS = frozenset({"azure_ad_token_provider", "azure_ad_token", "azure_credential", "entra_id"})


# A provider's token is refreshed this long before its JWT ``exp``.
PROVIDER_MARGIN = 60.0
# An opaque (non-JWT) provider token: reused for at most this long (refreshed after the first
# half, the old one serving other callers meanwhile), as it says nothing of its lifetime.
OPAQUE_REUSE = 2 * PROVIDER_MARGIN
_MAX_LIFETIME = 86400.0


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (read, not verified: only to know when to refresh), else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        return float(exp)
    return None


class _RejectedOn401:
    """One re-auth after a 401: forget the managed token the request carried."""

    __slots__ = ()
    _tokens: TokenManager

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        # Entra-protected endpoints answer any expired, revoked or wrong-audience token with 401.
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])


class BearerTokenAuth(_RejectedOn401):
    """``Authorization: Bearer <token>`` from a caller's token provider, cached on the manager
    (one per provider object): see the module docstring for how long a token is reused."""

    __slots__ = ("_tokens", "provider")

    def __init__(self, provider: TokenProvider) -> None:
        self.provider = provider
        self._tokens = shared_manager(provider, "Microsoft Entra ID token provider", margin=PROVIDER_MARGIN)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._fetch)
        put(request.headers, "authorization", "Bearer " + token)
        return request

    def _fetch(self) -> TokenFlow:
        # The provider (azure-identity, say) may refresh with blocking HTTP: off the event loop
        # in async. Its failures (an Entra token endpoint refusing) end as AuthenticationError.
        got: tuple[str, float] = yield Blocking(self._call)
        return got

    def _call(self) -> tuple[str, float]:
        token = guarded(self.provider, "the Microsoft Entra ID token provider")
        now = self._tokens.clock()
        if not isinstance(token, str) and isinstance(getattr(token, "token", None), str):
            # An AccessToken (what a credential's get_token answers): it says when it expires.
            expires_on = getattr(token, "expires_on", None)
            token = token.token
            register_secret(token)
            if isinstance(expires_on, (int, float)) and not isinstance(expires_on, bool):
                return token, min(float(expires_on), now + _MAX_LIFETIME)
            return token, now + OPAQUE_REUSE
        if not isinstance(token, str) or not token:
            raise ConfigurationError("the Azure token provider returned no token")
        register_secret(token)
        exp = jwt_expiry(token)
        return token, now + OPAQUE_REUSE if exp is None else min(exp, now + _MAX_LIFETIME)

    def __repr__(self) -> str:
        return "BearerTokenAuth(provider=...)"


@dataclass(slots=True)
class KeyHeadersAuth:
    """One key in several headers (the Azure AI Inference SDK sends ``api-key`` and a bearer)."""

    key: str
    headers: Mapping[str, str]  # header -> prefix

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        for header, prefix in self.headers.items():
            put(request.headers, header, prefix + self.key)
        return request
        yield  # pragma: no cover

    def __repr__(self) -> str:
        return f"KeyHeadersAuth(headers={list(self.headers)}, key={mask(self.key)})"


class CredentialTokenAuth(_RejectedOn401):
    """``Authorization: Bearer`` from an azure-identity credential's ``get_token(scope)``.

    Its ``AccessToken`` says when it expires, so the token is kept in the credential's one
    ``TokenManager`` (per scope) and refreshed once for all concurrent callers; a token without
    ``expires_on`` is used for its request only."""

    __slots__ = ("_tokens", "credential", "scope")

    def __init__(self, credential: Any, scope: str) -> None:
        self.credential = credential
        self.scope = scope
        self._tokens = shared_manager(credential, "Microsoft Entra ID token refresh", scope)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._fetch)
        put(request.headers, "authorization", "Bearer " + token)
        return request

    def _fetch(self) -> TokenFlow:
        # azure-identity refreshes with blocking HTTP: off the event loop in async.
        got: tuple[str, float] = yield Blocking(self._get)
        return got

    def _get(self) -> tuple[str, float]:
        access = guarded(lambda: self.credential.get_token(self.scope), "the Microsoft Entra ID credential")
        token = getattr(access, "token", None)
        if not isinstance(token, str) or not token:
            raise ConfigurationError("the Azure credential returned no token")
        register_secret(token)
        expires_on = getattr(access, "expires_on", None)
        if isinstance(expires_on, (int, float)) and not isinstance(expires_on, bool):
            return token, float(expires_on)
        return token, self._tokens.clock()  # unknown lifetime: not reused

    def __repr__(self) -> str:
        return f"CredentialTokenAuth({type(self.credential).__name__}, scope={self.scope!r})"


_DEFAULT_CREDENTIAL: list[Any] = []
_DEFAULT_LOCK = threading.Lock()


def default_credential() -> Any:
    """The process's one ``azure.identity.DefaultAzureCredential`` (made on first use): its
    chain (environment, workload identity, managed identity, Azure CLI, ...) is probed once,
    and its tokens then live on one manager per scope."""
    with _DEFAULT_LOCK:
        if not _DEFAULT_CREDENTIAL:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                raise ConfigurationError(
                    "entra_id=True needs the azure-identity package: pip install 'llmkit[azure]'"
                ) from None
            _DEFAULT_CREDENTIAL.append(DefaultAzureCredential())
        return _DEFAULT_CREDENTIAL[0]


def default_credential_provider(scope: str = COGNITIVE_SERVICES_SCOPE) -> TokenProvider:
    """A token provider backed by ``azure.identity.DefaultAzureCredential``."""
    try:
        from azure.identity import DefaultAzureCredential, get_bearer_token_provider
    except ImportError:
        raise ConfigurationError(
            "entra_id=True needs the azure-identity package: pip install 'llmkit[azure]'"
        ) from None
    provider: TokenProvider = get_bearer_token_provider(DefaultAzureCredential(), scope)
    return provider


def _token_auth(inputs: AuthInputs, scope: str) -> Auth | None:
    opts = inputs.options
    provider = opts.get("azure_ad_token_provider")
    token = opts.get("azure_ad_token")
    credential = opts.get("azure_credential")
    entra = opts.get("entra_id")
    if provider is not None:
        if not callable(provider):
            raise ConfigurationError(
                f"{inputs.provider}: azure_ad_token_provider must be a callable returning a str"
            )
        return BearerTokenAuth(provider)
    if token is not None:
        register_secret(str(token))
        return HeaderAuth("authorization", str(token), "Bearer ")
    if credential is not None:
        return CredentialTokenAuth(credential, scope)
    if entra:
        return CredentialTokenAuth(default_credential(), scope)
    return None


def _missing(inputs: AuthInputs) -> ConfigurationError:
    env = " or ".join(inputs.env_keys)
    return ConfigurationError(
        f"no API key for {inputs.provider}: pass api_key= or set {env}; for Microsoft Entra ID pass "
        "azure_ad_token_provider= (a callable returning a token), azure_credential=, or entra_id=True"
    )


def _openai(inputs: AuthInputs) -> Auth:
    """Azure OpenAI: Entra ID token if one is configured, else ``api-key: <key>``."""
    token_auth = _token_auth(inputs, COGNITIVE_SERVICES_SCOPE)
    if token_auth is not None:
        return token_auth
    if inputs.key is None:
        raise _missing(inputs)
    return HeaderAuth("api-key", inputs.key)


def _inference(inputs: AuthInputs) -> Auth:
    """Azure AI Inference: Entra ID token, else the key as both ``api-key`` and a bearer token.

    Foundry endpoints read ``api-key``, serverless endpoints ``Authorization``; Microsoft's SDK sends
    both for a key credential, and so do we.
    """
    token_auth = _token_auth(inputs, COGNITIVE_SERVICES_SCOPE)
    if token_auth is not None:
        return token_auth
    if inputs.key is None:
        raise _missing(inputs)
    return KeyHeadersAuth(inputs.key, {"api-key": "", "authorization": "Bearer "})


# What azure-identity's DefaultAzureCredential reads from the environment for ``entra_id=True``
# (its EnvironmentCredential: a service principal with a secret or a certificate; workload
# identity's token file; a sovereign cloud's authority host), per Microsoft's EnvironmentCredential
# reference (learn.microsoft.com/python/api/azure-identity/azure.identity.environmentcredential).
# Declared so the provider pages and ``llmkit providers`` list them, and so a cached resolution is
# redone when one changes. A key (``AZURE_OPENAI_API_KEY``, ...) is each spec's own env var.
ENV = (
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
)

# The ``auth_factory`` of the ``azure`` and ``azure_ai`` specs.
openai_auth = AuthFactory(_openai, OPTIONS, ENV)
inference_auth = AuthFactory(_inference, OPTIONS, ENV)
