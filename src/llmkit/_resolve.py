"""From ``"provider/model"`` and keyword options to an immutable ``Resolved`` call. Pure, no I/O.

``resolve`` is a short pipeline: split the model and follow the spec's routes, partition the
caller's options once into their destinations (URL params, ``region=``, header options, the auth
factory's declared options, body/dialect options), then the params, the base URL, the headers
(one case-insensitive merge, ``_headers.merge``), the key, the auth and the query. The
environment variables it reads are recorded, so a cached resolution knows when it is stale.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from llmkit import _constants as C
from llmkit._headers import lowered, merge
from llmkit._redact import register_secret
from llmkit._urls import alias_host, check_base_url, check_param, fill, placeholders
from llmkit.auth.base import Auth, AuthFactory, AuthInputs, HeaderAuth, NoAuth
from llmkit.dialects import get_dialect
from llmkit.dialects.base import CallContext, Dialect
from llmkit.errors import ConfigurationError
from llmkit.providers import get_spec
from llmkit.providers.spec import ProviderSpec

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_USER_AGENT: Mapping[str, str] = MappingProxyType({"user-agent": C.USER_AGENT})


@dataclass(frozen=True, slots=True)
class Resolved:
    """Everything decided about a call before a request is built. Immutable (the client caches it)."""

    spec: ProviderSpec
    dialect: Dialect
    ctx: CallContext
    auth: Auth
    query: str
    # The body/dialect options, read-only: params, header and auth options are taken out.
    options: Mapping[str, Any]
    # The env var the key came from and its value then.
    key_env: tuple[str, str] | None = None
    # Every environment variable resolution read (key, params, ``<NAME>_BASE_URL``, the auth
    # factory's) and its value then (None: unset), compared as one tuple by ``still_valid``.
    env_names: tuple[str, ...] = ()
    env_values: tuple[str | None, ...] = ()
    # The same, in the form ``_env_now`` compares (os.environ's own keys and values).
    env_probe: tuple[tuple[Any, ...], tuple[Any, ...]] = ((), ())
    # ``ctx.headers`` as (lowercased name, name, value), for ``_headers.under`` at each request.
    base_headers: tuple[tuple[str, str, str], ...] = ()

    def __repr__(self) -> str:
        # Short, and through CallContext's masked repr: the auth and options are not shown.
        return f"Resolved({self.ctx!r}, auth={type(self.auth).__name__})"

    def still_valid(self) -> bool:
        """False once any environment variable resolution read has changed (one tuple compare)."""
        keys, values = self.env_probe
        return not keys or _env_now(keys) == values


# ``os.environ.get`` pays two exceptions for an unset name (~1 µs), and a cached call checks its
# unset ``<NAME>_BASE_URL`` every time; CPython's ``os.environ`` keeps its store in ``_data`` under
# ``encodekey(name)``, which a dict lookup reads in ~50 ns. Elsewhere the public ``get`` is used.
_ENVIRON = os.environ
_DATA: Any = getattr(os.environ, "_data", None)
_FAST = isinstance(_DATA, dict) and callable(getattr(os.environ, "encodekey", None))


def _env_probe(
    names: tuple[str, ...], values: tuple[str | None, ...]
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    if not _FAST:
        return names, values
    enc_key, enc_value = os.environ.encodekey, os.environ.encodevalue
    return tuple(map(enc_key, names)), tuple(None if v is None else enc_value(v) for v in values)


def _env_now(keys: tuple[Any, ...]) -> tuple[Any, ...]:
    if _FAST and os.environ is _ENVIRON:
        return tuple(map(_DATA.get, keys))  # all in C: no Python frame per name
    get = os.environ.get
    return tuple([get(k) for k in keys])


@dataclass(slots=True)
class _Env:
    """The environment as resolution reads it, every read recorded."""

    names: list[str] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)

    def frozen(
        self,
    ) -> tuple[tuple[str, ...], tuple[str | None, ...], tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """The names, the values and their ``still_valid`` probe, for ``Resolved``."""
        names, values = tuple(self.names), tuple(self.values)
        return names, values, _env_probe(names, values)

    def get(self, name: str) -> str | None:
        value = os.environ.get(name)
        self.names.append(name)
        self.values.append(value)
        return value


@dataclass(frozen=True, slots=True)
class _Options:
    """The caller's options, each sent to the one place that uses it."""

    params: Mapping[str, Any]  # URL params, by the option name given (a name or an alias)
    region: Any
    headers: Mapping[str, str]  # header name -> value
    auth: Mapping[str, Any]
    body: Mapping[str, Any]


