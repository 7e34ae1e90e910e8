"""Snowflake credentials: a key-pair JWT, a programmatic access token (PAT) or an OAuth token.

Each is sent as ``Authorization: Bearer <token>`` with the ``X-Snowflake-Authorization-Token-Type``
header naming it (``KEYPAIR_JWT``, ``PROGRAMMATIC_ACCESS_TOKEN``, ``OAUTH``: the values of the
published specs' security schemes, common.yaml).

The JWT is made locally (``auth/snowflake_jwt.py``), yet it is a short-lived credential like any
exchanged token: it lives in a ``TokenManager`` per (account, user, key fingerprint), so it is made
once, reused by every call and thread, and made anew ``REFRESH_MARGIN`` before it expires, single
flight, with one remake and resend after a 401 (a clock skew the server saw, a key rotated). The
manager rather than a small cache of its own: the same refresh, margin and 401 rules every other
short-lived credential in llmkit follows, tested once.

Configuration, by the names the issue and Snowflake's connector use (each also an environment
variable): ``user=`` (SNOWFLAKE_USER), ``private_key_path=`` (SNOWFLAKE_PRIVATE_KEY_PATH; the
connector's ``private_key_file=`` too), ``private_key=`` (PEM text or DER bytes, or a loaded
``cryptography`` key), ``private_key_passphrase=`` (SNOWFLAKE_PRIVATE_KEY_PASSPHRASE; the
connector's ``private_key_file_pwd=`` too), ``token=`` / ``api_key=`` (SNOWFLAKE_PAT), and
``authenticator=`` (SNOWFLAKE_AUTHENTICATOR: ``snowflake_jwt``, ``programmatic_access_token`` or
``oauth``) when the kind cannot be told from what is given.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from typing import Any

from llmkit._headers import put
from llmkit._redact import mask, register_secret
from llmkit.auth.base import Auth, AuthFactory, AuthFlow, AuthInputs
from llmkit.auth.snowflake_jwt import JWT_LIFETIME, KeyPair, build_jwt, load_key_pair
from llmkit.auth.tokens import TokenFlow, TokenManager
from llmkit.errors import ConfigurationError
from llmkit.wire import HttpRequest, HttpResponse

TOKEN_TYPE_HEADER = "X-Snowflake-Authorization-Token-Type"
KEYPAIR_JWT = "KEYPAIR_JWT"
PAT = "PROGRAMMATIC_ACCESS_TOKEN"
OAUTH = "OAUTH"

ACCOUNT_ENV = "SNOWFLAKE_ACCOUNT"
USER_ENV = "SNOWFLAKE_USER"
KEY_PATH_ENV = "SNOWFLAKE_PRIVATE_KEY_PATH"
PASSPHRASE_ENV = "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"
AUTHENTICATOR_ENV = "SNOWFLAKE_AUTHENTICATOR"
PAT_ENV = "SNOWFLAKE_PAT"

# The connector's names are accepted beside the (same meaning).
ALIASES = {"private_key_file": "private_key_path", "private_key_file_pwd": "private_key_passphrase"}
OPTIONS = frozenset(
    {"user", "private_key_path", "private_key", "private_key_passphrase", "token", "authenticator", *ALIASES}
)
_AUTHENTICATORS = {"snowflake_jwt": KEYPAIR_JWT, "keypair_jwt": KEYPAIR_JWT, "programmatic_access_token": PAT}
_AUTHENTICATORS.update({"pat": PAT, "oauth": OAUTH})


class TokenAuth:
    """A fixed PAT or OAuth token with its token-type header."""

    __slots__ = ("token", "token_type")

    def __init__(self, token: str, token_type: str) -> None:
        register_secret(token)
        self.token = token
        self.token_type = token_type

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        return self.apply(request)
        yield  # pragma: no cover  (makes this a generator)

    def apply(self, request: HttpRequest) -> HttpRequest:
        put(request.headers, "authorization", "Bearer " + self.token)
        put(request.headers, TOKEN_TYPE_HEADER, self.token_type)
        return request

    def __repr__(self) -> str:
        return f"TokenAuth({self.token_type}, token={mask(self.token)})"


class KeyPairAuth:
    """``Authorization: Bearer <JWT>``, the JWT signed here and kept until shortly before it expires."""

    __slots__ = ("_tokens", "account", "key", "lifetime", "user")

    def __init__(self, key: KeyPair, account: str, user: str, lifetime: int = JWT_LIFETIME) -> None:
        self.key = key
        self.account = account
        self.user = user
        self.lifetime = lifetime
        self._tokens = TokenManager("Snowflake key-pair JWT")

    def auth_flow(self, request: HttpRequest) -> AuthFlow:
        token = yield from self._tokens.token_flow(self._sign)
        put(request.headers, "authorization", "Bearer " + token)
        put(request.headers, TOKEN_TYPE_HEADER, KEYPAIR_JWT)
        return request

    def _sign(self) -> TokenFlow:
        now = self._tokens.clock()
        token = build_jwt(self.key, self.account, self.user, now, self.lifetime)
        return token, float(int(now) + self.lifetime)
        yield  # pragma: no cover  (no I/O: the JWT is made here)

    def token_rejected(self, sent: HttpRequest, response: HttpResponse) -> bool:
        """Any 401 to a JWT this Auth made: forget it, so the one resend carries a new one."""
        value = sent.headers.get("authorization", "")
        return value.startswith("Bearer ") and self._tokens.invalidate(value[len("Bearer ") :])

    def __repr__(self) -> str:
        return f"KeyPairAuth(user={self.user!r}, fingerprint={self.key.fingerprint!r})"


# ---------------------------------------------------------------- configuration -> Auth

# Loaded keys by source (file identity or text digest, with the passphrase's digest), and one
# KeyPairAuth per (account, user, fingerprint): a call with options is resolved afresh each time,
# and neither parsing a key nor the JWT it signs is per-call work.
_KEYS: dict[tuple[Any, ...], KeyPair] = {}
_AUTHS: dict[tuple[str, str, str, int], KeyPairAuth] = {}
_LOCK = threading.Lock()
_MAX = 256


def _digest(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()


def _register_key_text(data: bytes) -> None:
    """The key's text and each of its PEM lines, so an echo of any of them is masked."""
    text = data.decode("latin-1")
    register_secret(text)
    for line in text.splitlines():
        if len(line) >= 16 and not line.startswith("-----"):
            register_secret(line)


