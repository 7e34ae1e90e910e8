"""SAP AI Core credentials: a service key (a file, JSON text, a dict, ``AICORE_SERVICE_KEY``) or the
``AICORE_*`` variables, normalised the way SAP's SDKs do.

* the token URL is the key's ``url`` (``certurl`` for an X.509 key) with ``/oauth/token`` appended
  unless it is already there (ai-sdk-python ``ai_core_sdk/credentials.py``; litellm does the same);
* an X.509 key carries ``certificate`` and ``key`` (PEM, ``\\n`` escapes restored) instead of a
  ``clientsecret``; its token request goes over mutual TLS with them (``ai_api_client_sdk``
  ``helpers/authenticator.py``). Without a service key the same comes from ``cert_str``/``key_str``
  or ``cert_file_path``/``key_file_path`` and ``cert_url`` (``AICORE_CERT_STR``, ...): exactly one
  way to authenticate, as ``validate_credentials`` demands;
* the AI API URL is ``serviceurls.AI_API_URL``; the ``/v2`` suffix is the dialect's business;
* a key may be the bare credentials or wrapped as ``{"credentials": {...}}`` (a BTP binding).

Sources are not merged (SAP's SDK and litellm take one whole source), except that the resource
group is read on its own. Nothing here does I/O but reading the key file the caller named.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmkit._redact import mask, register_secret
from llmkit._tls import ClientIdentity, client_identity
from llmkit._urls import check_param
from llmkit.errors import ConfigurationError

__all__ = ["ENV", "SapCredentials", "credentials_from"]

# The variables the factory reads (the JS SDK's AICORE_SERVICE_KEY, the Python SDK's AICORE_<NAME>).
ENV = (
    "AICORE_SERVICE_KEY",
    "AICORE_CLIENT_ID",
    "AICORE_CLIENT_SECRET",
    "AICORE_AUTH_URL",
    "AICORE_CERT_URL",
    "AICORE_CERT_STR",
    "AICORE_KEY_STR",
    "AICORE_CERT_FILE_PATH",
    "AICORE_KEY_FILE_PATH",
    "AICORE_BASE_URL",
    "AICORE_RESOURCE_GROUP",
    "AICORE_DEPLOYMENT_ID",
)

_HOW = (
    "pass service_key= (a path to the service key JSON file, its JSON text or a dict) or set "
    "AICORE_SERVICE_KEY, or set AICORE_CLIENT_ID, AICORE_CLIENT_SECRET and AICORE_AUTH_URL (or, for an "
    "X.509 client, AICORE_CERT_STR and AICORE_KEY_STR or AICORE_CERT_FILE_PATH and AICORE_KEY_FILE_PATH, "
    "with AICORE_CERT_URL)"
)
# The option (and its AICORE_ variable) for each credential, as ai_core_sdk's CredentialsValue names them.
_NAMES = (
    ("client_id", "AICORE_CLIENT_ID"),
    ("client_secret", "AICORE_CLIENT_SECRET"),
    ("auth_url", "AICORE_AUTH_URL"),
    ("cert_url", "AICORE_CERT_URL"),
    ("cert_str", "AICORE_CERT_STR"),
    ("key_str", "AICORE_KEY_STR"),
    ("cert_file_path", "AICORE_CERT_FILE_PATH"),
    ("key_file_path", "AICORE_KEY_FILE_PATH"),
)
OPTION_NAMES = tuple(option for option, _ in _NAMES)


@dataclass(frozen=True, slots=True)
class SapCredentials:
    """One OAuth client of an AI Core instance (the secret is registered and never shown)."""

    client_id: str
    token_url: str
    api_url: str | None  # the key's AI_API_URL; None when only the AICORE_* variables were given
    client_secret: str = field(repr=False, default="")
    # An X.509 client (certificate and key instead of a secret): the token request uses mutual TLS.
    identity: ClientIdentity | None = field(repr=False, default=None)

    def __repr__(self) -> str:
        if self.identity is not None:
            return f"SapCredentials(client_id={self.client_id!r}, x509={self.identity!r})"
        return f"SapCredentials(client_id={self.client_id!r}, client_secret={mask(self.client_secret)})"


# Parsed service keys by (path, mtime, size) or by their text: a call with options is resolved
# afresh each time (on the event loop in async), so a key file is read once, not per call.
_PARSED: dict[tuple[str, int, int] | str, Mapping[str, Any]] = {}
_PARSED_LOCK = threading.Lock()


def _load(value: Any, source: str) -> Mapping[str, Any]:
    """A service key given as a dict, JSON text or a path to a JSON file."""
    if isinstance(value, Mapping):
        return value
    ident: tuple[str, int, int] | str
    if isinstance(value, os.PathLike) or (isinstance(value, str) and not value.lstrip().startswith("{")):
        path = Path(os.fspath(value)).expanduser()
        try:
            st = path.stat()
            ident = (str(path), st.st_mtime_ns, st.st_size)
            if ident in _PARSED:
                return _PARSED[ident]
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"sap: cannot read the service key file named by {source} ({type(exc).__name__}); {_HOW}"
            ) from None
    elif isinstance(value, str):
        text = ident = value
        if ident in _PARSED:
            return _PARSED[ident]
    else:
        raise ConfigurationError(
            f"sap: {source} must be a path, JSON text or a dict, not {type(value).__name__}"
        )
    try:
        loaded = json.loads(text)
    except ValueError:
        # The message of a JSONDecodeError quotes the document (the secret): never kept.
        raise ConfigurationError(f"sap: the service key from {source} is not valid JSON") from None
    if not isinstance(loaded, dict):
        raise ConfigurationError(f"sap: the service key from {source} is not a JSON object")
    with _PARSED_LOCK:
        if len(_PARSED) >= 64:
            _PARSED.clear()
        _PARSED[ident] = loaded
    return loaded


def _token_url(base: str, source: str) -> str:
    url = check_param("sap", "the token URL", base.strip(), "url_root", "", source)
    return url if url.endswith("/oauth/token") else url + "/oauth/token"


def _identity(cert: Any, key: Any, source: str) -> ClientIdentity | None:
    """The X.509 identity from a certificate and key pair, None when neither is given."""
    if not cert and not key:
        return None
    if not isinstance(cert, str) or not cert or not isinstance(key, str) or not key:
        raise ConfigurationError(f"sap: {source} gives a client certificate without its key, or a key alone")
    register_secret(key)
    return client_identity(cert, key, source)


def _one_method(secret: Any, identity: ClientIdentity | None, source: str) -> None:
    # ai_core_sdk's validate_credentials: exactly one of a secret, a cert/key file pair, a cert/key text pair.
    if secret and identity is not None:
        raise ConfigurationError(
            f"sap: {source} gives both a client secret and a client certificate: keep only one"
        )


def from_service_key(value: Any, source: str) -> SapCredentials:
    """Credentials from a service key (bare, or wrapped in ``credentials``)."""
    key = _load(value, source)
    inner = key.get("credentials")
    if isinstance(inner, Mapping):
        key = inner
    client_id = key.get("clientid") or key.get("client_id")
    secret = key.get("clientsecret") or key.get("client_secret")
    identity = _identity(key.get("certificate"), key.get("key"), f"{source} (certificate, key)")
    _one_method(secret, identity, source)
    # ai_core_sdk uses certurl as the token URL whenever the key has one.
    auth_name = "certurl" if identity is not None or key.get("certurl") else "url"
    auth = key.get(auth_name)
    urls = key.get("serviceurls")
    api_url = urls.get("AI_API_URL") if isinstance(urls, Mapping) else None
    missing = [
        n
        for n, v in (("clientid", client_id), (auth_name, auth), ("serviceurls.AI_API_URL", api_url))
        if not isinstance(v, str) or not v
    ]
    if identity is None and not isinstance(secret, str):
        missing.insert(1, "clientsecret (or certificate and key)")
    if missing:
        raise ConfigurationError(f"sap: the service key from {source} has no {', '.join(missing)}")
    if isinstance(secret, str):
        register_secret(secret)
    assert isinstance(client_id, str) and isinstance(auth, str) and isinstance(api_url, str)
    api = check_param("sap", "serviceurls.AI_API_URL", api_url.strip(), "url_root", "", source)
    token_url = _token_url(auth, f"{source} ({auth_name})")
    return SapCredentials(
        client_id, token_url, api, secret if isinstance(secret, str) and identity is None else "", identity
    )


def _named(options: Mapping[str, Any], env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The credentials given by option or ``AICORE_*`` variable, and where each came from."""
    values: dict[str, str] = {}
    where: dict[str, str] = {}
    for option, var in _NAMES:
        if options.get(option):
            values[option], where[option] = str(options[option]), f"{option}="
        elif env.get(var):
            values[option], where[option] = env[var], var
    return values, where


