"""Which proxy a request goes through: one policy for the sync and the async transport.

Both transports honour the same environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and
``NO_PROXY``, lower-case names first, as urllib reads them) or an explicit ``proxy=``, decided
here once per URL, so httpx2's and aiohttp's own (different) environment handling is never used.
Pure code: no sockets, and the environment is read once, when a transport is built.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from llmkit._redact import redact_url, register_secret
from llmkit.errors import ConfigurationError

# Only plain-HTTP forward proxies (TLS to the provider still goes end to end through CONNECT):
# the one kind both httpx2 and aiohttp speak without extra packages.
_SCHEMES = ("http",)


def check_proxy_url(url: str, source: str = "proxy") -> str:
    """The proxy URL, normalised (``host:port`` gains ``http://``); ConfigurationError if unusable."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"{source} must be a URL such as 'http://proxy.internal:3128', not {url!r}")
    url = url.strip()
    if "://" not in url:
        url = f"http://{url}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise ConfigurationError(f"{source} is not a valid URL: {redact_url(url)!r}") from None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        raise ConfigurationError(
            f"{source}={redact_url(url)!r} is not supported: llmkit speaks to plain-HTTP forward "
            "proxies only ('http://host:port'); unset it, or add the host to NO_PROXY"
        )
    if parts.password:
        register_secret(parts.password)
    return url


class ProxyPolicy:
    """Proxies by URL scheme, plus the hosts that bypass them (``NO_PROXY``)."""

    __slots__ = ("_by_scheme", "_bypass_all", "_names", "_networks")

    def __init__(self, by_scheme: Mapping[str, str], no_proxy: str = "") -> None:
        self._by_scheme = dict(by_scheme)
        entries = [e.strip().lower() for e in no_proxy.split(",") if e.strip()]
        self._bypass_all = "*" in entries
        self._names: list[tuple[str, int | None]] = []
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            self._add_bypass(entry)

    def _add_bypass(self, entry: str) -> None:
        if "://" in entry:
            entry = entry.split("://", 1)[1]
        try:
            self._networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            return
        except ValueError:
            pass
        host, port = entry, None
        if entry.startswith("["):  # [::1]:8080
            host, _, rest = entry[1:].partition("]")
            port = int(rest[1:]) if rest[1:].isdigit() else None
        elif entry.count(":") == 1:
            name, _, digits = entry.partition(":")
            if digits.isdigit():
                host, port = name, int(digits)
        # curl's rules: "*.example.com", ".example.com" and "example.com" all cover the domain
        # and its subdomains.
        host = host.removeprefix("*").lstrip(".")
        if host:
            self._names.append((host, port))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ProxyPolicy | None:
        """The policy the environment asks for, or None when it names no proxy."""
        found = _proxy_env(environ)
        by_scheme: dict[str, str] = {}
        for scheme in ("http", "https", "all"):
            value = found.get(scheme)
            if value:
                by_scheme[scheme] = check_proxy_url(value, f"{scheme.upper()}_PROXY")
        if not by_scheme:
            return None
        return cls(by_scheme, found.get("no", ""))

    @classmethod
    def fixed(cls, proxy: str) -> ProxyPolicy:
        """Every request through ``proxy`` (an explicit ``proxy=`` ignores the environment)."""
        return cls({"all": proxy})

    def bypassed(self, host: str, port: int | None) -> bool:
        if self._bypass_all:
            return True
        host = host.strip("[]").lower().rstrip(".")
        if self._networks:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                pass
            else:
                if any(address in net for net in self._networks):
                    return True
        for name, want_port in self._names:
            if (host == name or host.endswith("." + name)) and (want_port is None or want_port == port):
                return True
        return False

    def for_url(self, url: str) -> str | None:
        """The proxy URL for this request, or None to connect directly."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        proxy = self._by_scheme.get(scheme) or self._by_scheme.get("all")
        if proxy is None or not parts.hostname:
            return None
        port = parts.port or (443 if scheme == "https" else 80)
        return None if self.bypassed(parts.hostname, port) else proxy


def _proxy_env(environ: Mapping[str, str] | None) -> dict[str, str]:
    """``*_proxy`` variables by scheme, as urllib reads them: lower-case names win; an upper-case
    HTTP_PROXY is ignored in a CGI request (the "httpoxy" header injection)."""
    if environ is None:
        import os

        environ = os.environ
    upper: dict[str, str] = {}
    lower: dict[str, str] = {}
    for name, value in environ.items():
        if len(name) > 6 and name[-6:].lower() == "_proxy" and value:
            (lower if name[-6:] == "_proxy" else upper)[name[:-6].lower()] = value
    if "REQUEST_METHOD" in environ:
        upper.pop("http", None)
    return {**upper, **lower}
