"""The authentication contract.

An ``Auth`` decorates an outgoing ``HttpRequest``. Schemes that need a token
exchange (OAuth2, Google service accounts, Entra ID) are written as a
generator in the style of httpx's ``auth_flow``: they *yield* the token
request, the transport sends it and sends the ``HttpResponse`` back in, and the
generator finally *returns* the decorated request. One implementation then
serves the sync and the async client alike.

A flow may also yield a ``Blocking`` call: a credential library's refresh that does
its own blocking I/O (google-auth, azure-identity, botocore). The sync client runs it
inline; the async client runs it in a worker thread, so it never stalls the event loop.
And it may yield a ``Join``: wait for a refresh another caller is running (``llmkit.auth.tokens``)
rather than send its own; the sync client waits on the future, the async client awaits it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from llmkit._headers import put
from llmkit._redact import MASK, mask, redact_text
from llmkit.errors import APIConnectionError, AuthenticationError, LLMKitError
from llmkit.wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")

_OPAQUE = re.compile(r"[A-Za-z0-9._~+/=\-]{24,}")


@dataclass(slots=True)
class Blocking:
    """A blocking call an auth flow needs made (its result is sent back into the flow).

    ``timeout`` is what is left of the call's total deadline (set by the retry loop): the
    async client stops waiting then; the sync client, which runs it inline, cannot."""

    fn: Callable[[], Any]
    timeout: float | None = None


@dataclass(slots=True)
class Join:
    """Wait for a token refresh another caller owns (its future's result is sent back in).

    ``timeout`` is what is left of the call's total deadline (set by the retry loop): both
    drivers stop waiting then with ``APITimeoutError``; the refresh itself runs on."""

    future: Future[Any]
    timeout: float | None = None


AuthFlow = Generator[HttpRequest | Blocking | Join, Any, HttpRequest]

# Library exceptions whose names say the network, not the credential, failed.
_TRANSPORT_FAILURES = ("TransportError", "ServiceRequestError", "ConnectionError", "EndpointConnectionError")


def guarded(fn: Callable[[], T], what: str) -> T:
    """Call a credential library; its failure becomes a typed llmkit error.

    The library's exception is neither chained nor kept: its message, attributes and
    response objects may hold the very secrets being exchanged (client secrets,
    assertions, tokens). Its type name and scrubbed message are all that is kept."""
    try:
        return fn()
    except LLMKitError:
        raise
    except Exception as exc:  # the libraries raise many types; every one must end typed
        name = type(exc).__name__
        # Also masked: any long token-like run, since a library may quote what it sent (a client
        # secret, an assertion) that llmkit never saw and so could not register.
        detail = _OPAQUE.sub(MASK, redact_text(str(exc)))[:300]
        network = any(n in (c.__name__ for c in type(exc).__mro__) for n in _TRANSPORT_FAILURES)
    # Raised outside the handler so the library's exception is not even the __context__.
    message = f"{what} failed ({name}): {detail}" if detail else f"{what} failed ({name})"
    if network:
        raise APIConnectionError(message)
    raise AuthenticationError(message)


class Auth(Protocol):
    def auth_flow(self, request: HttpRequest) -> AuthFlow: ...


# Optional hooks an Auth may also implement; ``_retry.send_flow`` asks each once per call.
# Explicit protocols (checked with isinstance) rather than attribute names looked up by string,
# so that a misspelt or mistyped hook fails mypy instead of never being called.


@runtime_checkable
class TokenRejecting(Protocol):
    """An auth that trades a credential for a cached token (``llmkit.auth.tokens``).

    ``token_rejected`` is called with the request as sent and its 401 answer; it returns True
    when that answer means the token it attached is no longer good (expired early, revoked) and it
    has forgotten that token, so the request is authorized again and sent once more at once. It
    returns False for a 401 about anything else (a wrong key): that one is the caller's error."""

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool: ...


@runtime_checkable
class AddressRejecting(Protocol):
    """An auth that filled part of the URL from a lookup (SAP's discovered deployment).

    ``address_rejected`` is called with the request as sent and its 404 answer; it returns True
    when the part it looked up is gone and it has forgotten it, so the request is addressed again
    and sent once more at once."""

    def address_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool: ...


@dataclass(frozen=True, slots=True)
class AuthInputs:
    """What an auth factory is given: read-only, so a factory cannot change the call's options.

    ``options`` holds only the names the factory declared (``AuthFactory.options``) that the
    caller passed; resolution has already taken them out of the options sent to the dialect."""

    provider: str
    env_keys: tuple[str, ...]
    key: str | None
    options: Mapping[str, Any]
    params: Mapping[str, str]

    def __repr__(self) -> str:
        # The key and the options (tokens, credentials) are never shown.
        return f"AuthInputs(provider={self.provider!r}, options={sorted(self.options)})"


@dataclass(frozen=True, slots=True)
class AuthFactory:
    """A provider's custom auth (``ProviderSpec.auth_factory`` names one as ``"module:attribute"``).

    ``options`` are the keyword options it consumes and ``env`` the environment variables it
    reads, declared so that resolution routes the options to it and watches the variables without
    calling it."""

    build: Callable[[AuthInputs], Auth]
    options: frozenset[str] = frozenset()
    env: tuple[str, ...] = ()
    # URL params the credential's own configuration can supply (the OCI config profile's
    # ``region``), asked with the factory's options only when neither an option nor an
    # environment variable set one; its values pass the same checks as any other.
    params: Callable[[Mapping[str, Any]], Mapping[str, str]] | None = None
    # Options whose Auth follows from their value alone (nothing read from a file or the
    # environment, e.g. Vertex's ``access_token``): a client reuses a resolution made with them.
    # A call passing any other of ``options`` (a credentials file's path) is resolved afresh.
    pure_options: frozenset[str] = frozenset()

    def __call__(self, inputs: AuthInputs) -> Auth:
        return self.build(inputs)


@dataclass(slots=True)
class NoAuth:
    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return self.apply(request)
        yield  # pragma: no cover  (makes this a generator)

    def apply(self, request: HttpRequest) -> HttpRequest:
        """The no-I/O fast path the client takes for static credentials."""
        return request


@dataclass(slots=True)
class HeaderAuth:
    """A static key in a header (``Authorization: Bearer …``, ``x-api-key: …``, ``api-key: …``)."""

    header: str
    value: str
    prefix: str = ""

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return self.apply(request)
        yield  # pragma: no cover

    def apply(self, request: HttpRequest) -> HttpRequest:
        # The credential wins over a caller's header of the same name in any case.
        put(request.headers, self.header, self.prefix + self.value)
        return request

    def __repr__(self) -> str:
        return f"HeaderAuth(header={self.header!r}, value={mask(self.value)})"
