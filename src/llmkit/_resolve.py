"""From ``"provider/model"`` and keyword options to a CallContext and an Auth. Pure, no I/O."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from llmkit import _constants as C
from llmkit._redact import register_secret
from llmkit._urls import check_base_url, check_param, fill, placeholders
from llmkit.auth.base import Auth, HeaderAuth, NoAuth
from llmkit.dialects import get_dialect
from llmkit.dialects.base import CallContext, Dialect
from llmkit.errors import ConfigurationError
from llmkit.providers import get_spec
from llmkit.providers.spec import ProviderSpec


@dataclass(slots=True)
class Resolved:
    spec: ProviderSpec
    dialect: Dialect
    ctx: CallContext
    auth: Auth
    query: str
    options: dict[str, Any]
    # The env var the key came from and its value then: a cached resolution is stale if it changed.
    key_env: tuple[str, str] | None = None

    def __repr__(self) -> str:
        # Short, and through CallContext's masked repr: the auth and options are not shown.
        return f"Resolved({self.ctx!r}, auth={type(self.auth).__name__})"

    def still_valid(self) -> bool:
        return self.key_env is None or os.environ.get(self.key_env[0]) == self.key_env[1]


def split_model(model: str) -> tuple[str, str]:
    provider, sep, name = model.partition("/")
    if not sep or not provider or not name:
        raise ConfigurationError(
            f"model must look like 'provider/model-name' (e.g. 'openai/gpt-4o-mini'), got {model!r}"
        )
    if not model.isascii():
        try:  # it goes into a URL path or a JSON body, both UTF-8: a lone surrogate cannot
            model.encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigurationError(
                f"the model name {model.encode('utf-8', 'backslashreplace').decode()!r} cannot be "
                "encoded as UTF-8 (it holds a lone surrogate, as a badly decoded file leaves); "
                "pass the model's real name"
            ) from None
    return provider, name


def resolve(
    model: str,
    *,
    api_key: str | None,
    base_url: str | None,
    extra_headers: Mapping[str, str] | None,
    options: dict[str, Any],
    default_keys: Mapping[str, str],
    default_headers: Mapping[str, str],
) -> Resolved:
    provider, name = split_model(model)
    first = get_spec(provider)
    spec = route(first, name)
    dialect = get_dialect(spec.dialect)
    opts = dict(options)

    params = _params(spec, opts)
    template, source = _url_template(spec, first, base_url, opts)
    user_url = source == "base_url=" or source.endswith("_BASE_URL")
    _demand(spec, template, params, source if user_url else "")
    url = check_base_url(spec.name, fill(template, params, spec.name, source), source)

    if spec.host_aliases:
        url = _alias_host(url, spec.host_aliases)

    headers: dict[str, str] = {"user-agent": C.USER_AGENT}
    headers.update(spec.default_headers)
    headers.update(default_headers)
    for opt, header in spec.header_options.items():
        value = opts.pop(opt, None)
        if value is not None:
            headers[header] = str(value)
    if extra_headers:
        headers.update(extra_headers)

    key = api_key or default_keys.get(spec.name) or default_keys.get("*")
    key_env: tuple[str, str] | None = None
    if key is None:
        env_name = next((e for e in spec.env_keys if os.environ.get(e)), None)
        if env_name is not None:
            key = os.environ[env_name]
            key_env = (env_name, key)
    auth: Auth
    if spec.auth == "custom":
        if spec.auth_factory is None:
            raise ConfigurationError(f"{spec.name} declares custom auth without a factory")
        module, _, attr = spec.auth_factory.partition(":")
        auth = getattr(importlib.import_module(module), attr)(spec, key, opts, params)
    elif spec.auth == "none" or (key is None and not spec.key_required):
        auth = NoAuth()
    else:
        if key is None:
            env = " or ".join(spec.env_keys) or "the provider's key variable"
            raise ConfigurationError(f"no API key for {spec.name}: pass api_key= or set {env}")
        auth = HeaderAuth(spec.auth_header, key, spec.auth_prefix)
    register_secret(key)

    accepted = dialect.options | spec.body_options.keys() | _extra_options(spec)
    unknown = [k for k in opts if k not in accepted]
    if unknown:
        raise ConfigurationError(
            f"{spec.name} does not take option(s) {', '.join(sorted(unknown))}; "
            f"it accepts: {', '.join(sorted(accepted | spec.header_options.keys() | spec.params.keys()))}. "
            "Use extra_body= to send arbitrary fields."
        )

    query = ""
    if spec.query:
        query = urlencode({k: fill(v, params, spec.name, "the query") for k, v in spec.query.items()})
    ctx = CallContext(spec, name, url, headers, params)
    return Resolved(spec, dialect, ctx, auth, query, opts, key_env)


def route(spec: ProviderSpec, name: str) -> ProviderSpec:
    """The spec that serves ``name``: the first of ``spec.model_routes`` that matches, else ``spec``."""
    for pattern, target in spec.model_routes:
        if pattern.endswith("*"):
            hit = name.startswith(pattern[:-1])
        elif pattern.startswith("*"):
            hit = name.endswith(pattern[1:])
        else:
            hit = name == pattern
        if hit:
            return get_spec(target)
    return spec


def _params(spec: ProviderSpec, opts: dict[str, Any]) -> dict[str, str]:
    """Each declared param from its option (or an alias), its env vars or its default, validated."""
    params: dict[str, str] = {}
    for pname, p in spec.params.items():
        value: Any = None
        source = ""
        for option in (pname, *p.aliases):
            if option in opts:
                if value is not None:
                    raise ConfigurationError(f"{spec.name}: pass {pname}= or {option}=, not both")
                value, source = opts.pop(option), f"{option}="
        if value is None:
            env = next((e for e in p.env if os.environ.get(e)), None)
            value, source = (os.environ[env], env) if env else (p.default, "the default")
        if value is not None:
            params[pname] = check_param(spec.name, pname, str(value), p.kind, p.pattern, source)
    return params


def _url_template(
    spec: ProviderSpec, first: ProviderSpec, base_url: str | None, opts: dict[str, Any]
) -> tuple[str, str]:
    """The URL template for the call and where it came from (for error messages).

    ``base_url=`` (else ``<NAME>_BASE_URL``) replaces the spec's base URL as a whole; ``region=``
    picks a named one; else the spec's own. A routed model also reads the first spec's variable.
    """
    region = opts.pop("region", None)
    if base_url:
        return str(base_url), "base_url="
    for var in dict.fromkeys((f"{spec.name.upper()}_BASE_URL", f"{first.name.upper()}_BASE_URL")):
        if os.environ.get(var):
            return os.environ[var], var
    if region is not None or spec.default_region:
        region_name = str(region or spec.default_region)
        if region_name not in spec.regions:
            raise ConfigurationError(
                f"{spec.name} has no region {region_name!r}; "
                f"choose one of {', '.join(sorted(spec.regions)) or '(none: pass base_url=)'}"
            )
        return spec.regions[region_name], f"region {region_name!r}"
    if not spec.base_url:
        raise ConfigurationError(
            f"{spec.name} has no fixed address: pass base_url= or set {spec.name.upper()}_BASE_URL"
        )
    return spec.base_url, "the spec"


def _demand(spec: ProviderSpec, template: str, params: Mapping[str, str], user_url: str) -> None:
    """A required param the call's URL or query needs but nobody set is a ConfigurationError.

    Params the chosen URL does not use are not demanded: a ``base_url=`` that already names the
    project makes ``project=`` unnecessary. A path or body that needs one later says so itself.
    ``user_url`` names the caller's URL (``base_url=`` or its variable), empty for the spec's own.
    """
    needed = placeholders(template)
    for value in spec.query.values():
        needed += placeholders(value)
    for pname in dict.fromkeys(needed):
        p = spec.params.get(pname)
        if pname in params:
            continue
        if p is None:
            raise ConfigurationError(
                f"{spec.name}: {user_url or 'the URL'} has a placeholder {{{pname}}} that is not a "
                f"parameter of this provider (it takes {', '.join(sorted(spec.params)) or 'none'})"
            )
        where = f" or set {' / '.join(p.env)}" if p.env else ""
        alt = "" if user_url else " (or pass base_url=)"
        raise ConfigurationError(
            f"{spec.name} needs {pname}= ({p.doc or 'see the provider docs'}){where}{alt}"
        )


def _extra_options(spec: ProviderSpec) -> frozenset[str]:
    return frozenset() if spec.quirks is None else spec.quirks.extra_options


def _alias_host(url: str, aliases: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in aliases:
        return url
    netloc = aliases[host] + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
