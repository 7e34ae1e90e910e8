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

The token exchange is a request the flow *yields*; the transport sends it and
sends the response back. Tokens are cached per credential and refreshed
``REFRESH_MARGIN`` seconds before they expire; while one flow refreshes a
still-valid token, other flows keep using it, so a busy client makes one
refresh, not one per request.

RSA signing uses ``cryptography`` (in the ``llmkit[gcp]`` extra), imported only
when a service-account assertion is first signed.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from llmkit._redact import mask, register_secret
from llmkit.auth.base import AuthFlow
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from llmkit.auth.base import Auth
    from llmkit.providers.spec import ProviderSpec

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Refresh a token this many seconds before it expires.
REFRESH_MARGIN = 300.0
# Lifetime asked for in the JWT assertion (Google's maximum is one hour).
ASSERTION_LIFETIME = 3600
_GCP_EXTRA = "install the gcp extra: pip install 'llmkit[gcp]'"

Clock = Callable[[], float]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class ServiceAccountKey:
    """The fields of a service-account JSON key file that a token exchange needs."""

    client_email: str
    private_key: str = field(repr=False)
    private_key_id: str | None = None
    token_uri: str = DEFAULT_TOKEN_URI
    project_id: str | None = None

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> ServiceAccountKey:
        if info.get("type", "service_account") != "service_account":
            raise ConfigurationError(f"not a service-account key (type {info.get('type')!r})")
        missing = [k for k in ("client_email", "private_key") if not info.get(k)]
        if missing:
            raise ConfigurationError(f"the service-account key lacks {', '.join(missing)}")
        register_secret(str(info["private_key"]))
        return cls(
            client_email=str(info["client_email"]),
            private_key=str(info["private_key"]),
            private_key_id=info.get("private_key_id"),
            token_uri=str(info.get("token_uri") or DEFAULT_TOKEN_URI),
            project_id=info.get("project_id"),
        )

    def __repr__(self) -> str:
        return (
            f"ServiceAccountKey(client_email={self.client_email!r}, private_key_id={self.private_key_id!r})"
        )


def sign_rs256(private_key_pem: str, message: bytes) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256 over ``message``."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise ConfigurationError(
            f"signing a Google service-account assertion needs cryptography; {_GCP_EXTRA}"
        ) from None
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("the service-account private key is not an RSA key")
    return key.sign(message, padding.PKCS1v15(), hashes.SHA256())


def build_assertion(
    key: ServiceAccountKey,
    *,
    scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,),
    now: float,
    subject: str | None = None,
    lifetime: int = ASSERTION_LIFETIME,
    audience: str = DEFAULT_TOKEN_URI,
) -> str:
    """The signed JWT (``header.claims.signature``) that a service account presents at ``token_uri``.

    The audience is Google's token endpoint even when the key file names another ``token_uri``
    (the assertion is still *posted* there), exactly as google-auth does."""
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if key.private_key_id:
        header["kid"] = key.private_key_id
    iat = int(now)
    claims: dict[str, Any] = {
        "iss": key.client_email,
        "scope": " ".join(scopes),
        "aud": audience,
        "iat": iat,
        "exp": iat + lifetime,
    }
    if subject:
        claims["sub"] = subject
    signing_input = ".".join(_b64url(json.dumps(p, separators=(",", ":")).encode()) for p in (header, claims))
    signature = sign_rs256(key.private_key, signing_input.encode("ascii"))
    return f"{signing_input}.{_b64url(signature)}"


def form_request(url: str, fields: Mapping[str, str]) -> HttpRequest:
    body = urlencode(dict(fields)).encode()
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
    return HttpRequest("POST", url, headers, body)


def parse_token_response(resp: HttpResponse, *, now: float) -> tuple[str, float]:
    """``(access_token, expires_at)`` from a token endpoint's answer; AuthenticationError otherwise."""
    try:
        body: Any = json.loads(resp.body) if resp.body else {}
    except ValueError:
        body = {}
    if resp.status != 200 or not isinstance(body, dict) or not body.get("access_token"):
        detail = ""
        if isinstance(body, dict) and body.get("error"):
            detail = f": {body['error']}"
            if body.get("error_description"):
                detail += f" ({body['error_description']})"
        raise AuthenticationError(
            f"Google token exchange failed{detail}",
            status_code=resp.status,
            provider="google-oauth",
            body=body if isinstance(body, dict) else None,
            error_type=str(body.get("error")) if isinstance(body, dict) and body.get("error") else None,
        )
    token = str(body["access_token"])
    register_secret(token)
    expires_in = float(body.get("expires_in", ASSERTION_LIFETIME))
    return token, now + expires_in


