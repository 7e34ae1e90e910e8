"""Google OAuth token exchange, sans-I/O, and the cache that shares one token per credential.

The token exchange is a request the flow *yields*; the transport sends it and
sends the response back. The cache is ``llmkit.auth.tokens.TokenManager``: tokens are
refreshed ``REFRESH_MARGIN`` seconds before they expire; while one flow refreshes a
still-valid token, other flows keep using it, and flows with no usable token wait for
that one exchange, so a busy client makes one refresh, not one per request.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from llmkit._headers import put, put_default
from llmkit._redact import mask, register_secret
from llmkit.auth.base import AuthFlow
from llmkit.auth.google_jwt import (
    ASSERTION_LIFETIME,
    CLOUD_PLATFORM_SCOPE,
    DEFAULT_TOKEN_URI,
    ServiceAccountKey,
    build_assertion,
)
from llmkit.auth.tokens import REFRESH_MARGIN, Clock, TokenFlow, TokenManager
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

__all__ = [
    "JWT_BEARER_GRANT",
    "REFRESH_MARGIN",
    "AuthorizedUserAuth",
    "Clock",
    "ServiceAccountAuth",
    "form_request",
    "parse_token_response",
    "token_lifetime",
]

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


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
    if resp.status != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
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
    token: str = body["access_token"]
    if not token or not token.isprintable() or " " in token:
        raise AuthenticationError(
            "Google token exchange answered an access_token that cannot be sent in a header",
            status_code=resp.status,
            provider="google-oauth",
        )
    register_secret(token)
    return token, now + token_lifetime(body.get("expires_in"), "Google token exchange")


# The longest lifetime believed: Google's tokens live at most 12 h, Entra's at most 24 h.
MAX_TOKEN_LIFETIME = 86400.0


def token_lifetime(expires_in: Any, what: str) -> float:
    """Seconds a token lives, from a token endpoint's ``expires_in``.

    Missing: an hour (``ASSERTION_LIFETIME``, what Google issues). A number, or a string
    holding one (some endpoints quote it), is clamped to ``[0, MAX_TOKEN_LIFETIME]``: a
    negative or zero value means "refresh before the next request", an absurd one a day.
    Anything else (a bool, ``"abc"``, NaN, an object) raises ``AuthenticationError``."""
    if expires_in is None:
        return float(ASSERTION_LIFETIME)
    seconds: float | None = None
    if isinstance(expires_in, (int, float, str)) and not isinstance(expires_in, bool):
        try:
            seconds = float(expires_in)
        except ValueError:
            seconds = None
    if seconds is None or math.isnan(seconds):
        raise AuthenticationError(
            f"{what}: the token endpoint answered an unusable expires_in ({type(expires_in).__name__}); "
            "expected a number of seconds",
            provider="google-oauth",
            error_type="invalid_expires_in",
        )
    return min(max(seconds, 0.0), MAX_TOKEN_LIFETIME)


class _RefreshingAuth:
    """A bearer token from an OAuth exchange; subclasses say what request obtains one.

    The token lives in a ``TokenManager`` (one per Auth, and ``from_info`` keeps one Auth per
    credential): cached, refreshed ``REFRESH_MARGIN`` early, one exchange for all concurrent callers."""

    quota_project: str | None = None

    def __init__(self, clock: Clock | None = None) -> None:
        self._tokens = TokenManager("Google token exchange", clock)

    def token_request(self, now: float) -> HttpRequest:
        raise NotImplementedError

    def _exchange(self) -> TokenFlow:
        clock = self._tokens.clock
        response = yield self.token_request(clock())
        return parse_token_response(response, now=clock())

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """A 401 saying the bearer token ``sent`` carried is invalid (Google: ``UNAUTHENTICATED``,
        or ``error="invalid_token"``): forget that token, so the one resend the retry loop then
        makes gets a new one. False (no resend) for any other answer."""
        challenge = response.headers.get("www-authenticate", "")
        if "invalid_token" not in challenge and b"UNAUTHENTICATED" not in response.body[:4096]:
            return False
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._exchange)
        put(request.headers, "authorization", f"Bearer {token}")
        if self.quota_project:
            put_default(request.headers, "x-goog-user-project", self.quota_project)
        return request


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