_NO_OPTIONS = _Options(_EMPTY, None, _EMPTY, _EMPTY, _EMPTY)


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
    options: Mapping[str, Any],
    default_keys: Mapping[str, str],
    default_headers: Mapping[str, str],
) -> Resolved:
    provider, name = split_model(model)
    first = get_spec(provider)
    spec = route(first, name)
    dialect = get_dialect(spec.dialect)
    factory = auth_factory(spec)
    opts = partition(spec, factory, options) if options else _NO_OPTIONS
    env = _Env()
    params = _params(spec, opts.params, env, _supplier(factory, opts.auth))
    url = _base_url(spec, first, base_url, opts.region, params, env)
    headers = merge(_USER_AGENT, spec.default_headers, default_headers, opts.headers, extra_headers)
    key, key_env = _key(spec, api_key, default_keys, env)
    auth = _auth(spec, factory, key, opts.auth, params, env)
    register_secret(key)
    _check_body_options(spec, dialect, opts.body)
    ctx = CallContext(spec, name, url, headers, params)
    query = _query(spec, params)
    return Resolved(spec, dialect, ctx, auth, query, opts.body, key_env, *env.frozen(), lowered(headers))


def check_options(spec: ProviderSpec, options: Mapping[str, Any]) -> None:
    """The option checks ``resolve`` makes, alone: for a call answered without resolving (an
    offline token count), where a misspelt option is still an error."""
    opts = partition(spec, auth_factory(spec), options)
    _check_body_options(spec, get_dialect(spec.dialect), opts.body)


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


# ``"module:attribute"`` -> the factory, looked up once per name.
_FACTORIES: dict[str, AuthFactory] = {}


def auth_factory(spec: ProviderSpec) -> AuthFactory | None:
    """The spec's ``AuthFactory`` when its auth is ``"custom"``, else None."""
    if spec.auth != "custom":
        return None
    ref = spec.auth_factory
    if ref is None:
        raise ConfigurationError(f"{spec.name} declares custom auth without a factory")
    found = _FACTORIES.get(ref)
    if found is None:
        module, _, attr = ref.partition(":")
        found = getattr(importlib.import_module(module), attr, None)
        if not isinstance(found, AuthFactory):
            raise ConfigurationError(
                f"{spec.name}: auth_factory {ref!r} is not an llmkit.auth.base.AuthFactory"
            )
        _FACTORIES[ref] = found
    return found


def partition(spec: ProviderSpec, factory: AuthFactory | None, options: Mapping[str, Any]) -> _Options:
    """Each option to its destination, in this order of claim: a URL param (or its alias), the URL's
    ``region=``, a header option, the auth factory's, else the body. Unknown ones stay in the body
    (checked by ``_check_body_options`` once the key and auth are settled, as before)."""
    param_names = {alias for pname, p in spec.params.items() for alias in (pname, *p.aliases)}
    auth_names = factory.options if factory is not None else frozenset()
    params: dict[str, Any] = {}
    headers: dict[str, str] = {}
    auth: dict[str, Any] = {}
    body: dict[str, Any] = {}
    region = None
    for name, value in options.items():
        if name in param_names:
            params[name] = value
        elif name == "region":
            region = value
        elif name in spec.header_options:
            if value is not None:
                headers[spec.header_options[name]] = str(value)
        elif name in auth_names:
            auth[name] = value
        else:
            body[name] = value
    return _Options(params, region, headers, MappingProxyType(auth), MappingProxyType(body))


def _supplier(
    factory: AuthFactory | None, options: Mapping[str, Any]
) -> Callable[[], Mapping[str, str]] | None:
    """The auth factory's own source of params, asked at most once per resolution."""
    if factory is None or factory.params is None:
        return None
    source = factory.params
    found: list[Mapping[str, str]] = []

    def supplied() -> Mapping[str, str]:
        if not found:
            found.append(source(options))
        return found[0]

    return supplied


