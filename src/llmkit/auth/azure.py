"""Azure credentials: a static key (``api-key`` header) or a Microsoft Entra ID bearer token.

Entra ID comes from any callable that returns a token string (``azure_ad_token_provider=``,
the same contract as ``azure.identity.get_bearer_token_provider``), from a fixed token
(``azure_ad_token=``), from an ``azure-identity`` credential object (``azure_credential=``; its
tokens are cached to their ``expires_on`` by ``llmkit.auth.tokens``, one refresh at a time), or,
with ``entra_id=True``, from ``DefaultAzureCredential`` (install the ``llmkit[azure]`` extra; it
is imported only then). The provider is called once per request, so it may cache and refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmkit._headers import put
from llmkit._redact import mask, register_secret
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs, Blocking, HeaderAuth, guarded
from llmkit.auth.tokens import TokenFlow, shared_manager
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest

# Token audience for Azure OpenAI and for Foundry (services.ai.azure.com) model endpoints.
COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default"

TokenProvider = Callable[[], str]

# The keyword options these factories consume (resolution routes them here, not to the body).
OPTIONS = frozenset({"azure_ad_token_provider", "azure_ad_token", "azure_credential", "entra_id"})


@dataclass(slots=True)
class BearerTokenAuth:
    """``Authorization: Bearer <token>`` with a token fetched from ``provider`` for each request."""

    provider: TokenProvider

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        # The provider (azure-identity, say) may refresh with blocking HTTP: off the event loop
        # in async. Its failures (an Entra token endpoint refusing) end as AuthenticationError.
        token = yield Blocking(self._call)
        if not isinstance(token, str) or not token:
            raise ConfigurationError("the Azure token provider returned no token")
        register_secret(token)
        put(request.headers, "authorization", "Bearer " + token)
        return request

    def _call(self) -> Any:
        return guarded(self.provider, "the Microsoft Entra ID token provider")

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


class CredentialTokenAuth:
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
        return BearerTokenAuth(default_credential_provider(scope))
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


# The ``auth_factory`` of the ``azure`` and ``azure_ai`` specs.
openai_auth = AuthFactory(_openai, OPTIONS)
inference_auth = AuthFactory(_inference, OPTIONS)
