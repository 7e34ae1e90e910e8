"""GigaChat (Sber) OAuth: an authorization key exchanged for a short-lived access token.

``POST <auth_url>`` (default ``https://ngw.devices.sberbank.ru:9443/api/v2/oauth``) with the form
``scope=<scope>`` and the headers ``Authorization: Basic <credentials>`` (the authorization key,
already base64 of ``client_id:client_secret``) and ``RqUID: <uuid4>`` answers
``{"access_token", "expires_at": <epoch milliseconds>}`` (the official SDK's ``_get_auth_kwargs``;
the SDK's recorded cassettes). The token lives in one ``TokenManager`` per (auth URL, scope,
credentials), refreshed 60 s early as the SDK does, one exchange for all concurrent callers, and
forgotten after a 401 so the retry loop's one resend gets a new one.

On-premise and business installations also take a user name and password instead
(``user=``/``GIGACHAT_USER``, ``password=``/``GIGACHAT_PASSWORD``; the SDK's ``token_sync``): ``POST
<base_url>/token`` with ``Authorization: Basic base64(user:password)`` and no body answers ``{"tok",
"exp": <epoch ms>}``. The authorization key wins when both are given, as in the SDK's
``_update_token``. The token URL follows the API's base URL (``base_url=``/``GIGACHAT_BASE_URL``),
so this auth reads it from the request it authorizes.

Both the exchange and every API request verify TLS against ``verify=`` (a CA bundle path, e.g.
the "Russian Trusted Root CA" from https://www.gosuslugi.ru/crt) when it is given.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import uuid
from typing import Any
from urllib.parse import urlencode

from llmkit._headers import put
from llmkit._redact import register_secret
from llmkit._urls import check_base_url
from llmkit.auth.base import AuthFactory, AuthFlow, AuthInputs
from llmkit.auth.tokens import TokenFlow, TokenManager
from llmkit.errors import APIConnectionError, AuthenticationError, ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

__all__ = [
    "DEFAULT_AUTH_URL",
    "DEFAULT_SCOPE",
    "GigaChatAuth",
    "GigaChatPasswordAuth",
    "gigachat_auth",
    "parse_token_reply",
]

DEFAULT_AUTH_URL = "https://ngw.devices.sberbank.ru:9443/api/v2/oauth"
# Personal (GIGACHAT_API_PERS), business prepaid (GIGACHAT_API_B2B) or postpaid (GIGACHAT_API_CORP).
DEFAULT_SCOPE = "GIGACHAT_API_PERS"
# The SDK's token_expiry_buffer_ms: a token within a minute of its expiry is refreshed.
REFRESH_MARGIN = 60.0
# A token claiming more life than this is refreshed after it anyway (GigaChat's live 30 minutes).
MAX_LIFETIME = 86400.0

OPTIONS = frozenset({"credentials", "scope", "auth_url", "verify", "user", "password"})
ENV = (
    "GIGACHAT_CREDENTIALS",
    "GIGACHAT_SCOPE",
    "GIGACHAT_AUTH_URL",
    "GIGACHAT_CA_BUNDLE_FILE",
    "GIGACHAT_USER",
    "GIGACHAT_PASSWORD",
)
# The API paths this auth sees; what precedes one is the base URL the /token endpoint hangs off.
_API_PATHS = ("/chat/completions", "/embeddings")

_MANAGERS: dict[tuple[str, str, str], TokenManager] = {}
_MANAGERS_LOCK = threading.Lock()


def _manager(auth_url: str, scope: str, credentials: str) -> TokenManager:
    # Keyed by a digest, so the dictionary holds no credential; resolution runs per call, the
    # token must outlive it.
    key = (auth_url, scope, hashlib.sha256(credentials.encode()).hexdigest())
    with _MANAGERS_LOCK:
        manager = _MANAGERS.get(key)
        if manager is None:
            if len(_MANAGERS) >= 256:
                _MANAGERS.clear()
            manager = _MANAGERS[key] = TokenManager("GigaChat token exchange", margin=REFRESH_MARGIN)
        return manager


def parse_token_reply(resp: HttpResponse, now: float, what: str = "key") -> tuple[str, float]:
    """``(access_token, expires_at in epoch seconds)`` from the OAuth endpoint's answer.

    ``expires_at`` is in milliseconds (the cassettes: ``4102444800000``). The SDK also reads the
    ``{tok, exp}`` shape of its user/password ``/token`` endpoint at this URL; so does this."""
    try:
        body: Any = json.loads(resp.body) if resp.body else None
    except ValueError:
        body = None
    if resp.status != 200 or not isinstance(body, dict):
        message = body.get("message") if isinstance(body, dict) else None
        hint = ""
        if resp.status in (400, 401, 403):
            hint = (
                "; check credentials= / GIGACHAT_CREDENTIALS (the authorization key) "
                "and scope= / GIGACHAT_SCOPE"
                if what == "key"
                else "; check user= / GIGACHAT_USER and password= / GIGACHAT_PASSWORD"
            )
        raise AuthenticationError(
            f"GigaChat token exchange failed (HTTP {resp.status}"
            + (f": {message}" if isinstance(message, str) else "")
            + f"){hint}",
            status_code=resp.status,
            provider="gigachat",
            body=body if isinstance(body, dict) else None,
        )
    token = body.get("access_token", body.get("tok"))
    expires = body.get("expires_at", body.get("exp"))
    if not isinstance(token, str) or not token or not token.isprintable() or " " in token:
        raise AuthenticationError(
            "GigaChat token exchange answered no usable access_token", provider="gigachat"
        )
    register_secret(token)
    if not isinstance(expires, (int, float)) or isinstance(expires, bool):
        raise AuthenticationError(
            "GigaChat token exchange answered no numeric expires_at", provider="gigachat"
        )
    # Milliseconds; a value that is plainly seconds (before the year 2200 as seconds) is taken so.
    seconds = expires / 1000.0 if expires > 7.3e9 else float(expires)
    return token, min(seconds, now + MAX_LIFETIME)


def _with_ca_hint(exc: APIConnectionError) -> APIConnectionError:
    """A certificate failure of the exchange (the first request a call makes) says what to do."""
    text = str(exc)
    if "CERTIFICATE" not in text.upper():
        return exc
    hinted = type(exc)(
        f"{text}; GigaChat's certificates chain to the Russian Trusted Root CA "
        "(https://www.gosuslugi.ru/crt): pass verify= or set GIGACHAT_CA_BUNDLE_FILE to its PEM file"
    )
    hinted.before_send = exc.before_send
    return hinted


class GigaChatAuth:
    """``Authorization: Bearer <access token>`` from the GigaChat OAuth exchange."""

    __slots__ = ("_credentials", "_tokens", "auth_url", "ca_bundle", "scope")

    def __init__(self, credentials: str, scope: str, auth_url: str, ca_bundle: str | None) -> None:
        register_secret(credentials)
        self._credentials = credentials
        self.scope = scope
        self.auth_url = auth_url
        self.ca_bundle = ca_bundle
        self._tokens = _manager(auth_url, scope, credentials)

    def token_request(self) -> HttpRequest:
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/json",
            "authorization": "Basic " + self._credentials,
            # A fresh request id per exchange, as the SDK sends (the service demands one).
            "rquid": str(uuid.uuid4()),
        }
        body = urlencode({"scope": self.scope}).encode()
        return HttpRequest("POST", self.auth_url, headers, body, ca_bundle=self.ca_bundle)

    def _exchange(self) -> TokenFlow:
        try:
            response = yield self.token_request()
        except APIConnectionError as exc:
            raise _with_ca_hint(exc) from None
        return parse_token_reply(response, self._tokens.clock())

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._exchange)
        put(request.headers, "authorization", "Bearer " + token)
        request.ca_bundle = self.ca_bundle
        return request

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """A 401: the token expired or was revoked early. The SDK resets it and retries once;
        forgetting it here makes the retry loop's one resend fetch a new one."""
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])

    def __repr__(self) -> str:
        return f"GigaChatAuth(scope={self.scope!r}, auth_url={self.auth_url!r}, credentials=***)"