def credentials_from(options: Mapping[str, Any], env: Mapping[str, str]) -> SapCredentials:
    """``service_key=``, else ``AICORE_SERVICE_KEY``, else the ``client_id``/``client_secret``/
    ``auth_url`` options (or ``cert_str``/``key_str``, ``cert_file_path``/``key_file_path`` and
    ``cert_url`` for an X.509 client) or their ``AICORE_*`` variables."""
    if options.get("service_key") is not None:
        return from_service_key(options["service_key"], "service_key=")
    if env.get("AICORE_SERVICE_KEY"):
        return from_service_key(env["AICORE_SERVICE_KEY"], "AICORE_SERVICE_KEY")
    values, where = _named(options, env)
    identity = None
    for cert, key in (("cert_str", "key_str"), ("cert_file_path", "key_file_path")):
        if cert in values or key in values:
            source = f"{where.get(cert, cert + '=')} and {where.get(key, key + '=')}"
            if identity is not None:
                raise ConfigurationError(
                    "sap: give the client certificate once: cert_str/key_str or cert_file_path/key_file_path"
                )
            identity = _identity(values.get(cert), values.get(key), source)
    _one_method(values.get("client_secret"), identity, "the options and AICORE_* variables")
    # As ai_core_sdk: a certificate's token URL (cert_url) replaces auth_url when given.
    url_name = "cert_url" if "cert_url" in values else "auth_url"
    required = [("client_id", "AICORE_CLIENT_ID"), (url_name, f"AICORE_{url_name.upper()}")]
    if identity is None:
        required.insert(1, ("client_secret", "AICORE_CLIENT_SECRET"))
    missing = [f"{option}= (or {var})" for option, var in required if option not in values]
    if missing:
        raise ConfigurationError(f"sap: no credentials ({', '.join(missing)} not set); {_HOW}")
    secret = "" if identity is not None else values["client_secret"]
    if secret:
        register_secret(secret)
    token_url = _token_url(values[url_name], where[url_name])
    return SapCredentials(values["client_id"], token_url, None, secret, identity)