class _TokenCache:
    """One credential's current token, shared by every flow (and thread) using it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._refreshing = False

    def token_or_claim(self) -> str | None:
        """A token to use now, or None when the caller must refresh (the caller then owns the refresh)."""
        with self._lock:
            now = self.clock()
            if self._token is not None and now < self._expires_at - REFRESH_MARGIN:
                return self._token
            if self._token is not None and now < self._expires_at and self._refreshing:
                return self._token  # someone else is already refreshing; the old token still works
            self._refreshing = True
            return None

    def store(self, token: str, expires_at: float) -> None:
        with self._lock:
            self._token, self._expires_at, self._refreshing = token, expires_at, False

    def release(self) -> None:
        with self._lock:
            self._refreshing = False

    def clear(self) -> None:
        with self._lock:
            self._token, self._expires_at = None, 0.0


class _RefreshingAuth:
    """A bearer token from an OAuth exchange; subclasses say what request obtains one."""

    quota_project: str | None = None

    def __init__(self, clock: Clock | None = None) -> None:
        self._cache = _TokenCache(clock or time.time)

    def token_request(self, now: float) -> HttpRequest:
        raise NotImplementedError

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = self._cache.token_or_claim()
        if token is None:
            try:
                response = yield self.token_request(self._cache.clock())
                token, expires_at = parse_token_response(response, now=self._cache.clock())
            except BaseException:
                self._cache.release()
                raise
            self._cache.store(token, expires_at)
        request.headers["authorization"] = f"Bearer {token}"
        if self.quota_project:
            request.headers.setdefault("x-goog-user-project", self.quota_project)
        return request

    def invalidate(self) -> None:
        """Forget the cached token (e.g. after the API answered 401)."""
        self._cache.clear()


class ServiceAccountAuth(_RefreshingAuth):
    def __init__(
        self,
        key: ServiceAccountKey | Mapping[str, Any],
        *,
        scopes: Sequence[str] = (CLOUD_PLATFORM_SCOPE,),
        subject: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock)
        self.key = key if isinstance(key, ServiceAccountKey) else ServiceAccountKey.from_info(key)
        self.scopes = tuple(scopes)
        self.subject = subject

    def token_request(self, now: float) -> HttpRequest:
        assertion = build_assertion(self.key, scopes=self.scopes, now=now, subject=self.subject)
        return form_request(self.key.token_uri, {"grant_type": JWT_BEARER_GRANT, "assertion": assertion})

    def __repr__(self) -> str:
        return f"ServiceAccountAuth(client_email={self.key.client_email!r}, scopes={self.scopes!r})"


class AuthorizedUserAuth(_RefreshingAuth):
    def __init__(self, info: Mapping[str, Any], *, clock: Clock | None = None) -> None:
        super().__init__(clock)
        missing = [k for k in ("client_id", "client_secret", "refresh_token") if not info.get(k)]
        if missing:
            raise ConfigurationError(f"the authorized_user credentials lack {', '.join(missing)}")
        self.client_id = str(info["client_id"])
        self._client_secret = str(info["client_secret"])
        self._refresh_token = str(info["refresh_token"])
        register_secret(self._client_secret)
        register_secret(self._refresh_token)
        self.token_uri = str(info.get("token_uri") or DEFAULT_TOKEN_URI)
        self.quota_project = info.get("quota_project_id")

    def token_request(self, now: float) -> HttpRequest:
        fields = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "refresh_token": self._refresh_token,
        }
        return form_request(self.token_uri, fields)

    def __repr__(self) -> str:
        return f"AuthorizedUserAuth(client_id={self.client_id!r}, refresh_token={mask(self._refresh_token)})"


class AccessTokenAuth:
    """A bearer token you already have, or a callable that returns a current one."""

    def __init__(self, token: str | Callable[[], str]) -> None:
        self._token = token
        if isinstance(token, str):
            register_secret(token)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = self._token() if callable(self._token) else self._token
        register_secret(token)
        request.headers["authorization"] = f"Bearer {token}"
        return request
        yield  # pragma: no cover  (makes this a generator)

    def __repr__(self) -> str:
        shown = "<callable>" if callable(self._token) else mask(self._token)
        return f"AccessTokenAuth(token={shown})"


class GoogleAuthLibraryAuth:
    """Credentials from google-auth. Its refresh does its own (blocking) HTTP via ``requests``,
    so llmkit uses it only for the ADC sources it cannot read itself."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        with self._lock:
            if not self.credentials.valid:
                try:
                    from google.auth.transport.requests import Request
                except ImportError:
                    raise ConfigurationError(
                        f"refreshing google-auth credentials needs requests; {_GCP_EXTRA}"
                    ) from None
                self.credentials.refresh(Request())
            token = str(self.credentials.token)
        register_secret(token)
        request.headers["authorization"] = f"Bearer {token}"
        quota = getattr(self.credentials, "quota_project_id", None)
        if quota:
            request.headers.setdefault("x-goog-user-project", str(quota))
        return request
        yield  # pragma: no cover

    def __repr__(self) -> str:
        return f"GoogleAuthLibraryAuth({type(self.credentials).__name__})"


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


def _load_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read Google credentials file {os.fspath(path)!r}: {exc.strerror}"
        ) from None
    except ValueError:
        raise ConfigurationError(f"Google credentials file {os.fspath(path)!r} is not JSON") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"Google credentials file {os.fspath(path)!r} is not a JSON object")
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
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError
    except ImportError:
        raise ConfigurationError(
            "no Google credentials: pass access_token= or credentials=, set "
            f"GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or {_GCP_EXTRA}"
        ) from None
    try:
        credentials, _ = google.auth.default(scopes=list(scopes))
    except DefaultCredentialsError as exc:
        raise ConfigurationError(f"no Google Application Default Credentials: {exc}") from None
    return GoogleAuthLibraryAuth(credentials)


def vertex_auth(
    spec: ProviderSpec, api_key: str | None, options: dict[str, Any], params: Mapping[str, str]
) -> Auth:
    """``ProviderSpec.auth_factory`` for Vertex AI. Takes (and removes) the options
    ``access_token`` and ``credentials``; an ``api_key`` is taken as an OAuth access token."""
    token = options.pop("access_token", None)
    credentials = options.pop("credentials", None)
    scopes = tuple(options.pop("scopes", None) or (CLOUD_PLATFORM_SCOPE,))
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
    if api_key:
        return AccessTokenAuth(api_key)
    return application_default(scopes)