class GigaChatPasswordAuth:
    """``Authorization: Bearer <token>`` from ``<base_url>/token`` with a user name and password."""

    __slots__ = ("_basic", "_digest", "_last", "ca_bundle", "user")

    def __init__(self, user: str, password: str, ca_bundle: str | None) -> None:
        self.user = user
        self._basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        register_secret(password)
        register_secret(self._basic)
        self._digest = hashlib.sha256(self._basic.encode()).hexdigest()
        self.ca_bundle = ca_bundle
        # (token URL, its manager) of the last call: one base URL per client, usually.
        self._last: tuple[str, TokenManager] | None = None

    def _tokens(self, token_url: str) -> TokenManager:
        last = self._last
        if last is not None and last[0] == token_url:
            return last[1]
        manager = _manager(token_url, "user:" + self.user, self._digest)
        self._last = (token_url, manager)
        return manager

    def token_request(self, token_url: str) -> HttpRequest:
        headers = {"accept": "application/json", "authorization": "Basic " + self._basic}
        return HttpRequest("POST", token_url, headers, None, ca_bundle=self.ca_bundle)

    def _exchange(self, token_url: str, manager: TokenManager) -> TokenFlow:
        try:
            response = yield self.token_request(token_url)
        except APIConnectionError as exc:
            raise _with_ca_hint(exc) from None
        return parse_token_reply(response, manager.clock(), "password")

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token_url = _token_url(request.url)
        manager = self._tokens(token_url)
        token = yield from manager.token_flow(lambda: self._exchange(token_url, manager))
        put(request.headers, "authorization", "Bearer " + token)
        request.ca_bundle = self.ca_bundle
        return request

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        value = sent.headers.get("authorization", "")
        if not value.startswith("Bearer "):
            return False
        return self._tokens(_token_url(sent.url)).invalidate(value[len("Bearer ") :])

    def __repr__(self) -> str:
        return f"GigaChatPasswordAuth(user={self.user!r}, password=***)"