def _cached_key(ident: tuple[Any, ...], load: Any) -> KeyPair:
    with _LOCK:
        found = _KEYS.get(ident)
    if found is None:
        found = load()
        with _LOCK:
            if len(_KEYS) >= _MAX:
                _KEYS.clear()
            _KEYS[ident] = found
    return found


def _key_from_path(path: str, passphrase: str | None, where: str) -> KeyPair:
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the Snowflake private key file named by {where} ({type(exc).__name__}); "
            "check the path"
        ) from None
    ident = ("file", os.path.abspath(path), stat.st_mtime_ns, stat.st_size, _digest(passphrase))

    def load() -> KeyPair:
        try:
            with open(path, "rb") as f:
                data = f.read()
            _register_key_text(data)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot read the Snowflake private key file named by {where} ({type(exc).__name__})"
            ) from None
        return load_key_pair(data, passphrase, where)

    return _cached_key(ident, load)


def _key_from_value(value: Any, passphrase: str | None) -> KeyPair:
    if isinstance(value, (str, bytes)):
        data = value.encode() if isinstance(value, str) else value
        _register_key_text(data)
        ident = ("value", _digest(data), _digest(passphrase))
        return _cached_key(ident, lambda: load_key_pair(data, passphrase, "private_key="))
    # A loaded cryptography key object: serialise it once to reuse the one loader and its checks.
    try:
        from cryptography.hazmat.primitives import serialization

        der = value.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    except ImportError:
        raise ConfigurationError("Snowflake key-pair authentication needs cryptography") from None
    except (AttributeError, TypeError, ValueError):
        raise ConfigurationError(
            "private_key= must be PEM text, DER bytes or a cryptography private key object"
        ) from None
    return _cached_key(("value", _digest(der), ""), lambda: load_key_pair(der, None, "private_key="))


