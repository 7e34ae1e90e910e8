"""GitHub Copilot credentials, sans-I/O: the OAuth device flow, the GitHub token on disk, and the
Copilot token exchange on the token manager.

1. **Login, once per machine** (``llmkit login copilot``, or ``llmkit.login_copilot()``):
   ``POST https://github.com/login/device/code`` with the Copilot editor integration's client id
   (``Iv1.b507a08c87ecfe98``, as VS Code, copilot.vim and LiteLLM send it) and scope
   ``read:user``; the user enters the code at the page GitHub names; the flow polls
   ``POST /login/oauth/access_token`` (``grant_type`` device_code) every ``interval`` seconds,
   waiting on ``authorization_pending`` and slowing by 5 s on ``slow_down`` (RFC 8628 §3.5),
   until it gets the GitHub token, which is saved to ``access-token`` in the token directory
   (``GITHUB_COPILOT_TOKEN_DIR``, LiteLLM's name; else ``~/.config/llmkit/github_copilot``),
   mode 0600 in a 0700 directory.
2. **Each call**: the GitHub token is traded at ``GET {github_api_url}/copilot_internal/v2/token``
   (``Authorization: token <github token>`` plus the editor headers) for a Copilot token that
   lives ~30 minutes (``expires_at``, epoch seconds), kept in one ``TokenManager`` per GitHub
   token (single flight, refreshed 5 minutes early). A 401 from chat makes the manager forget the
   token, so the retry loop's one resend gets a fresh one.
3. **Where chat goes**: the exchange's ``endpoints.api`` (``https://api.individual.githubcopilot.com``,
   ``…business…``, ``…enterprise…``), accepted only as an ``https`` origin whose host is
   ``githubcopilot.com`` or under it; the spec's base URL is a placeholder origin
   (``API_SLOT``) that the flow replaces. A ``base_url=`` given by the caller is kept as it is.

No GitHub token (no login, no ``github_token=`` / ``COPILOT_GITHUB_TOKEN``) is an
``AuthenticationError`` that names ``llmkit login copilot``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from llmkit._headers import put
from llmkit._redact import mask, register_secret
from llmkit._urls import check_param
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs
from llmkit.auth.tokens import Clock, TokenFlow, TokenManager
from llmkit.errors import AuthenticationError, ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

__all__ = [
    "API_SLOT",
    "CLIENT_ID",
    "EDITOR_HEADERS",
    "CopilotAuth",
    "DeviceCode",
    "LOGIN_HINT",
    "Wait",
    "copilot_auth",
    "device_flow",
    "load_github_token",
    "save_github_token",
    "token_file",
]

CLIENT_ID = "Iv1.b507a08c87ecfe98"
SCOPE = "read:user"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GITHUB_URL = "https://github.com"
GITHUB_API_URL = "https://api.github.com"
TOKEN_PATH = "/copilot_internal/v2/token"
# The placeholder origin of the spec's base URL: the auth flow puts endpoints.api in its place.
API_SLOT = "https://copilot-endpoint.llmkit.invalid"
DEFAULT_API = "https://api.githubcopilot.com"
# The headers the editors send (LiteLLM's values), on the exchange and on chat.
EDITOR_HEADERS = {
    "editor-version": "vscode/1.85.1",
    "editor-plugin-version": "copilot/1.155.0",
    "user-agent": "GithubCopilot/1.155.0",
}
LOGIN_HINT = "run `llmkit login copilot` (or pass github_token= / set COPILOT_GITHUB_TOKEN)"
_API_HOST = re.compile(r"(?:[a-z0-9-]+\.)*githubcopilot\.com")
_MAX_WAIT = 60.0  # the longest poll interval believed (GitHub sends 5; slow_down adds 5)


# ---------------------------------------------------------------- the token on disk


def token_dir() -> Path:
    given = os.environ.get("GITHUB_COPILOT_TOKEN_DIR")
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "llmkit" / "github_copilot"


def token_file() -> Path:
    return token_dir() / (os.environ.get("GITHUB_COPILOT_ACCESS_TOKEN_FILE") or "access-token")


def load_github_token() -> str | None:
    """The saved GitHub token, or None when there is no login yet."""
    try:
        text = token_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text:
        return None
    register_secret(text)
    return text


def save_github_token(token: str) -> Path:
    """Write the token (0600, in a 0700 directory) atomically; return the file's path."""
    path = token_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, token.encode())
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)  # an existing file keeps its old mode through O_CREAT
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------- the device flow


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the user is shown: the code to enter and the page to enter it at."""

    user_code: str
    verification_uri: str
    expires_in: float


@dataclass(frozen=True, slots=True)
class Wait:
    """The device flow asks its runner to wait this many seconds before the next poll."""

    seconds: float


DeviceFlow = Generator[HttpRequest | Wait, Any, str]


def _json_request(url: str, body: dict[str, str]) -> HttpRequest:
    headers = {"accept": "application/json", "content-type": "application/json", **EDITOR_HEADERS}
    return HttpRequest("POST", url, headers, json.dumps(body).encode())


def _body(resp: HttpResponse) -> dict[str, Any]:
    try:
        obj = json.loads(resp.body) if resp.body else None
    except (ValueError, RecursionError):
        obj = None
    return obj if isinstance(obj, dict) else {}


def _fail(what: str, resp: HttpResponse, body: dict[str, Any]) -> AuthenticationError:
    code = body.get("error")
    said = body.get("error_description") or body.get("message")
    detail = f": {code}" if isinstance(code, str) else f" (HTTP {resp.status})"
    if isinstance(said, str) and said:
        detail += f" ({said[:200]})"
    return AuthenticationError(
        f"GitHub {what} failed{detail}; run `llmkit login copilot` again",
        status_code=resp.status,
        provider="github_copilot",
        error_code=code if isinstance(code, str) else None,
    )


def device_flow(
    on_code: Callable[[DeviceCode], None], *, github_url: str = GITHUB_URL, client_id: str = CLIENT_ID
) -> DeviceFlow:
    """The device flow as a generator: it yields each request (send the response back) and each
    ``Wait``; it returns the GitHub token. ``on_code`` is called once, with what to show."""
    resp = yield _json_request(github_url + "/login/device/code", {"client_id": client_id, "scope": SCOPE})
    body = _body(resp)
    device, user, uri = body.get("device_code"), body.get("user_code"), body.get("verification_uri")
    if resp.status != 200 or not all(isinstance(v, str) and v for v in (device, user, uri)):
        raise _fail("device code request", resp, body)
    assert isinstance(device, str) and isinstance(user, str) and isinstance(uri, str)
    interval = _seconds(body.get("interval"), 5.0)
    left = _seconds(body.get("expires_in"), 900.0)
    on_code(DeviceCode(user, uri, left))
    poll = {"client_id": client_id, "device_code": device, "grant_type": DEVICE_GRANT}
    while left > 0:
        yield Wait(interval)
        left -= interval
        resp = yield _json_request(github_url + "/login/oauth/access_token", poll)
        body = _body(resp)
        token = body.get("access_token")
        if resp.status == 200 and isinstance(token, str) and token:
            register_secret(token)
            return token
        error = body.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval = min(_seconds(body.get("interval"), interval + 5.0), _MAX_WAIT)
            continue
        raise _fail("login", resp, body)  # expired_token, access_denied, a bad client id, ...
    raise AuthenticationError("the GitHub device code expired before it was entered; " + LOGIN_HINT)


def _seconds(value: Any, default: float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
        return min(float(value), 3600.0)
    return default


# ---------------------------------------------------------------- the Copilot token


def api_origin(body: dict[str, Any]) -> str:
    """The chat origin the exchange names (``endpoints.api``), checked; the default without one."""
    endpoints = body.get("endpoints")
    api = endpoints.get("api") if isinstance(endpoints, dict) else None
    if api is None:
        return DEFAULT_API
    parts = urlsplit(api) if isinstance(api, str) else None
    ok = (
        parts is not None
        and parts.scheme == "https"
        and parts.hostname is not None
        and _API_HOST.fullmatch(parts.hostname) is not None
        and parts.port is None
        and not parts.username
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )
    if not ok:
        raise AuthenticationError(
            "the Copilot token exchange named a chat endpoint that is not an https origin under "
            "githubcopilot.com; it was not used",
            provider="github_copilot",
        )
    return f"https://{parts.hostname}"  # type: ignore[union-attr]


class CopilotAuth:
    """``Authorization: Bearer <Copilot token>`` for one GitHub token; chat sent to ``endpoints.api``."""

    __slots__ = ("_github_token", "_origin", "_tokens", "token_url")

    def __init__(self, github_token: str, token_url: str, clock: Clock | None = None) -> None:
        register_secret(github_token)
        self._github_token = github_token
        self.token_url = token_url
        self._origin = DEFAULT_API
        self._tokens = TokenManager("GitHub Copilot token exchange", clock)

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._exchange)
        if request.url.startswith(API_SLOT + "/"):
            request.url = self._origin + request.url[len(API_SLOT) :]
        put(request.headers, "authorization", f"Bearer {token}")
        return request

    def _exchange(self) -> TokenFlow:
        headers = {
            "accept": "application/json",
            "authorization": f"token {self._github_token}",
            **EDITOR_HEADERS,
        }
        resp = yield HttpRequest("GET", self.token_url, headers, b"")
        body = _body(resp)
        token = body.get("token")
        if resp.status != 200 or not isinstance(token, str) or not token:
            message = body.get("message")
            detail = f" ({message[:200]})" if isinstance(message, str) else ""
            raise AuthenticationError(
                f"GitHub refused the Copilot token exchange (HTTP {resp.status}){detail}: the saved login "
                f"may be revoked or the account has no Copilot seat; {LOGIN_HINT}",
                status_code=resp.status,
                provider="github_copilot",
            )
        register_secret(token)
        expires = body.get("expires_at")
        if not isinstance(expires, (int, float)) or isinstance(expires, bool) or not math.isfinite(expires):
            raise AuthenticationError("the Copilot token exchange answered no usable expires_at")
        self._origin = api_origin(body)
        return token, float(expires)

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """A 401 from chat: the Copilot token is forgotten, so the one resend gets a fresh one."""
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])

    def __repr__(self) -> str:
        return f"CopilotAuth(token_url={self.token_url!r}, github_token={mask(self._github_token)})"


# One CopilotAuth per (GitHub token, token URL), so the Copilot token outlives a call. Keyed by a
# digest: the dict holds no token in the clear.
_SHARED: dict[tuple[str, str], CopilotAuth] = {}
_SHARED_LOCK = threading.Lock()

OPTIONS = frozenset({"github_token", "github_api_url"})
ENV = (
    "COPILOT_GITHUB_TOKEN",
    "GITHUB_COPILOT_API_URL",
    "GITHUB_COPILOT_TOKEN_DIR",
    "GITHUB_COPILOT_ACCESS_TOKEN_FILE",
)


def _shared(github_token: str, token_url: str) -> CopilotAuth:
    ident = (hashlib.sha256(github_token.encode()).hexdigest(), token_url)
    with _SHARED_LOCK:
        auth = _SHARED.get(ident)
        if auth is None:
            if len(_SHARED) >= 64:
                _SHARED.clear()
            auth = _SHARED[ident] = CopilotAuth(github_token, token_url)
        return auth


def github_api_url(options: Any) -> str:
    given = options.get("github_api_url") if options else None
    root, source = (
        (given, "github_api_url=")
        if given
        else (os.environ.get("GITHUB_COPILOT_API_URL"), "GITHUB_COPILOT_API_URL")
    )
    if not root:
        return GITHUB_API_URL
    return check_param("github_copilot", "github_api_url", str(root), "url_root", "", source).rstrip("/")


def _build(inputs: AuthInputs) -> Auth:
    token = (
        inputs.options.get("github_token") or os.environ.get("COPILOT_GITHUB_TOKEN") or load_github_token()
    )
    if not token:
        raise AuthenticationError(
            f"no GitHub Copilot login found at {token_file()}; {LOGIN_HINT}", provider=inputs.provider
        )
    if not isinstance(token, str) or not token.isprintable() or " " in token:
        raise ConfigurationError("github_copilot: github_token= must be a GitHub OAuth token string")
    register_secret(token)
    return _shared(token, github_api_url(inputs.options) + TOKEN_PATH)


# ``ProviderSpec.auth_factory`` for github_copilot.
copilot_auth = AuthFactory(_build, OPTIONS, ENV)
