"""The ``~/.oci/config`` file, read the way the oci SDK reads it (``src/oci/config.py``).

An INI file without interpolation; every profile inherits the ``[DEFAULT]`` section's keys;
``~`` in ``key_file`` and ``security_token_file`` is the home directory. The file is
``$OCI_CONFIG_FILE`` (else the CLI's ``$OCI_CLI_CONFIG_FILE``), else ``~/.oci/config``, else
the older ``~/.oraclebmc/config``. The profile is ``profile=``, else ``$OCI_PROFILE`` (llmkit's
name), else ``$OCI_CLI_PROFILE`` (the OCI CLI's), else ``DEFAULT``. A parsed file is cached by
path, size and modification time, so a rewritten file is read again.
"""

from __future__ import annotations

import configparser
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from llmkit.errors import ConfigurationError

__all__ = [
    "ENV_CLI_CONFIG_FILE",
    "ENV_CONFIG_FILE",
    "ENV_PROFILES",
    "FINGERPRINT",
    "OCID",
    "Profile",
    "config_path",
    "load_profile",
    "profile_name",
]

ENV_CONFIG_FILE = "OCI_CONFIG_FILE"
ENV_CLI_CONFIG_FILE = "OCI_CLI_CONFIG_FILE"  # the OCI CLI's name, read second
ENV_PROFILES = ("OCI_PROFILE", "OCI_CLI_PROFILE")
DEFAULT_PROFILE = "DEFAULT"
# The SDK's validation rules (config.py PATTERNS).
FINGERPRINT = re.compile(r"([0-9a-f]{2}:){15}[0-9a-f]{2}")
OCID = re.compile(r"([0-9a-zA-Z_-]+[.:])([0-9a-zA-Z_-]*[.:]){3,}([0-9a-zA-Z_-]+)")
# Keys a profile may set that llmkit reads.
KEYS = (
    "user",
    "tenancy",
    "fingerprint",
    "key_file",
    "key_content",
    "pass_phrase",
    "region",
    "security_token_file",
)


@dataclass(frozen=True, slots=True)
class Profile:
    """One profile's values (DEFAULT's keys merged in); ``path`` is where it was read from."""

    name: str
    path: str
    values: dict[str, str]

    def get(self, key: str) -> str | None:
        return self.values.get(key) or None

    def __repr__(self) -> str:
        # pass_phrase and key_content are secrets: only the key names are shown.
        return f"Profile(name={self.name!r}, path={self.path!r}, keys={sorted(self.values)})"


def config_path(explicit: str | None = None) -> Path:
    """The config file to read: ``config_file=``, ``$OCI_CONFIG_FILE``, ``~/.oci/config``, else
    ``~/.oraclebmc/config`` when only that one exists."""
    given = explicit or os.environ.get(ENV_CONFIG_FILE) or os.environ.get(ENV_CLI_CONFIG_FILE)
    if given:
        return Path(given).expanduser()
    primary = Path("~/.oci/config").expanduser()
    legacy = Path("~/.oraclebmc/config").expanduser()
    return legacy if not primary.exists() and legacy.exists() else primary


def profile_name(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    return next((v for e in ENV_PROFILES if (v := os.environ.get(e))), DEFAULT_PROFILE)


_cache: dict[str, tuple[tuple[int, int], configparser.ConfigParser]] = {}
_lock = threading.Lock()


def _parsed(path: Path) -> configparser.ConfigParser:
    try:
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        key = str(path)
        with _lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            f"the OCI config file {path} does not exist: create it (oci setup config), point "
            f"{ENV_CONFIG_FILE} / config_file= at one, or pass tenancy=, user=, fingerprint=, key_file= "
            "and region="
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"the OCI config file {path} cannot be read ({type(exc).__name__})"
        ) from None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        # The parser's message quotes the offending line, which may hold a pass_phrase.
        raise ConfigurationError(
            f"the OCI config file {path} is not a valid INI file ({type(exc).__name__})"
        ) from None
    with _lock:
        _cache[key] = (stamp, parser)
    return parser


def load_profile(config_file: str | None = None, profile: str | None = None) -> Profile:
    """The named profile of the config file, with ``~`` expanded in its file paths."""
    path = config_path(config_file)
    name = profile_name(profile)
    parser = _parsed(path)
    if name != DEFAULT_PROFILE and not parser.has_section(name):
        known = ", ".join([DEFAULT_PROFILE, *parser.sections()])
        raise ConfigurationError(
            f"the OCI config file {path} has no profile {name!r} (it has: {known}); choose one with "
            f"profile= or {' / '.join(ENV_PROFILES)}"
        )
    section = parser[name] if name != DEFAULT_PROFILE else parser.defaults()
    values = {k: v.strip() for k, v in section.items() if k in KEYS and v.strip()}
    for key in ("key_file", "security_token_file"):
        if key in values:
            values[key] = str(Path(values[key]).expanduser())
    return Profile(name, str(path), values)