def _options(inputs: AuthInputs) -> dict[str, Any]:
    """The options with the connector's aliases folded into the issue's names."""
    opts: dict[str, Any] = {}
    for name, value in inputs.options.items():
        canonical = ALIASES.get(name, name)
        if canonical in opts and value is not None:
            raise ConfigurationError(f"{inputs.provider}: pass {canonical}= or {name}=, not both")
        if value is not None:
            opts[canonical] = value
    return opts


def _kind(opts: Mapping[str, Any], has_key: bool, has_token: bool, provider: str) -> str:
    raw = opts.get("authenticator") or os.environ.get(AUTHENTICATOR_ENV)
    if raw:
        kind = _AUTHENTICATORS.get(str(raw).strip().lower())
        if kind is None:
            raise ConfigurationError(
                f"{provider}: authenticator= (or {AUTHENTICATOR_ENV}) must be snowflake_jwt, "
                f"programmatic_access_token or oauth, not {str(raw)[:40]!r}"
            )
        return kind
    return KEYPAIR_JWT if has_key else PAT if has_token else ""


def _missing(inputs: AuthInputs, what: str) -> ConfigurationError:
    return ConfigurationError(
        f"no Snowflake credentials for {inputs.provider}: {what}. Key pair: pass user= (or set "
        f"{USER_ENV}) and private_key_path= (or set {KEY_PATH_ENV}) or private_key=; a programmatic "
        f"access token: pass token= or api_key= (or set {PAT_ENV}); an OAuth token: token= with "
        "authenticator='oauth'"
    )


def _keypair(inputs: AuthInputs, opts: Mapping[str, Any]) -> Auth:
    account = inputs.params.get("account") or os.environ.get(ACCOUNT_ENV)
    user = opts.get("user") or os.environ.get(USER_ENV)
    if not account:
        raise ConfigurationError(
            f"{inputs.provider}: key-pair authentication needs the account: "
            f"pass account= or set {ACCOUNT_ENV}"
        )
    if not user:
        raise ConfigurationError(
            f"{inputs.provider}: key-pair authentication needs the user: pass user= or set {USER_ENV}"
        )
    passphrase = opts.get("private_key_passphrase") or os.environ.get(PASSPHRASE_ENV) or None
    if passphrase is not None:
        passphrase = str(passphrase)
        register_secret(passphrase)
    if opts.get("private_key") is not None:
        key = _key_from_value(opts["private_key"], passphrase)
    else:
        path = opts.get("private_key_path")
        where = "private_key_path="
        if path is None:
            path, where = os.environ.get(KEY_PATH_ENV), KEY_PATH_ENV
        if not path:
            raise _missing(inputs, "authenticator is snowflake_jwt but no private key is given")
        key = _key_from_path(os.fspath(path), passphrase, where)
    ident = (str(account).upper(), str(user).upper(), key.fingerprint, JWT_LIFETIME)
    with _LOCK:
        auth = _AUTHS.get(ident)
        if auth is None:
            if len(_AUTHS) >= _MAX:
                _AUTHS.clear()
            auth = _AUTHS[ident] = KeyPairAuth(key, str(account), str(user))
    return auth


def _snowflake(inputs: AuthInputs) -> Auth:
    opts = _options(inputs)
    has_key = opts.get("private_key") is not None or bool(
        opts.get("private_key_path") or os.environ.get(KEY_PATH_ENV)
    )
    token = opts.get("token") or inputs.key
    kind = _kind(opts, has_key, bool(token), inputs.provider)
    if kind == KEYPAIR_JWT:
        return _keypair(inputs, opts)
    if not kind:
        raise _missing(inputs, "none is configured")
    if not token:
        raise _missing(inputs, f"authenticator is {kind.lower()} but no token is given")
    return TokenAuth(str(token), kind)


# The ``auth_factory`` of the ``snowflake`` spec; the variables it reads itself are declared so a
# cached resolution notices when one changes.
snowflake_auth = AuthFactory(
    _snowflake, OPTIONS, (ACCOUNT_ENV, USER_ENV, KEY_PATH_ENV, PASSPHRASE_ENV, AUTHENTICATOR_ENV)
)
