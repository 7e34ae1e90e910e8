"""IBM watsonx.ai credentials, sans-I/O.

* **IBM Cloud** (the default): the API key is traded at IBM Cloud IAM for a bearer token,
  ``POST {iam_url}/identity/token`` with the form
  ``grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=<key>`` (IBM's Java SDK
  ``IBMCloudAuthenticator``; ``iam_url=`` / ``WATSONX_IAM_URL`` for a private IAM). The token is
  kept in one ``TokenManager`` per (API key, IAM URL): cached for the reply's ``expires_in``
  (else to its ``expiration``, epoch seconds), refreshed ``REFRESH_MARGIN`` early, one exchange for every
  concurrent caller. A 401 whose ``errors[].code`` is ``authentication_token_expired`` makes the
  token be forgotten, so the retry loop's one resend gets a fresh one (the Java SDK retries that
  code once too).
* **Cloud Pak for Data** (``username=`` / ``WATSONX_USERNAME``): no exchange; every request carries
  ``Authorization: ZenApiKey base64(username:api_key)``, which CP4D accepts as is
  (``DefaultZenRestClient``, ``CP4DAuthenticator.scheme``).
* **A token you already have** (``token=`` / ``WATSONX_TOKEN``): sent as ``Bearer`` unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import threading
from typing import Any
from urllib.parse import urlencode

from llmkit._headers import put
from llmkit._redact import mask, register_secret
from llmkit._urls import check_param
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs, HeaderAuth
from llmkit.auth.tokens import Clock, TokenFlow, TokenManager
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

__all__ = [
    "APIKEY_GRANT",
    "DEFAULT_IAM_URL",
    "IamTokenAuth",
    "iam_token_url",
    "parse_iam_response",
    "watsonx_auth",
    "zen_api_key",
]

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"
DEFAULT_IAM_URL = "https://iam.cloud.ibm.com"
_TOKEN_PATH = "/identity/token"
# API error codes that say the bearer token sent has expired (watsonx answers them with a 401).
EXPIRED_CODES = frozenset({"authentication_token_expired"})
# The longest lifetime believed (IAM issues one hour); a wrong clock must not pin a token for years.
_MAX_LIFETIME = 86400.0
_KEY_HINT = "check api_key= / WATSONX_APIKEY (an IBM Cloud API key) and iam_url= / WATSONX_IAM_URL"


def iam_token_url(root: str) -> str:
    """The token endpoint under an IAM root (``/identity/token`` appended unless it is there)."""
    root = root.rstrip("/")
    return root if root.endswith(_TOKEN_PATH) else root + _TOKEN_PATH


def parse_iam_response(resp: HttpResponse, *, now: float) -> tuple[str, float]:
    """``(access_token, expires_at)`` from IAM's answer; AuthenticationError otherwise.

    IAM answers ``{access_token, expires_in, expiration, ...}`` or, refusing,
    ``{errorCode, errorMessage, ...}`` (``BXNIM0415E``: the API key is not known)."""
    try:
        body: Any = json.loads(resp.body) if resp.body else None
    except (ValueError, RecursionError):
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if resp.status != 200 or not isinstance(token, str):
        code = body.get("errorCode") if isinstance(body, dict) else None
        said = body.get("errorMessage") if isinstance(body, dict) else None
        detail = f": {code} {said}" if code or said else f" (HTTP {resp.status})"
        raise AuthenticationError(
            f"IBM Cloud IAM refused the API key{detail}; {_KEY_HINT}",
            status_code=resp.status,
            provider="watsonx",
            body=body if isinstance(body, dict) else None,
            error_code=str(code) if code else None,
        )
    if not token or not token.isprintable() or " " in token:
        raise AuthenticationError(
            "IBM Cloud IAM answered an access_token that cannot be sent in a header",
            status_code=resp.status,
            provider="watsonx",
        )
    register_secret(token)
    return token, _expires_at(body, now)


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _expires_at(body: dict[str, Any], now: float) -> float:
    """When the token expires on this machine's clock: ``now + expires_in`` (relative, so a skewed
    local clock does not matter), else IAM's ``expiration`` (epoch seconds), clamped to
    ``[now, now + a day]``; neither readable is an error, not a guess."""
    lifetime = _number(body.get("expires_in"))
    expiration = now + lifetime if lifetime is not None else _number(body.get("expiration"))
    if expiration is None:
        raise AuthenticationError(
            "IBM Cloud IAM answered no usable expires_in or expiration",
            provider="watsonx",
            error_type="invalid_expires_in",
        )
    return min(max(expiration, now), now + _MAX_LIFETIME)


class IamTokenAuth:
    """``Authorization: Bearer <IAM token>`` traded for an IBM Cloud API key."""

    __slots__ = ("_api_key", "_tokens", "token_url")

    def __init__(self, api_key: str, token_url: str, clock: Clock | None = None) -> None:
        register_secret(api_key)
        self._api_key = api_key
        self.token_url = token_url
        self._tokens = TokenManager("IBM Cloud IAM token exchange", clock)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._exchange)
        put(request.headers, "authorization", f"Bearer {token}")
        return request

    def _exchange(self) -> TokenFlow:
        body = urlencode({"grant_type": APIKEY_GRANT, "apikey": self._api_key}).encode()
        headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
        response = yield HttpRequest("POST", self.token_url, headers, body)
        return parse_iam_response(response, now=self._tokens.clock())

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """A 401 saying the token ``sent`` has expired: forget it, so the one resend gets a new one."""
        if not _expired(response.body[:8192]):
            return False
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])

    def __repr__(self) -> str:
        return f"IamTokenAuth(token_url={self.token_url!r}, api_key={mask(self._api_key)})"


def _expired(body: bytes) -> bool:
    try:
        obj: Any = json.loads(body)
    except (ValueError, RecursionError):
        return False
    errors = obj.get("errors") if isinstance(obj, dict) else None
    if not isinstance(errors, list):
        return False
    # A hostile body may put any JSON in "code" (a list is unhashable): only a string can match.
    return any(
        isinstance(e, dict) and isinstance(e.get("code"), str) and e["code"] in EXPIRED_CODES for e in errors
    )


def zen_api_key(username: str, api_key: str) -> str:
    """The Cloud Pak for Data ``ZenApiKey`` credential: base64 of ``username:api_key``."""
    value = base64.b64encode(f"{username}:{api_key}".encode()).decode("ascii")
    register_secret(value)
    return value


# One IamTokenAuth per (API key, token URL), so the token outlives a call (a call with options is
# resolved afresh). Keyed by the key's digest: the dict holds no key in the clear.
_SHARED: dict[tuple[str, str], IamTokenAuth] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 256

OPTIONS = frozenset({"iam_url", "username", "token"})
ENV = ("WATSONX_IAM_URL", "WATSONX_USERNAME", "WATSONX_TOKEN")


def _iam(api_key: str, token_url: str) -> IamTokenAuth:
    ident = (hashlib.sha256(api_key.encode()).hexdigest(), token_url)
    with _SHARED_LOCK:
        auth = _SHARED.get(ident)
        if auth is None:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.clear()
            auth = _SHARED[ident] = IamTokenAuth(api_key, token_url)
        return auth


def _option(inputs: AuthInputs, name: str, env: str) -> tuple[str | None, str]:
    value = inputs.options.get(name)
    if value is not None:
        if not isinstance(value, str):
            raise ConfigurationError(f"watsonx: {name}= must be a str, not {type(value).__name__}")
        return value or None, f"{name}="
    return os.environ.get(env) or None, env


def _build(inputs: AuthInputs) -> Auth:
    token, _ = _option(inputs, "token", "WATSONX_TOKEN")
    if token is not None:
        register_secret(token)
        return HeaderAuth("authorization", token, "Bearer ")
    key = inputs.key
    if not key:
        raise ConfigurationError(
            "no credentials for watsonx: pass api_key= or set WATSONX_APIKEY (an IBM Cloud API key; "
            "with username= / WATSONX_USERNAME for Cloud Pak for Data), or pass token= / set WATSONX_TOKEN"
        )
    username, _ = _option(inputs, "username", "WATSONX_USERNAME")
    if username is not None:
        return HeaderAuth("authorization", zen_api_key(username, key), "ZenApiKey ")
    root, source = _option(inputs, "iam_url", "WATSONX_IAM_URL")
    checked = check_param("watsonx", "iam_url", root or DEFAULT_IAM_URL, "url_root", "", source)
    return _iam(key, iam_token_url(checked))


# ``ProviderSpec.auth_factory`` for watsonx.
watsonx_auth = AuthFactory(_build, OPTIONS, ENV)
