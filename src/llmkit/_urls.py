"""What may go into a request URL: parameter kinds, the base-URL rule, model path segments. Pure.

A value that fills a ``{param}`` of a URL template (a region, a project, an
endpoint, ...) is checked against its parameter's declared *kind* before it is
used, so no option or environment variable can move a request to another
scheme, host, port, path, query or fragment. Model names that go into a path
are one percent-encoded segment. Error messages name the parameter and say what
is expected; they never repeat the value (an environment variable may hold
anything, a secret included).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

from llmkit.errors import ConfigurationError

__all__ = [
    "KINDS",
    "alias_host",
    "check_base_url",
    "check_param",
    "fill",
    "fill_path",
    "model_segment",
    "placeholders",
]

# A region fills a host label, so it is held to DNS's 63 characters.
_REGION = re.compile(r"(?=.{1,63}$)[a-z0-9]+(?:-[a-z0-9]+)*")
# Google's project-id rule: 6-30 characters, lowercase letters, digits and hyphens, a letter
# first and no hyphen last. Project numbers (all digits) name the same projects in resource paths.
_GCP_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20}")
_HEX = re.compile(r"[0-9a-fA-F]{8,64}")
_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_SEGMENT = re.compile(r"[A-Za-z0-9_.~-]{1,256}")
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# Underscores are not in RFC 1123 host names but are in real ones (Docker Compose service names).
# Labels are 1-63 characters with no hyphen at either end, the name at most 253 (RFC 1035): past
# that a name lookup fails (or an IDNA encoder raises) instead of a ConfigurationError.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST_LABELS = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")
_PATH = re.compile(r"(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*")
# A percent-encoded dot in a dot-segment (%2e%2e is '..' to a server that decodes before it
# normalises, RFC 3986 6.2.2.2) or an encoded control character (%00 truncates paths in some).
_ENCODED_DOT_SEGMENT = re.compile(r"(?:\.|%2[eE]){1,2}")
_ENCODED_CONTROL = re.compile(r"%(?:[01][0-9A-Fa-f]|7[fF])")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

# kind -> (check returning a reason or None, what a valid value looks like)
Check = Callable[[str], "str | None"]


def _pattern(rx: re.Pattern[str]) -> Check:
    def check(value: str) -> str | None:
        return None if rx.fullmatch(value) else "has characters or a form that kind does not allow"

    return check


def _segment(value: str) -> str | None:
    if value in (".", ".."):
        return "is a dot-segment"
    return None if _SEGMENT.fullmatch(value) else "is not one path segment of letters, digits, '-_.~'"


def _origin(value: str) -> str | None:
    return _url_problem(value, allow_path=False, http_anywhere=False)


def _url_root(value: str) -> str | None:
    return _url_problem(value, allow_path=True, http_anywhere=False)


KINDS: Mapping[str, tuple[Check, str]] = {
    "region": (_pattern(_REGION), "lowercase letters, digits and single hyphens, e.g. us-east-1"),
    "gcp_project": (
        _pattern(_GCP_PROJECT),
        "a Google Cloud project id (6-30 lowercase letters, digits and hyphens, starting with a "
        "letter) or a project number; domain-scoped ids (example.com:proj) are not supported, "
        "use the project number instead",
    ),
    "hex": (_pattern(_HEX), "8-64 hexadecimal digits"),
    "dns_label": (_pattern(_DNS_LABEL), "one DNS label: letters, digits and inner hyphens, at most 63"),
    "path_segment": (_segment, "one path segment: letters, digits and '-_.~'"),
    "token": (_pattern(_TOKEN), "letters, digits and '-_.', e.g. 2024-10-21"),
    "origin": (_origin, "an origin such as https://name.example.com (no path, query or user info)"),
    "url_root": (
        _url_root,
        "an https URL such as https://name.example.com/api/v2 (no query, fragment or user info)",
    ),
}


def check_param(provider: str, name: str, value: str, kind: str, pattern: str, source: str) -> str:
    """``value`` if it is a valid ``kind`` (or matches ``pattern``), else a ConfigurationError.

    ``source`` says where the value came from (``"project="`` or ``"GOOGLE_CLOUD_PROJECT"``).
    Origins and URL roots come back without a trailing slash.
    """
    reason = _reason(value, kind, pattern)
    if reason is not None:
        expected = (
            f"a value matching {pattern!r}" if pattern else (KINDS.get(kind) or KINDS["path_segment"])[1]
        )
        raise ConfigurationError(
            f"{provider}: the value of {name} (from {source}) {reason}; expected {expected}. "
            "It fills part of the request URL, so it cannot carry anything that would change "
            "where the request goes."
        )
    return value.rstrip("/") if kind in ("origin", "url_root") else value


@lru_cache(maxsize=512)
def _reason(value: str, kind: str, pattern: str) -> str | None:
    # Cached: a call resolved with options repeats the same few values.
    if pattern:
        return None if re.fullmatch(pattern, value) else "does not match the spec's pattern"
    check = (KINDS.get(kind) or KINDS["path_segment"])[0]
    return check(value)


def check_base_url(provider: str, url: str, source: str) -> str:
    """``url`` without a trailing slash if it is an absolute http(s) API root, else a ConfigurationError.

    Plain http is allowed here (local and LAN servers); user info is refused, never kept or
    stripped, so credentials in a URL cannot end up in logs or in a Basic auth header.
    """
    reason = _url_problem(url, allow_path=True, http_anywhere=True)
    if reason is not None:
        raise ConfigurationError(
            f"{provider}: {source} {reason}. Pass the API root as an absolute URL, "
            "e.g. base_url='https://api.example.com/v1'."
        )
    return url.rstrip("/")


@lru_cache(maxsize=512)
def _url_problem(value: str, *, allow_path: bool, http_anywhere: bool) -> str | None:
    if not value.isascii() or not value.isprintable() or " " in value:
        return "has spaces, control or non-ASCII characters (percent-encode them; use punycode hosts)"
    if "://" not in value:
        return "has no scheme (it must start with https:// or http://)"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "is not a valid URL (bad host or port)"
    if parts.scheme not in ("https", "http"):
        return "must use https:// (or http://)"
    host = parts.hostname or ""
    if "@" in parts.netloc:
        return "has user info (user:password@); pass credentials as api_key= or extra_headers="
    if not host:
        return "has no host"
    if not (_HOST_LABELS.fullmatch(host) or _is_ipv6(host, parts.netloc)):
        return "has a host with characters a host name cannot have"
    if port == 0:
        return "has port 0"
    if parts.scheme == "http" and not http_anywhere and host not in _LOOPBACK:
        return "must use https:// (http:// is allowed only for 127.0.0.1, ::1 or localhost)"
    if parts.query or parts.fragment or "?" in value or "#" in value:
        return "has a query or fragment (the API root cannot carry one)"
    path = parts.path.rstrip("/")
    if path and not allow_path:
        return "has a path (give the origin only)"
    if not _PATH.fullmatch(path):
        return "has characters its path cannot carry unencoded"
    if any(_ENCODED_DOT_SEGMENT.fullmatch(seg) for seg in path.split("/")):
        return "has a '.' or '..' path segment (or one percent-encoded, such as %2e%2e)"
    if _ENCODED_CONTROL.search(path):
        return "has a percent-encoded control character (%00-%1F, %7F) in its path"
    return None


def _is_ipv6(host: str, netloc: str) -> bool:
    return "[" in netloc and all(c in "0123456789abcdefABCDEF:." for c in host)


def placeholders(template: str) -> list[str]:
    """The ``{name}`` placeholders of a template, in order."""
    return _PLACEHOLDER.findall(template)


def fill(template: str, values: Mapping[str, str], provider: str, what: str = "the URL") -> str:
    """Replace each ``{name}`` in ``template``; any other brace is a ConfigurationError.

    Not ``str.format``: a format string with ``{x.attr}`` or ``{0}`` in a user's base URL must
    be an error, not an attribute lookup.
    """
    if "{" not in template and "}" not in template:
        return template
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise ConfigurationError(f"{provider}: {what} has a brace that is not a {{name}} placeholder")

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            raise ConfigurationError(f"{provider}: {what} needs {name}=, which is not set")
        return values[name]

    return _PLACEHOLDER.sub(one, template)


def model_segment(model: str, provider: str) -> str:
    """A model name (deployment, endpoint, model id) as exactly one path segment.

    Everything but ``A-Z a-z 0-9 - _ . ~`` is percent-encoded (``quote(safe="")``, the rule
    google.api.http and botocore apply to a one-segment path variable), so ``/ ? # %``, spaces,
    CR/LF and non-ASCII cannot end the segment or the path. ``.`` and ``..`` are refused: a
    server would treat them as dot-segments however they are encoded.
    """
    if model in ("", ".", ".."):
        raise ConfigurationError(
            f"{provider}: {model!r} is not a model name (it would be an empty or dot path segment)"
        )
    return _quoted(model)


@lru_cache(maxsize=256)
def _quoted(model: str) -> str:
    # Pure, and a process calls few models: every dialect that puts a model in a path reuses
    # the encoding instead of running quote() on each call.
    return quote(model, safe="")


def fill_path(template: str, params: Mapping[str, str], model: str, provider: str) -> str:
    """A dialect's path template with the call's params and ``{model}`` as one encoded segment."""
    if "{" not in template and "}" not in template:
        return template
    values = dict(params)
    if "{model}" in template:
        values["model"] = model_segment(model, provider)
    return fill(template, values, provider, "the request path")


def alias_host(url: str, aliases: Mapping[str, str]) -> str:
    """``url`` with its host replaced by ``aliases[host]`` when listed (port and path kept).

    A template filled with a region can yield a host the service spells otherwise (Vertex AI's
    ``global-aiplatform.googleapis.com`` is ``aiplatform.googleapis.com``). The substring test
    keeps the common case (no alias applies) free of URL parsing."""
    if not aliases or not any(host in url for host in aliases):
        return url
    parts = urlsplit(url)
    alias = aliases.get(parts.hostname or "")
    if alias is None:
        return url
    netloc = alias + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