def _params(
    spec: ProviderSpec,
    given: Mapping[str, Any],
    env: _Env,
    supplied: Callable[[], Mapping[str, str]] | None = None,
) -> dict[str, str]:
    """Each declared param from its option (or an alias), its env vars, the credential's
    configuration (``AuthFactory.params``) or its default, validated."""
    params: dict[str, str] = {}
    for pname, p in spec.params.items():
        value: Any = None
        source = ""
        for option in (pname, *p.aliases):
            if option in given:
                if value is not None:
                    raise ConfigurationError(f"{spec.name}: pass {pname}= or {option}=, not both")
                value, source = given[option], f"{option}="
        if value is None:
            found = next(((e, v) for e in p.env if (v := env.get(e))), None)
            value, source = found[::-1] if found else (None, "")
        if value is None and supplied is not None and (value := supplied().get(pname)) is not None:
            source = "the credentials' configuration"
        if value is None:
            value, source = p.default, "the default"
        if value is not None:
            params[pname] = check_param(spec.name, pname, str(value), p.kind, p.pattern, source)
    return params


def _base_url(
    spec: ProviderSpec,
    first: ProviderSpec,
    base_url: str | None,
    region: Any,
    params: Mapping[str, str],
    env: _Env,
) -> str:
    """The call's base URL: its template chosen, the params it needs demanded, filled, checked, aliased."""
    template, source = _url_template(spec, first, base_url, region, env)
    user_url = source == "base_url=" or source.endswith("_BASE_URL") or source in spec.base_url_env
    _demand(spec, template, params, source if user_url else "")
    url = check_base_url(spec.name, fill(template, params, spec.name, source), source)
    return alias_host(url, spec.host_aliases)


def _url_template(
    spec: ProviderSpec, first: ProviderSpec, base_url: str | None, region: Any, env: _Env
) -> tuple[str, str]:
    """The URL template for the call and where it came from (for error messages).

    ``base_url=`` (else ``<NAME>_BASE_URL``) replaces the spec's base URL as a whole; ``region=``
    picks a named one; else the spec's own. A routed model also reads the first spec's variable.
    """
    if base_url:
        return str(base_url), "base_url="
    names = (f"{spec.name.upper()}_BASE_URL", f"{first.name.upper()}_BASE_URL", *spec.base_url_env)
    for var in dict.fromkeys(names):
        value = env.get(var)
        if value:
            return value, var
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


def _key(
    spec: ProviderSpec, api_key: str | None, default_keys: Mapping[str, str], env: _Env
) -> tuple[str | None, tuple[str, str] | None]:
    """The key: ``api_key=``, the client's keys, else the first of the spec's env vars that is set."""
    key = api_key or default_keys.get(spec.name) or default_keys.get("*")
    if key is not None:
        return key, None
    for name in spec.env_keys:
        value = env.get(name)
        if value:
            return value, (name, value)
    return None, None


def _auth(
    spec: ProviderSpec,
    factory: AuthFactory | None,
    key: str | None,
    options: Mapping[str, Any],
    params: Mapping[str, str],
    env: _Env,
) -> Auth:
    if factory is not None:
        for name in factory.env:
            env.get(name)  # read by the factory: a cached resolution must notice a change
        return factory(AuthInputs(spec.name, spec.env_keys, key, options, MappingProxyType(params)))
    if spec.auth == "none" or (key is None and not spec.key_required):
        return NoAuth()
    if key is None:
        names = " or ".join(spec.env_keys) or "the provider's key variable"
        raise ConfigurationError(f"no API key for {spec.name}: pass api_key= or set {names}")
    return HeaderAuth(spec.auth_header, key, spec.auth_prefix)


def _check_body_options(spec: ProviderSpec, dialect: Dialect, body: Mapping[str, Any]) -> None:
    """An option nothing claimed and neither the dialect nor the spec takes is a ConfigurationError."""
    if not body:
        return
    accepted = dialect.options | spec.body_options.keys() | _extra_options(spec)
    unknown = [k for k in body if k not in accepted]
    if unknown:
        raise ConfigurationError(
            f"{spec.name} does not take option(s) {', '.join(sorted(unknown))}; "
            f"it accepts: {', '.join(sorted(accepted | spec.header_options.keys() | spec.params.keys()))}. "
            "Use extra_body= to send arbitrary fields."
        )


def _query(spec: ProviderSpec, params: Mapping[str, str]) -> str:
    if not spec.query:
        return ""
    return urlencode({k: fill(v, params, spec.name, "the query") for k, v in spec.query.items()})


def _extra_options(spec: ProviderSpec) -> frozenset[str]:
    return frozenset() if spec.quirks is None else spec.quirks.extra_options
