"""Google OAuth 2.0 for Vertex AI, sans-I/O.

* ``ServiceAccountAuth``: a service-account key (the JSON key file) signs an
  RS256 JWT assertion that is exchanged at the key's own ``token_uri``
  (``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``).
* ``AuthorizedUserAuth``: the ``authorized_user`` file ``gcloud auth
  application-default login`` writes, exchanged with ``grant_type=refresh_token``.
* ``AccessTokenAuth``: a token given as a string, or a callable returning one.
* ``GoogleAuthLibraryAuth``: any ``google.auth`` credentials (the ``llmkit[gcp]``
  extra), for the Application Default Credentials llmkit does not read itself
  (metadata server, workload identity federation, impersonation).

The token exchange and its cache are in ``llmkit.auth.google_token``, the
service-account assertion in ``llmkit.auth.google_jwt``; this module turns the
credentials a caller has (a token, a key file, ADC) into an Auth, and
re-exports the names of both.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmkit._headers import put, put_default
from llmkit._redact import mask, register_secret
from llmkit.auth.base import AuthFactory, AuthFlow, AuthInputs, Blocking, guarded
from llmkit.auth.google_jwt import (
    _GCP_EXTRA,
    ASSERTION_LIFETIME,
    CLOUD_PLATFORM_SCOPE,
    DEFAULT_TOKEN_URI,
    ServiceAccountKey,
    build_assertion,
    sign_rs256,
)
from llmkit.auth.google_token import (
    JWT_BEARER_GRANT,
    REFRESH_MARGIN,
    AuthorizedUserAuth,
    Clock,
    ServiceAccountAuth,
    _RefreshingAuth,
    form_request,
    parse_token_response,
)
from llmkit.auth.tokens import TokenFlow, shared_manager
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.wire import HttpRequest

if TYPE_CHECKING:
    from llmkit.auth.base import Auth

__all__ = [
    "ASSERTION_LIFETIME",
    "CLOUD_PLATFORM_SCOPE",
    "DEFAULT_TOKEN_URI",
    "JWT_BEARER_GRANT",
    "REFRESH_MARGIN",
    "AccessTokenAuth",
    "AuthorizedUserAuth",
    "Clock",
    "GoogleAuthLibraryAuth",
    "LibraryDefaultAuth",
    "ServiceAccountAuth",
    "ServiceAccountKey",
    "application_default",
    "build_assertion",
    "form_request",
    "from_info",
    "parse_token_response",
    "sign_rs256",
    "vertex_auth",
]


class AccessTokenAuth:
    """A bearer token you already have, or a callable that returns a current one."""

    # Present only for a non-empty str token (set in __init__): the client then takes the
    # static-credential path (``apply``, no generator per call), as for an API key.
    apply: Callable[[HttpRequest], HttpRequest]

    def __init__(self, token: str | Callable[[], str]) -> None:
        self._token = token
        if isinstance(token, str):
            register_secret(token)
            if token:
                self.apply = self._apply_token

    def _apply_token(self, request: HttpRequest) -> HttpRequest:
        """What ``auth_flow`` does for a str token, without the generator."""
        token = self._token
        assert isinstance(token, str)
        register_secret(token)  # as the flow does: keeps the token recent in the redaction registry
        put(request.headers, "authorization", f"Bearer {token}")
        return request

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token: Any = self._token
        if callable(token):
            # A caller's token callable may do I/O (a refresh): it runs off the event loop.
            token = yield Blocking(self._call)
        if not isinstance(token, str) or not token:
            raise ConfigurationError("the access_token callable returned no token (a non-empty str)")
        register_secret(token)
        put(request.headers, "authorization", f"Bearer {token}")
        return request

    def _call(self) -> Any:
        provider = self._token
        assert callable(provider)
        return guarded(provider, "the access_token callable")

    def __repr__(self) -> str:
        shown = "<callable>" if callable(self._token) else mask(self._token)
        return f"AccessTokenAuth(token={shown})"


class GoogleAuthLibraryAuth:
    """Credentials from google-auth. Its refresh does its own (blocking) HTTP via ``requests``,
    so llmkit uses it only for the ADC sources it cannot read itself.

    The token is kept in the one ``TokenManager`` of this credentials object (shared by every
    Auth made for it): a refresh is one ``Blocking`` call, whoever else needs a token waits for it."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._tokens = shared_manager(credentials, "google-auth refresh")

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._fetch)
        put(request.headers, "authorization", f"Bearer {token}")
        quota = getattr(self.credentials, "quota_project_id", None)
        if quota:
            put_default(request.headers, "x-goog-user-project", str(quota))
        return request

    def _fetch(self) -> TokenFlow:
        held = self._held()
        if held is not None:  # the library already holds a token good past the margin: no I/O
            return held
        # google-auth refreshes with its own blocking HTTP: off the event loop in async.
        got: tuple[str, float] = yield Blocking(self._refresh)
        return got

    def _held(self) -> tuple[str, float] | None:
        credentials = self.credentials
        token: Any = credentials.token
        if not credentials.valid or not isinstance(token, str) or not token:
            return None
        expiry = _library_expiry(credentials)
        if expiry - self._tokens.clock() <= self._tokens.margin:
            return None
        register_secret(token)
        return token, expiry

    def _refresh(self) -> tuple[str, float]:
        try:
            from google.auth.transport.requests import Request
        except ImportError:
            raise ConfigurationError(
                f"refreshing google-auth credentials needs requests; {_GCP_EXTRA}"
            ) from None
        credentials = self.credentials
        # The manager's timing decides (its margin), not the library's own threshold.
        if self._held() is None:
            guarded(lambda: credentials.refresh(Request()), "refreshing google-auth credentials")
        token: Any = credentials.token
        if not isinstance(token, str) or not token:
            raise AuthenticationError("google-auth credentials gave no access token after a refresh")
        register_secret(token)
        return token, _library_expiry(credentials)

    def __repr__(self) -> str:
        return f"GoogleAuthLibraryAuth({type(self.credentials).__name__})"