def _token_url(url: str) -> str:
    """``<base_url>/token`` for a request to ``<base_url>/chat/completions`` (or ``/embeddings``)."""
    head = url.partition("?")[0]
    for path in _API_PATHS:
        if head.endswith(path):
            return head[: -len(path)] + "/token"
    raise ConfigurationError(f"gigachat: user/password auth cannot tell the base URL of {head!r}")


def _option(inputs: AuthInputs, name: str, env: str) -> str | None:
    value = inputs.options.get(name)
    if value is None:
        value = os.environ.get(env) or None
    return None if value is None else str(value)


def _ca_bundle(inputs: AuthInputs) -> str | None:
    verify = inputs.options.get("verify")
    if verify is False:
        raise ConfigurationError(
            "gigachat: verify=False is not supported (TLS is always verified); pass verify= (or set "
            "GIGACHAT_CA_BUNDLE_FILE) to the path of the Russian Trusted Root CA bundle instead"
        )
    if verify is None or verify is True:
        return os.environ.get("GIGACHAT_CA_BUNDLE_FILE") or None
    if not isinstance(verify, (str, os.PathLike)):
        raise ConfigurationError("gigachat: verify= takes the path of a CA bundle file (PEM)")
    return os.fspath(verify)


def _password_auth(inputs: AuthInputs) -> GigaChatPasswordAuth | None:
    user = _option(inputs, "user", "GIGACHAT_USER")
    password = _option(inputs, "password", "GIGACHAT_PASSWORD")
    if not user and not password:
        return None
    if not user or not password:
        missing = "password= (or GIGACHAT_PASSWORD)" if user else "user= (or GIGACHAT_USER)"
        raise ConfigurationError(f"gigachat: a user name and a password go together; {missing} is not set")
    if not (user + password).isprintable() or ":" in user:
        raise ConfigurationError(
            "gigachat: the user name holds ':' or control characters, or the password does"
        )
    return GigaChatPasswordAuth(user, password, _ca_bundle(inputs))


def _build(inputs: AuthInputs) -> GigaChatAuth | GigaChatPasswordAuth:
    credentials = inputs.options.get("credentials") or inputs.key
    if not credentials:
        # The SDK's order: the authorization key first, else a user name and password.
        password_auth = _password_auth(inputs)
        if password_auth is not None:
            return password_auth
        raise ConfigurationError(
            "no credentials for gigachat: pass credentials= (or api_key=) or set GIGACHAT_CREDENTIALS "
            "to the authorization key from the GigaChat studio (base64 of client_id:client_secret), "
            "or user= and password= (GIGACHAT_USER, GIGACHAT_PASSWORD) for a /token installation"
        )
    credentials = str(credentials).strip()
    if not credentials.isprintable() or any(c.isspace() for c in credentials):
        raise ConfigurationError(
            "gigachat: the credentials (authorization key) hold spaces or control characters"
        )
    scope = _option(inputs, "scope", "GIGACHAT_SCOPE") or DEFAULT_SCOPE
    if not scope.isprintable() or any(c.isspace() for c in scope):
        raise ConfigurationError(f"gigachat: scope={scope!r} is not a scope name (e.g. GIGACHAT_API_PERS)")
    raw_url = _option(inputs, "auth_url", "GIGACHAT_AUTH_URL")
    source = "auth_url=" if inputs.options.get("auth_url") else "GIGACHAT_AUTH_URL"
    auth_url = check_base_url("gigachat", raw_url, source) if raw_url else DEFAULT_AUTH_URL
    return GigaChatAuth(credentials, scope, auth_url, _ca_bundle(inputs))


# The ``auth_factory`` of the ``gigachat`` spec.
gigachat_auth = AuthFactory(_build, OPTIONS, ENV)
