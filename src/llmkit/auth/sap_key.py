"""SAP AI Core credentials: a service key (a file, JSON text, a dict, ``AICORE_SERVICE_KEY``) or the
``AICORE_*`` variables, normalised the way SAP's SDKs do.

* the token URL is the key's ``url`` (``certurl`` for an X.509 key) with ``/oauth/token`` appended
  unless it is already there (ai-sdk-python ``ai_core_sdk/credentials.py``; litellm does the same);
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
from llmkit._urls import check_param
from llmkit.errors import ConfigurationError

__all__ = ["ENV", "SapCredentials", "credentials_from"]

# The variables the factory reads (the JS SDK's AICORE_SERVICE_KEY, the Python SDK's AICORE_<NAME>).
ENV = (
    "AICORE_SERVICE_KEY",
    "AICORE_CLIENT_ID",
    "AICORE_CLIENT_SECRET",
    "AICORE_AUTH_URL",
    "AICORE_BASE_URL",
    "AICORE_RESOURCE_GROUP",
    "AICORE_DEPLOYMENT_ID",
)

_HOW = (
    "pass service_key= (a path to the service key JSON file, its JSON text or a dict) or set "
    "AICORE_SERVICE_KEY, or set AICORE_CLIENT_ID, AICORE_CLIENT_SECRET and AICORE_AUTH_URL"
)


@dataclass(frozen=True, slots=True)
class SapCredentials:
    """One OAuth client of an AI Core instance (the secret is registered and never shown)."""

    client_id: str
    token_url: str
    api_url: str | None  # the key's AI_API_URL; None when only the AICORE_* variables were given
    client_secret: str = field(repr=False, default="")
    # An X.509 service key (certificate and key instead of a secret): not supported yet.
    x509: bool = False

    def __repr__(self) -> str:
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


def from_service_key(value: Any, source: str) -> SapCredentials:
    """Credentials from a service key (bare, or wrapped in ``credentials``)."""
    key = _load(value, source)
    inner = key.get("credentials")
    if isinstance(inner, Mapping):
        key = inner
    client_id = key.get("clientid") or key.get("client_id")
    secret = key.get("clientsecret") or key.get("client_secret")
    x509 = not secret and bool(key.get("certificate") or key.get("certurl"))
    auth = key.get("certurl") if x509 else key.get("url")
    urls = key.get("serviceurls")
    api_url = urls.get("AI_API_URL") if isinstance(urls, Mapping) else None
    missing = [
        n
        for n, v in (("clientid", client_id), ("url", auth), ("serviceurls.AI_API_URL", api_url))
        if not isinstance(v, str) or not v
    ]
    if not x509 and not isinstance(secret, str):
        missing.insert(1, "clientsecret")
    if missing:
        raise ConfigurationError(f"sap: the service key from {source} has no {', '.join(missing)}")
    if isinstance(secret, str):
        register_secret(secret)
    assert isinstance(client_id, str) and isinstance(auth, str) and isinstance(api_url, str)
    api = check_param("sap", "serviceurls.AI_API_URL", api_url.strip(), "url_root", "", source)
    return SapCredentials(
        client_id, _token_url(auth, source), api, secret if isinstance(secret, str) else "", x509
    )


def credentials_from(options: Mapping[str, Any], env: Mapping[str, str]) -> SapCredentials:
    """``service_key=``, else ``AICORE_SERVICE_KEY``, else the ``client_id``/``client_secret``/
    ``auth_url`` options or their ``AICORE_*`` variables."""
    if options.get("service_key") is not None:
        return from_service_key(options["service_key"], "service_key=")
    if env.get("AICORE_SERVICE_KEY"):
        return from_service_key(env["AICORE_SERVICE_KEY"], "AICORE_SERVICE_KEY")
    values: dict[str, str] = {}
    missing = []
    for option, var in (
        ("client_id", "AICORE_CLIENT_ID"),
        ("client_secret", "AICORE_CLIENT_SECRET"),
        ("auth_url", "AICORE_AUTH_URL"),
    ):
        value = options.get(option) or env.get(var)
        if not value:
            missing.append(f"{option}= (or {var})")
        else:
            values[option] = str(value)
    if missing:
        raise ConfigurationError(f"sap: no credentials ({', '.join(missing)} not set); {_HOW}")
    register_secret(values["client_secret"])
    source = "auth_url=" if options.get("auth_url") else "AICORE_AUTH_URL"
    return SapCredentials(
        values["client_id"], _token_url(values["auth_url"], source), None, values["client_secret"]
    )