def _library_expiry(credentials: Any) -> float:
    """Epoch seconds from google-auth's ``expiry`` (a naive UTC datetime; None: no expiry)."""
    expiry = getattr(credentials, "expiry", None)
    if expiry is None:
        return math.inf
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=datetime.UTC)
    return float(expiry.timestamp())


# ---------------------------------------------------------------- credentials → Auth

# One Auth per credential, so the token cache outlives a single call.
_SHARED: dict[tuple[Any, ...], _RefreshingAuth] = {}
_SHARED_LOCK = threading.Lock()


def _shared(key: tuple[Any, ...], make: Callable[[], _RefreshingAuth]) -> _RefreshingAuth:
    with _SHARED_LOCK:
        auth = _SHARED.get(key)
        if auth is None:
            auth = _SHARED[key] = make()
        return auth


def from_info(info: Mapping[str, Any], scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,)) -> _RefreshingAuth:
    """The Auth for a parsed credentials file (``service_account`` or ``authorized_user``)."""
    kind = info.get("type")
    if kind == "service_account":
        key = ServiceAccountKey.from_info(info)
        ident: tuple[Any, ...] = ("sa", key.client_email, key.private_key_id, key.token_uri, tuple(scopes))
        return _shared(ident, lambda: ServiceAccountAuth(key, scopes=scopes))
    if kind == "authorized_user":
        ident = ("user", info.get("client_id"), info.get("refresh_token"), info.get("token_uri"))
        return _shared(ident, lambda: AuthorizedUserAuth(info))
    raise ConfigurationError(
        f"llmkit reads service_account and authorized_user credentials, not {kind!r}; "
        f"for other kinds pass credentials= a google-auth Credentials object ({_GCP_EXTRA})"
    )


# Parsed credential files by (path, mtime, size): each file is read once, not per call (a call
# with options is resolved afresh each time, and resolution runs on the event loop in async).
_FILES: dict[tuple[str, int, int], dict[str, Any]] = {}


def _load_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    name = os.fspath(path)
    try:
        st = os.stat(name)
    except OSError as exc:
        raise ConfigurationError(f"cannot read Google credentials file {name!r}: {exc.strerror}") from None
    ident = (name, st.st_mtime_ns, st.st_size)
    cached = _FILES.get(ident)
    if cached is not None:
        return cached
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read Google credentials file {name!r}: {exc.strerror}") from None
    except ValueError:
        raise ConfigurationError(f"Google credentials file {name!r} is not JSON") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"Google credentials file {name!r} is not a JSON object")
    with _SHARED_LOCK:
        if len(_FILES) >= 64:
            _FILES.clear()
        _FILES[ident] = data
    return data


