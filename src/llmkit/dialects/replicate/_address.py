"""Which Replicate endpoint a model name addresses, every value checked before it fills a path.

- ``owner/name``: an official model or a model's latest version,
  ``POST /models/{owner}/{name}/predictions``;
- ``owner/name:version`` (or a bare 64-hex version id): ``POST /predictions`` with ``version``;
- ``deployments/owner/name``: ``POST /deployments/{owner}/{name}/predictions``.

Owners and names are Replicate's slugs (letters, digits, ``.``, ``_``, ``-``; not a dot segment),
versions 64 lower-case hex digits, so nothing a caller writes can add a path segment, a query or
another host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from llmkit.errors import ConfigurationError

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_VERSION = re.compile(r"[0-9a-f]{64}")
_FORMS = "owner/name, owner/name:<64-hex version> or deployments/owner/name"


@dataclass(frozen=True, slots=True)
class Target:
    path: str  # appended to the API root (``https://api.replicate.com``, as REPLICATE_BASE_URL)
    body: dict[str, Any] = field(default_factory=dict)  # ``{"version": ...}`` for a version


def _slug(value: str, what: str, model: str, provider: str) -> str:
    if not _SLUG.fullmatch(value) or value.strip(".") == "":
        raise ConfigurationError(
            f"{provider}: {model!r} is not a Replicate model ({what} {value!r} must be letters, digits, "
            f"'.', '_' or '-'); write {_FORMS}"
        )
    return value


def target(model: str, provider: str) -> Target:
    if _VERSION.fullmatch(model):
        return Target("/v1/predictions", {"version": model})
    parts = model.split("/")
    if len(parts) == 3 and parts[0] == "deployments":
        owner = _slug(parts[1], "owner", model, provider)
        name = _slug(parts[2], "deployment", model, provider)
        return Target(f"/v1/deployments/{owner}/{name}/predictions")
    if len(parts) != 2:
        raise ConfigurationError(f"{provider}: {model!r} is not a Replicate model; write {_FORMS}")
    owner = _slug(parts[0], "owner", model, provider)
    name, colon, version = parts[1].partition(":")
    name = _slug(name, "name", model, provider)
    if not colon:
        return Target(f"/v1/models/{owner}/{name}/predictions")
    if not _VERSION.fullmatch(version):
        raise ConfigurationError(
            f"{provider}: {model!r} has a version that is not 64 lower-case hex digits; write {_FORMS}"
        )
    return Target("/v1/predictions", {"version": version})