def _gcloud_adc_path() -> Path:
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "gcloud" / "application_default_credentials.json"
    config = os.environ.get("CLOUDSDK_CONFIG")
    base = Path(config) if config else Path.home() / ".config" / "gcloud"
    return base / "application_default_credentials.json"


def application_default(scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,)) -> Auth:
    """Application Default Credentials: ``GOOGLE_APPLICATION_CREDENTIALS``, then gcloud's ADC
    file, then whatever google-auth finds (metadata server, federation) if it is installed."""
    env_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if env_path:
        return from_info(_load_file(env_path), scopes)
    gcloud = _gcloud_adc_path()
    if gcloud.is_file():
        return from_info(_load_file(gcloud), scopes)
    try:
        import google.auth  # noqa: F401  (only that it is there: the lookup is at the first request)
    except ImportError:
        raise ConfigurationError(
            "no Google credentials: pass access_token= or credentials=, set "
            f"GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or {_GCP_EXTRA}"
        ) from None
    key = ("library-adc", tuple(scopes))
    with _SHARED_LOCK:
        found = _LIBRARY_ADC.get(key)
        if found is None:
            found = _LIBRARY_ADC[key] = LibraryDefaultAuth(tuple(scopes))
        return found


class LibraryDefaultAuth:
    """The ADC google-auth finds (metadata server, federation, impersonation), looked up at the
    first request as a ``Blocking`` action: ``google.auth.default`` may probe the metadata server
    over HTTP, which must not happen while a call is prepared (on the event loop, in async).
    Found once per scope set and shared, so its token is reused across calls."""

    def __init__(self, scopes: tuple[str, ...]) -> None:
        self.scopes = scopes
        self._lock = threading.Lock()
        self._found: GoogleAuthLibraryAuth | None = None

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        found = self._found
        if found is None:
            found = yield Blocking(self._find)
        assert isinstance(found, GoogleAuthLibraryAuth)
        signed: HttpRequest = yield from found.auth_flow(request)
        return signed

    def _find(self) -> GoogleAuthLibraryAuth:
        with self._lock:
            if self._found is None:
                credentials = guarded(self._default, "finding Google Application Default Credentials")
                self._found = GoogleAuthLibraryAuth(credentials)
            return self._found

    def _default(self) -> Any:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            credentials, _ = google.auth.default(scopes=list(self.scopes))
            return credentials
        except DefaultCredentialsError as exc:
            detail = str(exc)
        # Raised outside the handler: the library's exception is not kept as the context.
        raise ConfigurationError(f"no Google Application Default Credentials: {detail}")

    def __repr__(self) -> str:
        return f"LibraryDefaultAuth(scopes={self.scopes!r})"


_LIBRARY_ADC: dict[tuple[Any, ...], LibraryDefaultAuth] = {}


# The keyword options ``vertex_auth`` consumes, and the variables it (through ADC) reads.
VERTEX_OPTIONS = frozenset({"access_token", "credentials", "scopes"})
VERTEX_ENV = ("GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG", "APPDATA")


def _vertex(inputs: AuthInputs) -> Auth:
    """Vertex AI: the options ``access_token``, ``credentials`` and ``scopes``; an ``api_key``
    is taken as an OAuth access token; else Application Default Credentials."""
    options = inputs.options
    token = options.get("access_token")
    credentials = options.get("credentials")
    scopes = tuple(options.get("scopes") or (CLOUD_PLATFORM_SCOPE,))
    if token is not None:
        return AccessTokenAuth(token)
    if credentials is not None:
        if isinstance(credentials, (str, os.PathLike)):
            return from_info(_load_file(credentials), scopes)
        if isinstance(credentials, Mapping):
            return from_info(credentials, scopes)
        if hasattr(credentials, "refresh") and hasattr(credentials, "token"):
            return GoogleAuthLibraryAuth(credentials)
        raise ConfigurationError(
            "credentials= must be a key file path, its parsed JSON, or a google-auth Credentials object"
        )
    if inputs.key:
        return AccessTokenAuth(inputs.key)
    return application_default(scopes)


# ``ProviderSpec.auth_factory`` for Vertex AI and its partner models.
vertex_auth = AuthFactory(_vertex, VERTEX_OPTIONS, VERTEX_ENV, pure_options=frozenset({"access_token"}))
